import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./errors.js";

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
const ndjsonType = /^(application\/(x-)?ndjson|application\/jsonl|text\/plain)\s*(;|$)/i;

export interface BodyRule {
  /** Paths this rule covers (exact, or a prefix ending in "/"). */
  paths: readonly string[];
  kind: "json" | "jsonl";
  maxBytes: number;
  /** What the error message calls the body. */
  label: string;
}

/**
 * Checks the content type of every body-carrying request and caps its size
 * before anything reads it. The first rule whose path matches applies; the
 * fallback rule covers every other path.
 */
export function bodyLimits(rules: readonly BodyRule[], fallback: BodyRule): MiddlewareHandler<AppEnv> {
  const compiled = [...rules, fallback].map((rule) => ({
    rule,
    limit: bodyLimit({
      maxSize: rule.maxBytes,
      onError: () => {
        throw new ApiError("payload_too_large", `${rule.label} exceeds ${rule.maxBytes} bytes`);
      },
    }),
  }));
  const matches = (rule: BodyRule, path: string) => rule.paths.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PUT" && c.req.method !== "PATCH") return next();
    const { rule, limit } = compiled.find((r) => matches(r.rule, c.req.path)) ?? compiled[compiled.length - 1]!;
    const type = c.req.header("content-type") ?? "";
    if (rule.kind === "jsonl" && !ndjsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSONL with Content-Type: application/x-ndjson");
    if (rule.kind === "json" && !jsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSON with Content-Type: application/json");
    return limit(c, next);
  };
}
