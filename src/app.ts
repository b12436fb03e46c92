import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId, type RequestIdVariables } from "hono/request-id";
import type { Logger } from "pino";
import { ApiError, createErrorHandler, errorResponse, validationHook } from "./http/errors.js";
import { createHealthRoutes } from "./http/health.js";
import { createRouteRoutes } from "./http/route.js";
import type { RouteDecision, Router } from "./routing/router.js";
import type { Readiness } from "./runtime.js";
import type { Config } from "./config.js";
import type { CuratorService } from "./exemplars/curator-service.js";
import { createExemplarRoutes } from "./http/exemplars.js";
import { createMetricsRoutes } from "./http/metrics.js";
import { createStatsRoutes } from "./http/stats.js";
import type { StatsService } from "./stats/stats-service.js";
import type { Registry } from "prom-client";

export type AppEnv = { Variables: RequestIdVariables & { decision?: RouteDecision; actor?: string; queryText?: string } };

export interface AppDeps {
  config: Config;
  router: Router;
  curator: CuratorService;
  stats: StatsService;
  metricsRegistry: Registry;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  version?: string;
}

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
const ndjsonType = /^(application\/(x-)?ndjson|application\/jsonl|text\/plain)\s*(;|$)/i;
/** Paths whose body is JSONL, not JSON, and has its own (larger) size limit. */
const jsonlPaths = new Set(["/exemplars/import"]);

/** Builds the HTTP app from its dependencies. No I/O here: tests call app.request(). */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { logger, config } = deps;

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const d = c.get("decision");
    const line = {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      ...(d && { tier: d.tier, reason: d.reason, cached: d.cached }),
      ...(config.logQueryText && { query: c.get("queryText") }),
    };
    if (c.res.status >= 500) logger.error(line, "request");
    else logger.info(line, "request");
  });
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      if (jsonlPaths.has(c.req.path)) {
        if (!ndjsonType.test(type)) throw new ApiError(415, "unsupported_media_type", "send the body as JSONL with Content-Type: application/x-ndjson");
      } else if (!jsonType.test(type)) {
        throw new ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
      }
    }
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `request body exceeds ${config.maxBodyBytes} bytes`);
    },
  });
  app.use((c, next) => (jsonlPaths.has(c.req.path) ? next() : limitBody(c, next)));

  app.route("/", createHealthRoutes(deps.readiness));
  app.route("/", createRouteRoutes(deps.router));
  app.route(
    "/",
    createExemplarRoutes({
      curator: deps.curator,
      adminTokens: config.auth.adminTokens,
      maxBatch: config.curation.maxBatch,
      maxImportBytes: config.curation.maxImportBytes,
      maxImportLines: config.curation.maxImportLines,
      tiers: config.tiers.map((t) => t.name),
    }),
  );

  app.route("/", createStatsRoutes(deps.stats, [...config.auth.analystTokens, ...config.auth.adminTokens]));
  app.route("/", createMetricsRoutes(deps.metricsRegistry));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "tierline",
      version: deps.version ?? "0.1.0",
      description: "Routes each query to the cheapest model tier that can answer it; unsure means premium.",
    },
  });

  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError(createErrorHandler(logger));
  return app;
}
