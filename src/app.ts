import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId, type RequestIdVariables } from "hono/request-id";
import type { Logger } from "pino";
import { ApiError, createErrorHandler, errorResponse, validationHook } from "./http/errors.js";
import { createHealthRoutes } from "./http/health.js";
import { createRouteRoutes } from "./http/route.js";
import type { RouteDecision, Router } from "./routing/router.js";
import type { Readiness } from "./runtime.js";

export type AppEnv = { Variables: RequestIdVariables & { decision?: RouteDecision } };

export interface AppDeps {
  router: Router;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  maxBodyBytes: number;
  version?: string;
}

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** Builds the HTTP app from its dependencies. No I/O here: tests call app.request(). */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { logger } = deps;

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
    };
    if (c.res.status >= 500) logger.error(line, "request");
    else logger.info(line, "request");
  });
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      if (!jsonType.test(type)) {
        throw new ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
      }
    }
    await next();
  });
  app.use(
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `request body exceeds ${deps.maxBodyBytes} bytes`);
      },
    }),
  );

  app.route("/", createHealthRoutes(deps.readiness));
  app.route("/", createRouteRoutes(deps.router));

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
