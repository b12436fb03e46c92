import { runChain, type ChainDeps } from "./chain.js";
import { costOf, type AttemptKind, type GatewayRecorder, type TokenUsage } from "./recorder.js";
import type { Upstream, UpstreamRegistry } from "./upstream-registry.js";

/**
 * Asks a tier's own upstreams (never its fallback tiers: a rating or a check
 * by another model is another question) a short question for the gateway's
 * own purposes, recording the attempts under the decision they serve.
 */
export class TierAsker {
  constructor(
    private readonly chain: ChainDeps,
    private readonly registry: UpstreamRegistry,
    private readonly recorder: GatewayRecorder,
    /** Upper bound of any one question, whatever the caller's signal says. */
    private readonly maxMs: number,
  ) {}

  /** The reply's text, or null when no upstream of the tier answered usably. */
  async ask(
    tier: string,
    messages: ReadonlyArray<{ role: string; content: string }>,
    options: { kind: AttemptKind; decisionId: string; signal: AbortSignal; maxTokens: number },
  ): Promise<string | null> {
    const result = await runChain(this.chain, {
      decisionId: options.decisionId,
      kind: options.kind,
      upstreams: this.registry.ownOf(tier),
      body: { messages, temperature: 0, max_tokens: options.maxTokens, stream: false },
      stream: false,
      signal: options.signal,
      deadline: Date.now() + this.maxMs,
    });
    if (result.kind === "failed") return null;
    if (result.kind === "refused") {
      this.record(options, result.upstream, "refused", result.result.status, result.result.ms, null);
      return null;
    }
    if (result.result.kind !== "answer") return null;
    const { facts } = result.result;
    this.record(options, result.upstream, "ok", result.result.status, result.result.ms, facts.usage);
    return facts.text;
  }

  private record(options: { kind: AttemptKind; decisionId: string }, upstream: Upstream, outcome: "ok" | "refused", status: number, ms: number, usage: TokenUsage | null): void {
    this.recorder.attempt({
      decisionId: options.decisionId,
      at: new Date(),
      kind: options.kind,
      tier: upstream.tier,
      upstream: upstream.id,
      model: upstream.model,
      outcome,
      status,
      ms,
      served: outcome === "ok",
      score: null,
      usage,
      costUsd: costOf(usage, upstream.pricePer1MTokens),
    });
  }
}
