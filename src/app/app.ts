import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { createConsoleRoutes } from "../http/console/console-routes.js";
import type { Deps } from "./deps.js";
import type { AppEnv } from "../http/app-env.js";
import { createAuth } from "../http/auth.js";
import { bodyLimits } from "../http/body-limits.js";
import { createErrorHandler, errorResponse, validationHook } from "../http/error-handler.js";
import { createGatewayRoutes } from "../http/chat-completions.js";
import { createExemplarRoutes } from "../http/exemplars.js";
import { createFeedbackRoutes } from "../http/feedback.js";
import { createReviewRoutes } from "../http/review.js";
import { createGatewayStatsRoutes } from "../http/gateway-stats-handlers.js";
import { createHealthRoutes } from "../http/health.js";
import { createMetricsRoutes } from "../http/metrics-endpoint.js";
import { openApiDocument } from "../http/openapi.js";
import { requestLog } from "../http/request-log.js";
import { requestSpan } from "../http/request-span.js";
import { createRouteRoutes } from "../http/route.js";
import { createRulesRoutes } from "../http/rules-handlers.js";
import { createStatsRoutes } from "../http/stats.js";
import { closeWhenDone, crossOrigin, cutoverDoor, requestDeadline, securityHeaders } from "../http/transport.js";

/** What the HTTP app needs from the composition root. */
export type AppDeps = Pick<
  Deps,
  | "config"
  | "logger"
  | "database"
  | "guard"
  | "encoder"
  | "router"
  | "rules"
  | "curator"
  | "stats"
  | "metrics"
  | "lifecycle"
  | "gateway"
  | "gatewayStats"
  | "feedback"
  | "review"
  | "insights"
>;

/** Paths with bounds of their own (lock wait, database guard, the gateway's upstream timeouts) and long legitimate runs. */
const LONG_RUNNING = ["/exemplars/import", "/exemplars/export", "/v1/chat/completions", "/feedback/import", "/stats/feedback/labels", "/review/gaps"];

/** Builds the HTTP app from its dependencies. No I/O here: tests call app.request(). */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { logger, config } = deps;
  const tierNames = config.tiers.map((t) => t.name);
  const requireRole = createAuth({
    tokens: { admin: config.auth.adminTokens, analyst: config.auth.analystTokens, feedback: config.auth.feedbackTokens, route: config.auth.routeTokens },
    authFailuresPerMinute: config.rateLimit.authFailuresPerMinute,
    writesPerMinute: config.rateLimit.writesPerMinute,
    trustProxy: config.http.trustProxy,
  });

  // First, so the request's span covers everything it waits on (a no-op while tracing is off).
  app.use(requestSpan());
  app.use(cutoverDoor(deps.lifecycle.cutover));
  app.use(requestId());
  app.use(requestLog(logger, config.logQueryText));
  app.use(securityHeaders());
  app.use(closeWhenDone(() => deps.lifecycle.draining));
  app.use(crossOrigin(config.http.corsOrigins));
  app.use(requestDeadline(config.http.requestTimeoutMs, LONG_RUNNING));
  app.use(
    bodyLimits(
      [
        { paths: ["/exemplars/import"], kind: "jsonl", maxBytes: config.curation.maxImportBytes, label: "import body" },
        { paths: ["/feedback/import"], kind: "jsonl", maxBytes: config.feedback.maxImportBytes, label: "feedback import body" },
        { paths: ["/route", "/route/"], kind: "json", maxBytes: config.http.maxRouteBodyBytes, label: "route body" },
        { paths: ["/v1/chat/completions"], kind: "json", maxBytes: config.gateway.maxBodyBytes, label: "chat completions body" },
      ],
      { paths: [], kind: "json", maxBytes: config.maxBodyBytes, label: "request body" },
    ),
  );

  app.route(
    "/",
    createHealthRoutes(() => deps.lifecycle.readiness()),
  );
  app.route("/", createRouteRoutes(deps.router, requireRole));
  app.route(
    "/",
    createExemplarRoutes({
      curator: deps.curator,
      requireRole,
      maxBatch: config.curation.maxBatch,
      maxImportLines: config.curation.maxImportLines,
      tiers: tierNames,
      idempotency: { db: deps.database.db, guard: deps.guard },
    }),
  );
  app.route("/", createStatsRoutes(deps.stats, requireRole, tierNames, ["default", ...Object.keys(config.profiles)], deps.insights));
  app.route("/", createFeedbackRoutes({ feedback: deps.feedback, insights: deps.insights, requireRole, tiers: tierNames, maxImportLines: config.feedback.maxImportLines }));
  app.route(
    "/",
    createReviewRoutes({
      review: deps.review,
      insights: deps.insights,
      requireRole,
      gapThreshold: Math.min(1, config.routing.minSimilarity + 0.1),
      idempotency: { db: deps.database.db, guard: deps.guard },
    }),
  );
  app.route("/", createGatewayRoutes(deps.gateway, requireRole));
  app.route("/", createGatewayStatsRoutes(deps.gatewayStats, requireRole));
  app.route(
    "/",
    createRulesRoutes({
      rules: deps.rules,
      requireRole,
      tiers: tierNames,
      maxInputChars: () => deps.encoder.maxInputChars,
      idempotency: { db: deps.database.db, guard: deps.guard },
    }),
  );
  app.route("/", createMetricsRoutes(deps.metrics.registry));
  app.route("/", createConsoleRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A token of the role the operation needs (admin, analyst, feedback or route), from TIERLINE_<ROLE>_TOKEN(S)",
  });
  app.doc31("/openapi.json", openApiDocument(config.port));
  app.notFound((c) => errorResponse(c, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError(createErrorHandler(logger));
  return app;
}
