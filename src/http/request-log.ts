import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AppEnv } from "./app-env.js";

/** One structured log line per request; the query text only when logQueryText is on (it may hold personal data). */
export function requestLog(logger: Pick<Logger, "info" | "warn" | "error">, logQueryText: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
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
      ...(logQueryText && { query: c.get("queryText") }),
    };
    // A 503 is a passing condition (database away, starting, draining), not a fault; from /readyz it is the probe working.
    if (c.res.status >= 500 && c.res.status !== 503) logger.error(line, "request");
    else if (c.res.status === 503 && c.req.path !== "/readyz") logger.warn(line, "request");
    else logger.info(line, "request");
  };
}
