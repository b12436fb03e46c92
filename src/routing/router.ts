import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { TierConfig } from "../config/config-schema.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { ExemplarIndexRef } from "../vector-index/exemplar-index.js";
import type { Decision } from "./decision.js";
import type { DecisionCache } from "./decision-cache.js";
import type { GuardOptions } from "./guards.js";
import { runSteps, type DecisionContext, type DecisionStep, type RouteRequest } from "./pipeline.js";
import { cacheLookupStep, cacheRecordStep } from "./steps/cache-lookup.js";
import { embedStep } from "./steps/embed.js";
import { exactRepeatStep } from "./steps/exact-repeat.js";
import { neighboursStep } from "./steps/neighbours.js";
import { normalizeStep } from "./steps/normalize.js";
import { policyStep, type Policy } from "./steps/policy.js";
import { llmRatedStep, type LlmRatingOptions } from "./steps/llm-rated.js";
import { guardsStep, voteStep } from "./steps/vote.js";
import { warmUpStep } from "./steps/warm-up.js";

export interface RouterOptions extends GuardOptions {
  k: number;
  tiers: readonly TierConfig[];
}

export interface RouterDeps {
  encoder: Encoder;
  index: ExemplarIndexRef;
  /** null: every query is decided afresh (cache disabled, or offline evaluation). */
  cache: DecisionCache | null;
  options: RouterOptions;
  /** Consulted before the cache and the vote; none by default. */
  policies?: readonly Policy[];
  /** A model rates what the vote could not settle (opt-in, gateway.complexityRating). */
  llmRating?: LlmRatingOptions;
  logger?: Pick<Logger, "warn">;
  /** Called with every decision, cached or not, fallbacks included (statistics, metrics, the decision log). */
  onDecision?: ReadonlyArray<(decision: Decision, request: RouteRequest) => void>;
}

/**
 * Decides a tier for each query by running the decision steps in order:
 * normalize -> policy -> warm-up guard -> exact repeat -> embed -> cache
 * lookup -> neighbours -> vote -> guards, then settles (LLM rating when
 * enabled, cache record) and
 * reports the decision. A new capability is a new step, not a new branch.
 */
export class Router {
  private readonly decide: readonly DecisionStep[];
  private readonly settle: readonly DecisionStep[];
  private readonly modelByTier: Map<string, string>;

  constructor(private readonly deps: RouterDeps) {
    const { encoder, cache, options } = deps;
    const tierNames = options.tiers.map((t) => t.name);
    this.modelByTier = new Map(options.tiers.map((t) => [t.name, t.model]));
    this.decide = [
      normalizeStep(() => encoder.maxInputChars),
      policyStep(deps.policies ?? []),
      warmUpStep(options.fallbackTier),
      ...(cache ? [exactRepeatStep(cache)] : []),
      embedStep(encoder, options.fallbackTier, deps.logger),
      ...(cache ? [cacheLookupStep(cache)] : []),
      neighboursStep(options.k),
      voteStep(tierNames),
      guardsStep(options),
    ];
    // The rating settles before the cache records, so a rated verdict is what repeats replay.
    this.settle = [...(deps.llmRating ? [llmRatedStep(deps.llmRating)] : []), ...(cache ? [cacheRecordStep(cache)] : [])];
  }

  async route(request: RouteRequest): Promise<Decision> {
    const index = this.deps.index.get();
    const ctx: DecisionContext = {
      request,
      decisionId: randomUUID(),
      startedAt: performance.now(),
      text: "",
      truncated: false,
      index,
      revision: index?.revision ?? 0,
      cached: false,
      embedMs: 0,
      searchMs: 0,
    };
    const { verdict } = await runSteps(ctx, this.decide, this.settle);
    const decision: Decision = {
      decisionId: ctx.decisionId,
      ...verdict,
      model: this.modelOf(verdict.tier),
      cached: ctx.cached,
      truncated: ctx.truncated,
      timings: { embedMs: ctx.embedMs, searchMs: ctx.searchMs, totalMs: performance.now() - ctx.startedAt },
    };
    if (request.explain && ctx.vote) {
      decision.votedTier = ctx.vote.votedTier;
      decision.votes = ctx.vote.votes;
      decision.neighbors = ctx.neighbors;
    }
    for (const observe of this.deps.onDecision ?? []) observe(decision, request);
    return decision;
  }

  private modelOf(tier: string): string {
    // A cached tier that was removed from config falls back rather than answering an unknown model.
    return this.modelByTier.get(tier) ?? this.modelByTier.get(this.deps.options.fallbackTier)!;
  }
}
