import { failSpan, inSpan, SpanKind } from "../../base/util/spans.js";
import type { Secrets } from "../../base/config/secrets.js";
import type { Admission, Breakers } from "./breaker.js";
import type { AttemptKind, AttemptOutcome, GatewayRecorder } from "./recorder.js";
import type { Answer, CallResult, Refusal, StreamStart, UpstreamCall } from "./upstream-client.js";
import type { Upstream } from "./upstream-registry.js";

export interface ChainDeps {
  breakers: Breakers;
  secrets: Secrets;
  recorder: GatewayRecorder;
  /** When every upstream is held back by a Retry-After, wait at most this long for the soonest. */
  maxRetryAfterWaitMs: number;
  /** The transport (upstream-client.ts `createUpstreamCaller`; tests may pass another). */
  call: UpstreamCall;
}

export interface ChainCall {
  decisionId: string;
  kind: AttemptKind;
  upstreams: readonly Upstream[];
  /** The caller's body; `model` is replaced per upstream. */
  body: Record<string, unknown>;
  stream: boolean;
  signal: AbortSignal;
  /** Epoch ms by which a first byte must have arrived. */
  deadline: number;
}

/** One line of the attempt trail the caller sees in x-tierline-attempts. */
export interface AttemptNote {
  upstream: string;
  outcome: AttemptOutcome;
  status: number | null;
}

export type ChainResult =
  | { kind: "served"; upstream: Upstream; result: Answer | StreamStart; notes: AttemptNote[] }
  | { kind: "refused"; upstream: Upstream; result: Refusal; notes: AttemptNote[] }
  | {
      kind: "failed";
      notes: AttemptNote[];
      cancelled: boolean;
      timedOut: boolean /** Set when every upstream was rate-limited: the soonest it may be retried. */;
      retryAfterMs?: number;
    };

interface Held {
  upstream: Upstream;
  why: "open" | "rate_limited";
  waitMs: number;
}

/**
 * Tries the upstreams in order until one answers: connect errors, timeouts,
 * 429 and 5xx (all before the first byte) move on to the next; a refusal
 * (4xx: the request itself) is final; the caller going away stops it.
 * Upstreams whose circuit is open or that a Retry-After holds back are
 * skipped; if nothing else answered they are the last resort (an open
 * circuit is tried anyway, a Retry-After is waited out when short), so a
 * request is never dropped while any upstream could answer it. Attempts that
 * did not serve are recorded here; the one that served is the caller's to
 * record (its usage is known only once its answer has been read).
 */
export async function runChain(deps: ChainDeps, call: ChainCall): Promise<ChainResult> {
  const notes: AttemptNote[] = [];
  const held: Held[] = [];
  const rateLimits: number[] = [];
  let otherFailures = 0;
  let timedOut = false;

  const note = (upstream: Upstream, outcome: AttemptOutcome, status: number | null, ms: number) => {
    notes.push({ upstream: upstream.id, outcome, status });
    deps.recorder.attempt({
      decisionId: call.decisionId,
      at: new Date(),
      kind: call.kind,
      tier: upstream.tier,
      upstream: upstream.id,
      model: upstream.model,
      outcome,
      status,
      ms,
      served: false,
      score: null,
      usage: null,
      costUsd: null,
    });
  };

  // Each attempt in an `upstream <id>` span (docs/operations.md#tracing); an upstream skipped unasked makes none.
  const attempt = (upstream: Upstream, admission: { probe: boolean }): Promise<CallResult | null> =>
    inSpan(
      `upstream ${upstream.id}`,
      { "tierline.upstream.id": upstream.id, "tierline.tier": upstream.tier, "gen_ai.request.model": upstream.model },
      async (span) => {
        const result = await attemptOnce(upstream, admission);
        const outcome = result === null ? "deadline" : result.kind === "failure" ? result.outcome : result.kind === "refusal" ? "refused" : "ok";
        span.setAttribute("tierline.upstream.outcome", outcome);
        if (result !== null && result.status !== null) span.setAttribute("http.response.status_code", result.status);
        if (outcome !== "ok") failSpan(span, outcome);
        return result;
      },
      { kind: SpanKind.CLIENT },
    );

  const attemptOnce = async (upstream: Upstream, admission: { probe: boolean }): Promise<CallResult | null> => {
    const breaker = deps.breakers.of(upstream.id);
    let result: CallResult | null = null;
    try {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        timedOut = true;
        return null;
      }
      const payload = JSON.stringify({ ...call.body, model: upstream.model });
      result = await deps.call(upstream, payload, {
        stream: call.stream,
        signal: call.signal,
        timeoutMs: Math.min(upstream.timeoutMs, remaining),
        apiKey: deps.secrets.get(upstream.apiKeyEnv),
      });
    } finally {
      // An admission that produced no result (deadline passed, the payload or the transport threw) still settles:
      // a half-open circuit's probe slot held for ever would keep its upstream skipped for good (issue 20).
      if (result === null) breaker.settle(admission, "neutral", Date.now());
    }
    if (result.kind !== "failure") {
      // A refusal is an answer too: the upstream is alive.
      breaker.settle(admission, "success", Date.now());
      return result;
    }
    const { outcome, retryAfterMs } = result;
    // A 429 that says when to come back is a hold, not a fault; the caller going away says nothing about the upstream.
    const counted = outcome === "cancelled" || (outcome === "rate_limited" && retryAfterMs !== undefined) ? "neutral" : "failure";
    breaker.settle(admission, counted, Date.now(), retryAfterMs);
    if (outcome === "rate_limited") rateLimits.push(retryAfterMs ?? 1000);
    else if (outcome !== "cancelled") otherFailures++;
    if (outcome === "timeout" && call.deadline - Date.now() <= 0) timedOut = true;
    note(upstream, outcome, result.status, result.ms);
    return result;
  };

  const settled = (upstream: Upstream, result: CallResult | null): ChainResult | undefined => {
    if (result === null) return undefined;
    if (result.kind === "answer" || result.kind === "stream") return { kind: "served", upstream, result, notes };
    if (result.kind === "refusal") return { kind: "refused", upstream, result, notes };
    if (result.outcome === "cancelled") return { kind: "failed", notes, cancelled: true, timedOut: false };
    return undefined;
  };

  for (const upstream of call.upstreams) {
    if (call.signal.aborted) return { kind: "failed", notes, cancelled: true, timedOut: false };
    const admission: Admission = deps.breakers.of(upstream.id).admit(Date.now());
    if (!admission.go) {
      held.push({ upstream, why: admission.why, waitMs: admission.waitMs });
      if (admission.why === "rate_limited") rateLimits.push(admission.waitMs);
      note(upstream, "skipped", null, 0);
      continue;
    }
    const done = settled(upstream, await attempt(upstream, admission));
    if (done) return done;
    if (timedOut) break;
  }

  // Last resort: what was held back, soonest first.
  for (const h of held.sort((a, b) => a.waitMs - b.waitMs)) {
    if (timedOut || call.signal.aborted) break;
    if (h.why === "rate_limited") {
      if (h.waitMs > deps.maxRetryAfterWaitMs || Date.now() + h.waitMs >= call.deadline) continue;
      if (!(await sleep(h.waitMs, call.signal))) return { kind: "failed", notes, cancelled: true, timedOut: false };
      rateLimits.splice(rateLimits.indexOf(h.waitMs), 1);
    }
    const done = settled(h.upstream, await attempt(h.upstream, deps.breakers.of(h.upstream.id).force()));
    if (done) return done;
  }
  const allRateLimited = rateLimits.length > 0 && otherFailures === 0 && !timedOut;
  return { kind: "failed", notes, cancelled: call.signal.aborted, timedOut, ...(allRateLimited ? { retryAfterMs: Math.min(...rateLimits) } : {}) };
}

/** Waits `ms`; false if the signal aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
