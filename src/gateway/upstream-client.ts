import { parseRetryAfter } from "./breaker.js";
import type { Upstream } from "./upstreams.js";

/** How one attempt at an upstream ended (before any byte reached the caller). */
export type FailureOutcome = "connect_error" | "timeout" | "rate_limited" | "server_error" | "empty_response" | "cancelled";

/** A complete answer (not streamed), 2xx. */
export interface Answer {
  kind: "answer";
  status: number;
  contentType: string;
  body: Uint8Array;
  ms: number;
}

/** A streamed answer whose first byte has arrived; the rest is read by the caller. */
export interface StreamStart {
  kind: "stream";
  status: number;
  contentType: string;
  first: Uint8Array;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Cuts the upstream call (client gone, idle stream). */
  abort(reason?: unknown): void;
  /** Releases the client-disconnect listener once the stream is over. */
  release(): void;
  /** The caller has gone (its signal aborted). */
  clientGone(): boolean;
  ms: number;
}

/** The upstream refused the request itself (4xx other than 408 and 429): not retried elsewhere. */
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

/** Error bodies are read up to this much: enough for a provider's message, bounded against a hostile upstream. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Sends one chat-completions request to one upstream over Node's fetch
 * (undici, keep-alive). The request carries the key as a bearer token and
 * nothing else of ours; results never carry it: failures are described by
 * status or error code only.
 */
export async function callUpstream(upstream: Upstream, payload: string, options: CallOptions): Promise<CallResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const fail = (outcome: FailureOutcome, detail: string, status: number | null = null, retryAfterMs?: number): Failure => ({ kind: "failure", outcome, status, retryAfterMs, detail, ms: elapsed() });
  if (options.signal.aborted) return fail("cancelled", "client gone");
  const controller = new AbortController();
  let timedOut = false;
  const onClientGone = () => controller.abort(new Error("client gone"));
  options.signal.addEventListener("abort", onClientGone, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("upstream timeout"));
  }, options.timeoutMs);
  let handedOff = false;
  const release = () => {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onClientGone);
  };
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: options.stream ? "text/event-stream" : "application/json",
      "user-agent": "tierline-gateway",
    };
    if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
    const res = await fetch(upstream.url, { method: "POST", headers, body: payload, signal: controller.signal, redirect: "error" });
    const contentType = res.headers.get("content-type") ?? "application/json";
    if (res.ok) {
      if (!options.stream) return { kind: "answer", status: res.status, contentType, body: new Uint8Array(await res.arrayBuffer()), ms: elapsed() };
      const reader = res.body!.getReader();
      const first = await reader.read();
      if (first.done || first.value.byteLength === 0) {
        void reader.cancel().catch(() => {});
        return fail("empty_response", "the stream ended before its first byte", res.status);
      }
      handedOff = true;
      clearTimeout(timer);
      return { kind: "stream", status: res.status, contentType, first: first.value, reader, abort: (reason) => controller.abort(reason), release, clientGone: () => options.signal.aborted, ms: elapsed() };
    }
    const body = await readBounded(res);
    if (res.status === 429) return fail("rate_limited", "429", 429, parseRetryAfter(res.headers.get("retry-after")));
    if (res.status === 408) return fail("timeout", "408", 408);
    if (res.status >= 500) return fail("server_error", String(res.status), res.status, res.status === 503 ? parseRetryAfter(res.headers.get("retry-after")) : undefined);
    return { kind: "refusal", status: res.status, contentType, body, ms: elapsed() };
  } catch (err) {
    if (options.signal.aborted) return fail("cancelled", "client gone");
    if (timedOut) return fail("timeout", `no answer within ${options.timeoutMs} ms`);
    return fail("connect_error", errorCode(err));
  } finally {
    if (!handedOff) release();
  }
}

/** The body of an error answer, cut at MAX_ERROR_BODY. */
async function readBounded(res: Response): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= MAX_ERROR_BODY) {
      void reader.cancel().catch(() => {});
      break;
    }
  }
  const out = new Uint8Array(Math.min(size, MAX_ERROR_BODY));
  let at = 0;
  for (const p of parts) {
    const take = Math.min(p.byteLength, out.byteLength - at);
    out.set(p.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** A network error's code (ECONNREFUSED, UND_ERR_SOCKET…): never its message, which could quote a URL. */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = cause?.code ?? (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : "network_error";
}
