import { randomUUID } from "node:crypto";
import type { AttemptNote, ChainResult } from "../adapters/upstreams/chain.js";
import { GatewayError } from "./gateway-errors.js";
import { addFields } from "../adapters/upstreams/answer-facts.js";
import { costOf, type AttemptOutcome, type ExchangeRecord, type GatewayRecorder, type TokenUsage } from "../adapters/upstreams/recorder.js";
import { relayStream } from "./stream-relay.js";
import type { Answer, Refusal, StreamStart } from "../adapters/upstreams/upstream-client.js";
import type { Breakers } from "../adapters/upstreams/breaker.js";
import type { Upstream, UpstreamRegistry } from "../adapters/upstreams/upstream-registry.js";

/** What the HTTP layer sends back: the upstream's status and bytes, plus the x-tierline-* headers. */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | Uint8Array | null;
}

/** One request's identity as the records and headers carry it. */
export interface ExchangeIdentity {
  decisionId: string;
  /** Cuts the caller's connection when a relayed stream breaks (see relayStream). */
  breakCaller?: () => boolean;
  mode: ExchangeRecord["mode"];
  profile: string | null;
  tier: string;
  reason: string;
  caller: string;
  stream: boolean;
}

export interface ExchangeDeps {
  registry: UpstreamRegistry;
  breakers: Breakers;
  recorder: GatewayRecorder;
  streamIdleTimeoutMs: number;
}

/** A fresh id for a request no routing decision was made for (a tier or a model named directly). */
export const newExchangeId = (): string => randomUUID();

/** "premium/0=timeout, premium/1=ok": the attempt trail, header-safe. */
export function trail(notes: readonly AttemptNote[]): string {
  return notes.map((n) => `${n.upstream}=${n.outcome}${n.status !== null && n.outcome !== "ok" ? `:${n.status}` : ""}`).join(", ");
}

export function tierlineHeaders(id: ExchangeIdentity, notes: readonly AttemptNote[], served?: Upstream): Record<string, string> {
  return {
    "x-tierline-decision-id": id.decisionId,
    "x-tierline-tier": id.tier,
    "x-tierline-reason": id.reason,
    ...(served && { "x-tierline-served-tier": served.tier, "x-tierline-upstream": served.id }),
    ...(notes.length > 0 && { "x-tierline-attempts": trail(notes) }),
  };
}

/**
 * Turns a chain's result into the caller's response and records the request:
 * an answer with its usage and cost, a stream relayed byte for byte (usage
 * and outcome recorded when it ends), a refusal passed on with any key
 * scrubbed out, or a GatewayError saying why nothing answered.
 */
/** One answer attempt as the exchange records it. */
export interface ServedAttempt {
  outcome: AttemptOutcome;
  status: number;
  ms: number;
  usage: TokenUsage | null;
  /** False for a refusal of tierline's credentials, and for a cascade's cheap answer that was checked and not served. */
  served: boolean;
  /** The cascade verifier's score, when it checked this answer. */
  score?: number | null;
}

export class ExchangeResponder {
  constructor(private readonly deps: ExchangeDeps) {}

  /** Records the attempt that served (or was refused, or was checked and not served) and returns its cost. */
  recordServed(id: ExchangeIdentity, upstream: Upstream, attempt: ServedAttempt): number | null {
    const costUsd = costOf(attempt.usage, upstream.pricePer1MTokens);
    const { outcome, status, ms, usage, served } = attempt;
    this.deps.recorder.attempt({
      decisionId: id.decisionId,
      at: new Date(),
      kind: "answer",
      tier: upstream.tier,
      upstream: upstream.id,
      model: upstream.model,
      outcome,
      status,
      ms,
      served,
      score: attempt.score ?? null,
      usage,
      costUsd,
    });
    return costUsd;
  }

  recordExchange(id: ExchangeIdentity, fields: Pick<ExchangeRecord, "outcome" | "status" | "attempts" | "fallback"> & Partial<ExchangeRecord>, served?: Upstream): void {
    const usage = fields.usage ?? null;
    this.deps.recorder.exchange({
      decisionId: id.decisionId,
      at: new Date(),
      caller: id.caller,
      mode: id.mode,
      profile: id.profile,
      tier: id.tier,
      reason: id.reason,
      stream: id.stream,
      servedTier: served?.tier ?? null,
      servedUpstream: served?.id ?? null,
      cascade: null,
      costUsd: null,
      ...fields,
      usage,
      counterfactualUsd: costOf(usage, this.deps.registry.premiumPrice),
    });
  }

  /** The caller's response for a chain's result; `extra` adds the cascade's own attempts before this chain's. */
  respond(
    id: ExchangeIdentity,
    result: ChainResult,
    extra: {
      notes?: AttemptNote[];
      cascade?: ExchangeRecord["cascade"];
      score?: number | null;
      costUsd?: number;
      decorate?: (notes: AttemptNote[]) => Record<string, unknown>;
    } = {},
  ): GatewayResponse {
    const notes = [...(extra.notes ?? []), ...result.notes];
    const earlierCost = extra.costUsd ?? 0;
    if (result.kind === "failed") return this.failed(id, notes, result);
    if (result.kind === "refused") return this.refused(id, notes, result.upstream, result.result);
    const { upstream } = result;
    const fallback = result.notes.length > 0;
    if (result.result.kind === "stream") return this.stream(id, notes, upstream, result.result, fallback);
    const answer: Answer = result.result;
    const usage = answer.facts.usage;
    const cost = this.recordServed(id, upstream, { outcome: "ok", status: answer.status, ms: answer.ms, usage, served: true, score: extra.score });
    const allNotes = [...notes, { upstream: upstream.id, outcome: "ok" as const, status: answer.status }];
    this.recordExchange(
      id,
      { outcome: "ok", status: answer.status, attempts: allNotes.length, fallback, usage, costUsd: cost === null ? null : cost + earlierCost, cascade: extra.cascade ?? null },
      upstream,
    );
    const body = (extra.decorate && addFields(answer, extra.decorate(allNotes))) || answer.body;
    return { status: answer.status, headers: { "content-type": answer.contentType, ...tierlineHeaders(id, allNotes, upstream) }, body };
  }

  private stream(id: ExchangeIdentity, notes: AttemptNote[], upstream: Upstream, start: StreamStart, fallback: boolean): GatewayResponse {
    const allNotes = [...notes, { upstream: upstream.id, outcome: "ok" as const, status: start.status }];
    const body = relayStream(start, {
      idleTimeoutMs: this.deps.streamIdleTimeoutMs,
      breakCaller: id.breakCaller,
      onEnd: (end, usage) => {
        const outcome: AttemptOutcome = end;
        // Broken off, stalled or oversized mid-stream is the upstream's fault; the first byte had already counted as a success.
        if (outcome === "stream_interrupted" || outcome === "timeout" || outcome === "too_large")
          this.deps.breakers.of(upstream.id).settle({ probe: false }, "failure", Date.now());
        const cost = this.recordServed(id, upstream, { outcome, status: start.status, ms: start.ms, usage, served: true });
        this.recordExchange(
          id,
          { outcome: end === "ok" ? "ok" : end === "cancelled" ? "cancelled" : "interrupted", status: start.status, attempts: allNotes.length, fallback, usage, costUsd: cost },
          upstream,
        );
      },
    });
    const headers = { "content-type": start.contentType, "cache-control": "no-cache", "x-accel-buffering": "no", ...tierlineHeaders(id, allNotes, upstream) };
    return { status: start.status, headers, body };
  }

  private refused(id: ExchangeIdentity, notes: AttemptNote[], upstream: Upstream, refusal: Refusal): GatewayResponse {
    const allNotes = [...notes, { upstream: upstream.id, outcome: "refused" as const, status: refusal.status }];
    const credentials = refusal.status === 401 || refusal.status === 403;
    this.recordServed(id, upstream, { outcome: "refused", status: refusal.status, ms: refusal.ms, usage: null, served: !credentials });
    if (credentials) {
      // About tierline's key, not the caller's request; its body may quote part of the key, so it is not passed on.
      this.recordExchange(id, { outcome: "failed", status: 502, attempts: allNotes.length, fallback: false }, upstream);
      throw new GatewayError(
        "upstream_unauthorized",
        `upstream ${upstream.id} refused tierline's credentials (${refusal.status}); check the key its apiKeyEnv names`,
        tierlineHeaders(id, allNotes, upstream),
        allNotes,
      );
    }
    this.recordExchange(id, { outcome: "refused", status: refusal.status, attempts: allNotes.length, fallback: false }, upstream);
    // The caller's own mistake (400, 404, 413, 422…), passed on as the upstream said it, minus any key it echoed (scrubbed by the transport).
    return { status: refusal.status, headers: { "content-type": refusal.contentType, ...tierlineHeaders(id, allNotes, upstream) }, body: refusal.body };
  }

  private failed(id: ExchangeIdentity, notes: AttemptNote[], result: Extract<ChainResult, { kind: "failed" }>): GatewayResponse {
    if (result.cancelled) {
      this.recordExchange(id, { outcome: "cancelled", status: 499, attempts: notes.length, fallback: false });
      // Nobody reads this: the caller has gone. 499 is what the request log shows.
      return { status: 499, headers: tierlineHeaders(id, notes), body: null };
    }
    const headers = tierlineHeaders(id, notes);
    if (result.retryAfterMs !== undefined) {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      this.recordExchange(id, { outcome: "failed", status: 429, attempts: notes.length, fallback: false });
      throw new GatewayError("upstream_rate_limited", `every upstream for tier ${id.tier} is rate-limited; retry in ${seconds} s`, headers, notes, seconds);
    }
    if (result.timedOut) {
      this.recordExchange(id, { outcome: "failed", status: 504, attempts: notes.length, fallback: false });
      throw new GatewayError("upstream_timeout", `no upstream for tier ${id.tier} answered in time`, headers, notes);
    }
    this.recordExchange(id, { outcome: "failed", status: 502, attempts: notes.length, fallback: false });
    throw new GatewayError("upstream_unavailable", `no upstream for tier ${id.tier} answered (${notes.length} attempts)`, headers, notes, 1);
  }
}
