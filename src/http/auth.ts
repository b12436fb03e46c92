import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { errorResponse } from "./error-handler.js";
import { clientAddress, RateLimiter } from "./rate-limit.js";

export interface LabelledToken {
  label: string;
  token: string;
}

/**
 * Who may call what. admin (curators) can do everything; analyst reads
 * statistics; feedback is for services reporting outcomes; route is for
 * services asking for decisions (open when no route token is configured).
 */
export type Role = "admin" | "analyst" | "feedback" | "route";

export interface AuthOptions {
  tokens: Partial<Record<Role, readonly LabelledToken[]>>;
  /** Failed authentications per minute, per client address and per token attempted; past it, failures get 429. */
  authFailuresPerMinute: number;
  /** Writes per token per minute. */
  writesPerMinute: number;
  /** Trusted proxies in front of the service (http.trustProxy): how the client address is read. */
  trustProxy: number;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
const howToEnable: Record<Role, string> = {
  admin: "set TIERLINE_ADMIN_TOKEN (or TIERLINE_ADMIN_TOKENS=label:token,…) and restart",
  analyst: "set TIERLINE_ANALYST_TOKEN (or use the admin token) and restart",
  feedback: "set TIERLINE_FEEDBACK_TOKEN (or TIERLINE_FEEDBACK_TOKENS=label:token,…) and restart",
  route: "set TIERLINE_ROUTE_TOKEN(S)",
};
/** Roles a role's endpoints accept. */
const accepted: Record<Role, readonly Role[]> = { admin: ["admin"], analyst: ["analyst", "admin"], feedback: ["feedback", "admin"], route: ["route", "admin"] };
const writeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Bearer-token guards. Tokens are compared as sha256 digests with
 * timingSafeEqual against every configured token, so neither length nor
 * content leaks through timing; neither is logged. A valid token of the
 * wrong role is a 403 naming the role needed; writes are rate-limited per
 * token (429 + Retry-After).
 *
 * Failed authentications are limited per client address and per token
 * attempted (its digest; "none" is not a token, so token-less requests count
 * by address only): past the limit a failing request gets 429 instead of
 * 401. A valid token is checked first and is never locked out, so nobody
 * can shut a service out by failing on its behalf, from its address or
 * behind the same proxy (issue 20). The limit bounds the work and the log
 * lines failures cost and tells broken clients to back off; guessing a
 * token is kept hopeless by its length (at least 16 characters), not by the
 * limit. Keying on the token attempted as well means one wrong token
 * retried from many addresses (rotating X-Forwarded-For) still trips it.
 */
export function createAuth(options: AuthOptions) {
  const known = (Object.keys(options.tokens) as Role[]).flatMap((role) => (options.tokens[role] ?? []).map((t) => ({ role, label: t.label, digest: digest(t.token) })));
  const failuresByAddress = new RateLimiter(options.authFailuresPerMinute);
  const failuresByToken = new RateLimiter(options.authFailuresPerMinute);
  const writes = new RateLimiter(options.writesPerMinute);

  return function require(role: Role): MiddlewareHandler<AppEnv> {
    const roles = accepted[role];
    const configured = known.some((k) => roles.includes(k.role));
    // Routing stays open until route tokens are configured: a service router on a private network needs none.
    const open = role === "route" && !known.some((k) => k.role === "route");
    return async (c, next) => {
      if (open) {
        c.set("actor", "anonymous");
        return next();
      }
      if (!configured) return errorResponse(c, "auth_not_configured", `this endpoint is disabled until a token is configured: ${howToEnable[role]}`);
      const match = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
      const presented = match ? digest(match[1]!.trim()) : null;
      let found: (typeof known)[number] | undefined;
      if (presented !== null) for (const k of known) if (timingSafeEqual(presented, k.digest) && found === undefined) found = k;
      if (found === undefined) {
        const address = clientAddress(c, options.trustProxy);
        const attempted = presented?.toString("base64");
        const locked = Math.max(failuresByAddress.blockedFor(address), attempted === undefined ? 0 : failuresByToken.blockedFor(attempted));
        if (locked > 0) {
          c.header("retry-after", String(locked));
          return errorResponse(c, "rate_limited", `too many failed authentications from this address or with this token; retry in ${locked} s`);
        }
        failuresByAddress.take(address);
        if (attempted !== undefined) failuresByToken.take(attempted);
        c.header("WWW-Authenticate", 'Bearer realm="tierline"');
        return errorResponse(c, "unauthorized", match ? "the bearer token is not valid" : "send Authorization: Bearer <token>");
      }
      if (!roles.includes(found.role)) {
        return errorResponse(c, "forbidden", `this endpoint needs the ${role} role; the token "${found.label}" has the ${found.role} role`);
      }
      // Curator writes are rate-limited per token; routing and feedback are service traffic, sized by their callers.
      if (role === "admin" && writeMethods.has(c.req.method)) {
        const wait = writes.take(found.label);
        if (wait > 0) {
          c.header("retry-after", String(wait));
          return errorResponse(c, "rate_limited", `more than ${options.writesPerMinute} writes a minute with this token; retry in ${wait} s`);
        }
      }
      c.set("actor", found.label);
      await next();
    };
  };
}

export type RequireRole = ReturnType<typeof createAuth>;
