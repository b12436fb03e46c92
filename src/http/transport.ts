import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env.js";
import { discardBody } from "./body-limits.js";
import { ApiError } from "./errors.js";

/**
 * Security headers on every response. The strict content policy suits the
 * JSON API and the console alike: the console loads only its own files.
 */
export const securityHeaders = (): MiddlewareHandler<AppEnv> =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", "data:", "blob:"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
  });

const allow = "GET, POST, PATCH, DELETE, OPTIONS";

/**
 * Browser access: with an allow-list, CORS for those origins (preflights
 * answered, the API's own headers exposed); without one, OPTIONS is still
 * answered (204 with Allow) and no cross-origin header is ever sent.
 */
export function crossOrigin(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  if (origins.length === 0) {
    return async (c, next) => {
      if (c.req.method !== "OPTIONS") return next();
      c.header("allow", allow);
      return c.body(null, 204);
    };
  }
  return cors({
    origin: [...origins],
    allowMethods: allow.split(", "),
    allowHeaders: ["authorization", "content-type", "idempotency-key", "x-session-id", "x-tierline-tags"],
    exposeHeaders: [
      "x-request-id",
      "x-exemplar-count",
      "idempotent-replayed",
      "retry-after",
      "x-tierline-decision-id",
      "x-tierline-tier",
      "x-tierline-reason",
      "x-tierline-served-tier",
      "x-tierline-upstream",
      "x-tierline-attempts",
    ],
    maxAge: 600,
  });
}

/**
 * Connection: close on a response when the connection must not be reused:
 * while shutting down (keep-alive clients reconnect elsewhere before the
 * process goes), and when the answer came before the request body was read
 * (a 401 or 415) and the rest could not be discarded within bounds. An unread
 * body is first read and dropped (up to DISCARD_LIMIT): closing with bytes
 * still arriving resets the connection, and a client still writing would see
 * EPIPE instead of its answer.
 */
export function closeWhenDone(draining: () => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const body = c.req.raw.body;
    let unread = c.get("bodyLeftUnread") === true;
    if (body !== null && !c.req.raw.bodyUsed && !body.locked) unread = !(await discardBody(body.getReader()));
    if (draining() || unread) c.header("connection", "close");
  };
}

/**
 * Answers 503 deadline_exceeded when a request runs past `ms` (paths in
 * `exempt` have bounds of their own: long imports and streamed exports).
 * The work itself is not cut short; writes are idempotent by key.
 */
export function requestDeadline(ms: number, exempt: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (exempt.includes(c.req.path)) return next();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiError("deadline_exceeded", `the request took longer than ${ms} ms; a write may still apply: send it again (curator writes with the same Idempotency-Key)`)), ms);
    });
    const work = next();
    try {
      await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
      work.catch(() => {});
    }
  };
}

/** Counts requests in flight and holds new ones during the shutdown's cutover (lifecycle/cutover.ts). */
export function cutoverDoor(cutover: { pass(): Promise<void>; inFlight: number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await cutover.pass();
    cutover.inFlight++;
    try {
      await next();
    } finally {
      cutover.inFlight--;
    }
  };
}
