import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { errorResponse } from "./errors.js";
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
  /** Failed authentications per client address per minute; past it the address gets 429 (lockout). */
  authFailuresPerMinute: number;
  /** Writes per token per minute. */
  writesPerMinute: number;
  trustProxy: boolean;
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
 * wrong role is a 403 naming the role needed; failed attempts are
 * rate-limited per client address and writes per token (429 + Retry-After).
 */
export function createAuth(options: AuthOptions) {
  const known = (Object.keys(options.tokens) as Role[]).flatMap((role) => (options.tokens[role] ?? []).map((t) => ({ role, label: t.label, digest: digest(t.token) })));
  const failures = new RateLimiter(options.authFailuresPerMinute);
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
      const address = clientAddress(c, options.trustProxy);
      const locked = failures.blockedFor(address);
      if (locked > 0) {
        c.header("retry-after", String(locked));
        return errorResponse(c, "rate_limited", `too many failed authentications from this address; retry in ${locked} s`);
      }
      const match = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
      let found: (typeof known)[number] | undefined;
      if (match) {
        const presented = digest(match[1]!.trim());
        for (const k of known) if (timingSafeEqual(presented, k.digest) && found === undefined) found = k;
      }
      if (found === undefined) {
        failures.take(address);
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
