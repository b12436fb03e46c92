import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { errorResponse } from "./errors.js";

export interface LabelledToken {
  label: string;
  token: string;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Bearer-token guard. Tokens are compared as sha256 digests with
 * timingSafeEqual, checking every configured token, so neither length nor
 * content leaks through timing. Neither the token nor the header is logged.
 * Sets `actor` to the matching token's label for the audit log.
 */
export function requireBearer(tokens: readonly LabelledToken[], howToEnable: string): MiddlewareHandler<AppEnv> {
  const digests = tokens.map((t) => ({ label: t.label, digest: digest(t.token) }));
  return async (c, next) => {
    if (digests.length === 0) {
      return errorResponse(c, "auth_not_configured", `this endpoint is disabled until a token is configured: ${howToEnable}`);
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    let actor: string | undefined;
    if (match) {
      const presented = digest(match[1]!.trim());
      for (const d of digests) if (timingSafeEqual(presented, d.digest) && actor === undefined) actor = d.label;
    }
    if (actor === undefined) {
      c.header("WWW-Authenticate", 'Bearer realm="tierline"');
      return errorResponse(c, "unauthorized", match ? "the bearer token is not valid" : "send Authorization: Bearer <token>");
    }
    c.set("actor", actor);
    await next();
  };
}
