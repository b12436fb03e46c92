import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env.js";
import { discardRest } from "./body-limits.js";
import { outgoingOf } from "./incoming.js";
import { ApiError } from "./error-handler.js";

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
    const unread = c.get("bodyLeftUnread") === true || !(await discardRest(c));
    if (draining() || unread) c.header("connection", "close");
  };
}

/**
 * Answers 503 deadline_exceeded when a request runs past `ms` (paths in
 * `exempt` have bounds of their own: long imports and streamed exports), and
 * then aborts the request's signal (`c.get("signal")`), as does a client that
 * closes its connection first: model work still queued for the request is
 * dropped, so nothing keeps the model busy for an answer nobody waits for.
 * Work already under way finishes; writes are idempotent by key.
 */
export function requestDeadline(ms: number, exempt: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const controller = new AbortController();
    const onGone = () => controller.abort(new ApiError("deadline_exceeded", "the client closed the connection before the answer; its queued work was dropped"));
    const stopWatching = watchClient(c, onGone);
    c.set("signal", controller.signal);
    if (exempt.includes(c.req.path)) {
      try {
        return await next();
      } finally {
        stopWatching();
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new ApiError(
          "deadline_exceeded",
          `the request took longer than ${ms} ms; a write may still apply: send it again (curator writes with the same Idempotency-Key)`,
        );
        reject(err);
        controller.abort(err);
      }, ms);
    });
    const work = next();
    try {
      await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
      stopWatching();
      work.catch(() => {});
    }
  };
}

/**
 * Calls onGone if the client closes its connection before the answer is
 * written; returns the function that stops watching. Behind node-server the
 * response's own close event says so (c.req.raw.signal would build an
 * AbortController and a full Request for every request).
 */
function watchClient(c: Context<AppEnv>, onGone: () => void): () => void {
  const outgoing = outgoingOf(c);
  if (outgoing === undefined) {
    const gone = c.req.raw.signal;
    gone.addEventListener("abort", onGone, { once: true });
    return () => gone.removeEventListener("abort", onGone);
  }
  const onClose = () => {
    if (!outgoing.writableFinished) onGone();
  };
  outgoing.once("close", onClose);
  return () => outgoing.off("close", onClose);
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
