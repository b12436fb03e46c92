import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./errors.js";

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
const ndjsonType = /^(application\/(x-)?ndjson|application\/jsonl|text\/plain)\s*(;|$)/i;

export interface BodyLimitOptions {
  /** Largest JSON body, bytes. */
  maxJsonBytes: number;
  /** Paths whose body is JSONL (imports) and their own, larger limit. */
  jsonl: { paths: ReadonlySet<string>; maxBytes: number };
}

/**
 * Checks the content type of every body-carrying request and caps its size
 * before anything reads it: JSON everywhere, JSONL on the import paths.
 */
export function bodyLimits(options: BodyLimitOptions): MiddlewareHandler<AppEnv> {
  const tooLarge = (limit: number, what: string) => () => {
    throw new ApiError("payload_too_large", `${what} exceeds ${limit} bytes`);
  };
  const limitJson = bodyLimit({ maxSize: options.maxJsonBytes, onError: tooLarge(options.maxJsonBytes, "request body") });
  const limitJsonl = bodyLimit({ maxSize: options.jsonl.maxBytes, onError: tooLarge(options.jsonl.maxBytes, "import body") });
  return async (c, next) => {
    const isJsonl = options.jsonl.paths.has(c.req.path);
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      if (isJsonl && !ndjsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSONL with Content-Type: application/x-ndjson");
      if (!isJsonl && !jsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSON with Content-Type: application/json");
    }
    return isJsonl ? limitJsonl(c, next) : limitJson(c, next);
  };
}
