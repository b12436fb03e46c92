import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import type { Deps } from "./deps.js";
import type { AppEnv } from "./http/app-env.js";
import { bodyLimits } from "./http/body-limits.js";
import { createErrorHandler, errorResponse, validationHook } from "./http/errors.js";
import { createExemplarRoutes } from "./http/exemplars.js";
import { createHealthRoutes } from "./http/health.js";
import { createMetricsRoutes } from "./http/metrics.js";
import { requestLog } from "./http/request-log.js";
import { createRouteRoutes } from "./http/route.js";
import { createStatsRoutes } from "./http/stats.js";

/** What the HTTP app needs from the composition root. */
export type AppDeps = Pick<Deps, "config" | "logger" | "router" | "curator" | "stats" | "metrics" | "lifecycle">;

/** Builds the HTTP app from its dependencies. No I/O here: tests call app.request(). */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { logger, config } = deps;

  app.use(requestId());
  app.use(requestLog(logger, config.logQueryText));
  app.use(bodyLimits({ maxJsonBytes: config.maxBodyBytes, jsonl: { paths: new Set(["/exemplars/import"]), maxBytes: config.curation.maxImportBytes } }));

  app.route("/", createHealthRoutes(() => deps.lifecycle.readiness()));
  app.route("/", createRouteRoutes(deps.router));
  app.route(
    "/",
    createExemplarRoutes({
      curator: deps.curator,
      adminTokens: config.auth.adminTokens,
      maxBatch: config.curation.maxBatch,
      maxImportLines: config.curation.maxImportLines,
      tiers: config.tiers.map((t) => t.name),
    }),
  );
  app.route("/", createStatsRoutes(deps.stats, [...config.auth.analystTokens, ...config.auth.adminTokens]));
  app.route("/", createMetricsRoutes(deps.metrics.registry));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "tierline",
      version: "0.1.0",
      description: "Routes each query to the cheapest model tier that can answer it; unsure means premium.",
    },
  });

  app.notFound((c) => errorResponse(c, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError(createErrorHandler(logger));
  return app;
}
