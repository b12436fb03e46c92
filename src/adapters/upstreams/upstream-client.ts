import { context, propagation } from "@opentelemetry/api";
import { redactBytes, StreamRedactor } from "../../base/config/redact.js";
import type { AnswerFacts } from "./answer-facts.js";
import type { AnswerReader } from "./answer-reader.js";
import { parseRetryAfter } from "./breaker.js";
import { BodyChunks, CutError, readPrefix, readWhole, UpstreamExchange, type CutReason, type UpstreamAgents } from "./upstream-http.js";
import type { Upstream } from "./upstream-registry.js";

/** How one attempt at an upstream ended (before any byte reached the caller). */
export type FailureOutcome = "connect_error" | "timeout" | "rate_limited" | "server_error" | "empty_response" | "too_large" | "cancelled";

/** A complete answer (not streamed), 2xx: its bytes with any key scrubbed out, and what was read from them. */
export interface Answer {
  kind: "answer";
  status: number;
  contentType: string;
  body: Uint8Array;
  facts: AnswerFacts;
  ms: number;
}

/** Reads a stream's next chunk (keys scrubbed); rejects once the exchange is cut. */
export interface ChunkReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
}

/** A streamed answer whose first byte has arrived; the rest is read by the caller. */
export interface StreamStart {
  kind: "stream";
  status: number;
  contentType: string;
  first: Uint8Array;
  reader: ChunkReader;
  /** Cuts the upstream call now: the socket is destroyed (client gone: "cancelled"; idle stream: "timeout"). */
  abort(reason: CutReason): void;
  /** Releases the timers and the client-disconnect listener once the stream is over. */
  release(): void;
  /** Why the exchange was cut, if it was: the stream's deadline, its size limit, or the caller leaving. */
  cutReason(): CutReason | null;
  ms: number;
}

/** The upstream refused the request itself (4xx other than 408 and 429): not retried elsewhere. Keys scrubbed out. */
export interface Refusal {
  kind: "refusal";
  status: number;
  contentType: string;
  body: Uint8Array;
  ms: number;
}

export interface Failure {
  kind: "failure";
  outcome: FailureOutcome;
  status: number | null;
  retryAfterMs?: number;
  /** A short, key-free description (an error code or status), for logs. */
  detail: string;
  ms: number;
}

export type CallResult = Answer | StreamStart | Refusal | Failure;

export interface CallOptions {
  stream: boolean;
  /** The caller's signal: its disconnect cancels the call. */
  signal: AbortSignal;
  /** Time to the first byte (stream) or the whole answer. */
  timeoutMs: number;
  apiKey?: string;
}

/** Bounds on what an upstream may send (gateway.* in the config). */
export interface UpstreamLimits {
  /** Largest non-streamed answer; past it the attempt fails as too_large. */
  maxAnswerBytes: number;
  /** Largest stream; past it the stream is cut. */
  maxStreamBytes: number;
  /** Longest a stream may last from its request, whatever arrives. */
  maxStreamMs: number;
}

export interface UpstreamCallerDeps {
  agents: UpstreamAgents;
  answers: AnswerReader;
  /** Every key, scrubbed out of whatever an upstream sends back. */
  secrets: readonly string[];
  limits: UpstreamLimits;
}

/** Error bodies are read up to this much: enough for a provider's message, bounded against a hostile upstream. */
const MAX_ERROR_BODY = 64 * 1024;

export type UpstreamCall = (upstream: Upstream, payload: string, options: CallOptions) => Promise<CallResult>;

/**
 * The transport: one chat-completions request to one upstream. The request
 * carries the key as a bearer token and nothing else of ours; results never
 * carry it (failures are described by status or error code only, bodies
 * are scrubbed). Every wait is bounded: the first byte (or the whole answer)
 * by `timeoutMs`, a stream by `maxStreamMs` and `maxStreamBytes`, an answer
 * by `maxAnswerBytes`; any of them, or the caller leaving, destroys the
 * socket at once.
 */
export function createUpstreamCaller(deps: UpstreamCallerDeps): UpstreamCall {
  return (upstream, payload, options) => callUpstream(deps, upstream, payload, options);
}

async function callUpstream(deps: UpstreamCallerDeps, upstream: Upstream, payload: string, options: CallOptions): Promise<CallResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const fail = (outcome: FailureOutcome, detail: string, status: number | null = null, retryAfterMs?: number): Failure => ({
    kind: "failure",
    outcome,
    status,
    retryAfterMs,
    detail,
    ms: elapsed(),
  });
  if (options.signal.aborted) return fail("cancelled", "client gone");
  const exchange = new UpstreamExchange();
  const onClientGone = () => exchange.cut("cancelled");
  options.signal.addEventListener("abort", onClientGone, { once: true });
  const firstByte = setTimeout(() => exchange.cut("timeout"), options.timeoutMs);
  const streamEnd = options.stream ? setTimeout(() => exchange.cut("timeout"), deps.limits.maxStreamMs) : undefined;
  let handedOff = false;
  const release = () => {
    clearTimeout(firstByte);
    clearTimeout(streamEnd);
    options.signal.removeEventListener("abort", onClientGone);
  };
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: options.stream ? "text/event-stream" : "application/json",
      // Identity only: sizes are bounded as sent, and no decompression bomb reaches the parser.
      "accept-encoding": "identity",
      "user-agent": "tierline-gateway",
    };
    if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
    // The attempt's span (chain.ts) is the active context, so the upstream joins the caller's trace (W3C
    // traceparent). With tracing off no propagator is registered, and nothing is added.
    propagation.inject(context.active(), headers);
    const res = await exchange.send(upstream.url, payload, headers, deps.agents);
    const status = res.statusCode ?? 0;
    const contentType = res.headers["content-type"] ?? "application/json";
    if (status >= 200 && status < 300) {
      if (!options.stream) {
        const body = await readWhole(res, exchange, deps.limits.maxAnswerBytes);
        if (body === null) return fail("too_large", `answer over ${deps.limits.maxAnswerBytes} bytes`, status);
        const inspected = await exchange.race(deps.answers.read(body));
        return { kind: "answer", status, contentType, ...inspected, ms: elapsed() };
      }
      const reader = streamReader(new BodyChunks(res, exchange), exchange, deps);
      const first = await reader.read();
      if (first.done) return fail("empty_response", "the stream ended before its first byte", status);
      handedOff = true;
      clearTimeout(firstByte);
      return { kind: "stream", status, contentType, first: first.value, reader, abort: (reason) => exchange.cut(reason), release, cutReason: () => exchange.reason, ms: elapsed() };
    }
    if (status >= 300 && status < 400) {
      // fetch's redirect: "error": an upstream that redirects is misconfigured, and a redirect could carry the key elsewhere.
      exchange.discard();
      return fail("connect_error", `redirect ${status}`, status);
    }
    const prefix = await readPrefix(res, exchange, MAX_ERROR_BODY);
    if (status === 429) return fail("rate_limited", "429", 429, parseRetryAfter(header(res.headers["retry-after"])));
    if (status === 408) return fail("timeout", "408", 408);
    if (status >= 500) return fail("server_error", String(status), status, status === 503 ? parseRetryAfter(header(res.headers["retry-after"])) : undefined);
    return { kind: "refusal", status, contentType, body: redactBytes(prefix.body, deps.secrets, { truncated: prefix.truncated }), ms: elapsed() };
  } catch (err) {
    const reason = err instanceof CutError ? err.reason : exchange.reason;
    if (reason === "cancelled" || options.signal.aborted) return fail("cancelled", "client gone");
    if (reason === "timeout") return fail("timeout", `no answer within ${options.timeoutMs} ms`);
    if (reason === "too_large") return fail("too_large", `stream over ${deps.limits.maxStreamBytes} bytes before its first byte was sent`);
    exchange.discard();
    return fail("connect_error", errorCode(err));
  } finally {
    if (!handedOff) release();
  }
}

/** The stream's chunks with keys scrubbed out (a partial line is held until it ends), cut when the stream passes maxStreamBytes. */
function streamReader(chunks: BodyChunks, exchange: UpstreamExchange, deps: UpstreamCallerDeps): ChunkReader {
  const redactor = new StreamRedactor(deps.secrets);
  let received = 0;
  let ended = false;
  return {
    async read() {
      for (;;) {
        if (ended) return { done: true };
        const next = await chunks.read();
        if (next.done) {
          ended = true;
          const rest = redactor.end();
          return rest.byteLength > 0 ? { done: false, value: rest } : { done: true };
        }
        received += next.value.byteLength;
        if (received > deps.limits.maxStreamBytes) {
          exchange.cut("too_large");
          throw new CutError("too_large");
        }
        const out = redactor.push(next.value);
        if (out.byteLength > 0) return { done: false, value: out };
      }
    },
  };
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** A network error's code (ECONNREFUSED, ECONNRESET…): never its message, which could quote a URL. */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = (err as { code?: unknown })?.code ?? cause?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : "network_error";
}
