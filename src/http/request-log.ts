import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AppEnv } from "./app-env.js";

/** One structured log line per request; the query text only when logQueryText is on (it may hold personal data). */
export function requestLog(logger: Pick<Logger, "info" | "warn" | "error"> & Partial<Pick<Logger, "isLevelEnabled">>, logQueryText: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // Most lines are info, and off in production at warn: build the line only when it will be written.
    const status = c.res.status;
    const level = status >= 500 && status !== 503 ? "error" : status === 503 && c.req.path !== "/readyz" ? "warn" : "info";
    if (level === "info" && logger.isLevelEnabled?.("info") === false) return;
    const d = c.get("decision");
    const line = {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      ...(d && { tier: d.tier, reason: d.reason, cached: d.cached }),
      ...(logQueryText && { query: c.get("queryText") }),
    };
    // A 503 is a passing condition (database away, starting, draining), not a fault; from /readyz it is the probe working.
    logger[level](line, "request");
  };
}
