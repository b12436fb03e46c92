import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./error-handler.js";
import { discardIncoming, hasBody, incomingOf } from "./incoming.js";

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
 * How much of a refused body is read and thrown away before the answer goes
 * out. A server that answers early and closes with the body still arriving
 * makes the kernel reset the connection, and the client, still writing, may
 * see EPIPE before it reads the answer (RFC 9112 §9.6, "lingering close").
 * Reading a bounded remainder first lets an ordinary oversized request get
 * its 413; past the bound the connection is closed and that is the client's
 * lot.
 */
export const DISCARD_LIMIT = { bytes: 16 * 1024 * 1024, ms: 2_000 };

/**
 * Reads and drops the rest of a body, up to `limit`. True when the body was
 * read to its end (the connection can then carry another request).
 */
export async function discardBody(reader: ReadableStreamDefaultReader<Uint8Array>, limit = DISCARD_LIMIT, alreadyRead = 0): Promise<boolean> {
  let read = alreadyRead;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), limit.ms)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") return false;
      if (next.done) return true;
      read += next.value.length;
      if (read > limit.bytes) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}

/**
 * Reads and drops what is left unread of a request's body, up to
 * DISCARD_LIMIT; true when nothing is left (read to its end, or there was
 * nothing to read). Behind node-server it asks the Node request, never
 * c.req.raw.body, which would build a web stream for it.
 */
export function discardRest(c: Context<AppEnv>): Promise<boolean> {
  const incoming = incomingOf(c);
  if (incoming !== undefined) return hasBody(incoming) ? discardIncoming(incoming, DISCARD_LIMIT) : Promise.resolve(true);
  const body = c.req.raw.body;
  if (body === null || c.req.raw.bodyUsed || body.locked) return Promise.resolve(true);
  return discardBody(body.getReader());
}

/**
 * Reads the whole body under `maxBytes` into memory (so the handlers can parse
 * it) or refuses it with 413 after discarding a bounded remainder. A body
 * with Content-Length is judged by the header before anything is read.
 */
async function limitBody(c: Context<AppEnv>, rule: BodyRule): Promise<void> {
  const tooLarge = () => new ApiError("payload_too_large", `${rule.label} exceeds ${rule.maxBytes} bytes`);
  const declared = c.req.raw.headers.has("transfer-encoding") ? null : c.req.raw.headers.get("content-length");
  // Behind node-server a declared length is judged by the header alone, without touching c.req.raw.body:
  // the handler then parses the body straight from the socket (no web stream; incoming.ts).
  if (incomingOf(c) === undefined && c.req.raw.body === null) return;
  if (declared !== null) {
    if (Number.parseInt(declared, 10) > rule.maxBytes) {
      c.set("bodyLeftUnread", !(await discardRest(c)));
      throw tooLarge();
    }
    return;
  }
  const body = c.req.raw.body;
  if (!body) return;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > rule.maxBytes) {
      c.set("bodyLeftUnread", !(await discardBody(reader, DISCARD_LIMIT, size)));
      throw tooLarge();
    }
    chunks.push(value);
  }
  c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
}

/**
 * Checks the content type of every body-carrying request and caps its size
 * before anything reads it. The first rule whose path matches applies; the
 * fallback rule covers every other path.
 */
export function bodyLimits(rules: readonly BodyRule[], fallback: BodyRule): MiddlewareHandler<AppEnv> {
  const all = [...rules, fallback];
  const matches = (rule: BodyRule, path: string) => rule.paths.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PUT" && c.req.method !== "PATCH") return next();
    const rule = all.find((r) => matches(r, c.req.path)) ?? fallback;
    const type = c.req.header("content-type") ?? "";
    if (rule.kind === "jsonl" && !ndjsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSONL with Content-Type: application/x-ndjson");
    if (rule.kind === "json" && !jsonType.test(type)) throw new ApiError("unsupported_media_type", "send the body as JSON with Content-Type: application/json");
    await limitBody(c, rule);
    return next();
  };
}
