import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Registry } from "prom-client";
import type { AppEnv } from "./app-env.js";
import { validationHook } from "./error-handler.js";

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "metrics",
  tags: ["operations"],
  summary: "Prometheus metrics (text exposition format)",
  description:
    "Route latency, embedding time and batch size, decisions by tier and reason, cache lookups, index size, exemplar revision, database errors, dropped write-behind updates, and the default process metrics. Unauthenticated, like /healthz: expose it to your scraper only.",
  responses: {
    200: {
      description: "The metrics in the Prometheus text format, version 0.0.4",
      content: {
        "text/plain": {
          schema: z.string().openapi({
            example:
              '# HELP tierline_decisions_total Routing decisions by tier and reason\n# TYPE tierline_decisions_total counter\ntierline_decisions_total{tier="fast",reason="knn"} 42',
          }),
        },
      },
    },
  },
});

/** GET /metrics in the Prometheus text format. */
export function createMetricsRoutes(registry: Registry): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(metrics, async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics(), 200) as never;
  });
  return app;
}
