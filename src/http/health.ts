import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { Readiness } from "./readiness.js";
import { validationHook } from "./error-handler.js";
import { readinessSchema } from "./schemas.js";

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "liveness",
  tags: ["operations"],
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "readiness",
  tags: ["operations"],
  summary: "Readiness: model loaded, index built, database reachable",
  description:
    "200 with status ready, or degraded when routing works but the database does not answer (decisions are then not cached); 503 while starting and while draining at shutdown.",
  responses: {
    200: { description: "Routing", content: { "application/json": { schema: readinessSchema } } },
    503: { description: "Not routing yet, or shutting down", content: { "application/json": { schema: readinessSchema } } },
  },
});

export function createHealthRoutes(readiness: () => Promise<Readiness>): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    const report = await readiness();
    return report.status === "starting" || report.status === "draining" ? c.json(report, 503) : c.json(report, 200);
  });
  return app;
}
