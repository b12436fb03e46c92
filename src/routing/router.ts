import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { TierConfig } from "../config/config-schema.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { ExemplarIndexRef } from "../vector-index/exemplar-index.js";
import type { Decision } from "./decision.js";
import type { DecisionCache } from "./decision-cache.js";
import type { GuardOptions } from "./guards.js";
import type { OodOptions } from "./ood.js";
import { runSteps, type DecisionContext, type DecisionStep, type RouteRequest } from "./pipeline.js";
import { cacheLookupStep, cacheRecordStep } from "./steps/cache-lookup.js";
import { embedStep } from "./steps/embed.js";
import { exactRepeatStep } from "./steps/exact-repeat.js";
import { neighboursStep } from "./steps/neighbours.js";
import { normalizeStep } from "./steps/normalize.js";
import { oodStep } from "./steps/ood.js";
import { policyStep, type Policy } from "./steps/policy.js";
import { secondStageStep, type SecondStageOptions } from "./steps/second-stage.js";
import { guardsStep, voteStep } from "./steps/vote.js";
import { warmUpStep } from "./steps/warm-up.js";

export interface RouterOptions extends GuardOptions {
  k: number;
  tiers: readonly TierConfig[];
  /** Off: the vote (or the second stage) decides even for queries unlike the calibration data. */
  ood?: OodOptions;
  /** Set: the "second-stage" strategy decides instead of the vote's guards. */
  secondStage?: SecondStageOptions;
}

export interface RouterDeps {
  encoder: Encoder;
  index: ExemplarIndexRef;
  /** null: every query is decided afresh (cache disabled, or offline evaluation). */
  cache: DecisionCache | null;
  options: RouterOptions;
  /** Consulted before the cache and the vote; none by default. */
  policies?: readonly Policy[];
  logger?: Pick<Logger, "warn">;
  /** Called with every decision, cached or not, fallbacks included (statistics, metrics). */
  onDecision?: ReadonlyArray<(decision: Decision) => void>;
}

/**
 * Decides a tier for each query by running the decision steps in order:
 * normalize -> policy -> warm-up guard -> exact repeat -> embed -> cache
 * lookup -> neighbours -> vote -> OOD guard -> guards (strategy "knn") or
 * second stage, then settles (cache record) and reports the decision. A new
 * capability is a new step, not a new branch.
 */
export class Router {
  private readonly decide: readonly DecisionStep[];
  private readonly settle: readonly DecisionStep[];
  private readonly modelByTier: Map<string, string>;

  constructor(private readonly deps: RouterDeps) {
    const { encoder, cache, options } = deps;
    const tierNames = options.tiers.map((t) => t.name);
    this.modelByTier = new Map(options.tiers.map((t) => [t.name, t.model]));
    const { ood, secondStage } = options;
    // The second stage reads the neighbourhood at several k; the vote and the explain output use the first k.
    const searchK = Math.max(options.k, ...(secondStage?.model.ks ?? []), ood?.enabled ? ood.k : 1);
    this.decide = [
      normalizeStep(() => encoder.maxInputChars),
      policyStep(deps.policies ?? []),
      warmUpStep(options.fallbackTier),
      ...(cache ? [exactRepeatStep(cache)] : []),
      embedStep(encoder, options.fallbackTier, deps.logger),
      ...(cache ? [cacheLookupStep(cache)] : []),
      neighboursStep(searchK),
      voteStep(tierNames, options.k),
      ...(ood?.enabled ? [oodStep(ood, options.fallbackTier)] : []),
      secondStage ? secondStageStep(secondStage, options) : guardsStep(options),
    ];
    this.settle = cache ? [cacheRecordStep(cache)] : [];
  }

  async route(request: RouteRequest): Promise<Decision> {
    const index = this.deps.index.get();
    const ctx: DecisionContext = {
      request,
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
      decisionId: randomUUID(),
      ...verdict,
      model: this.modelOf(verdict.tier),
      cached: ctx.cached,
      truncated: ctx.truncated,
      timings: { embedMs: ctx.embedMs, searchMs: ctx.searchMs, totalMs: performance.now() - ctx.startedAt },
    };
    if (request.explain && ctx.vote) {
      decision.votedTier = ctx.vote.votedTier;
      decision.votes = ctx.vote.votes;
      decision.neighbors = ctx.neighbors?.slice(0, this.deps.options.k);
    }
    for (const observe of this.deps.onDecision ?? []) observe(decision);
    return decision;
  }

  private modelOf(tier: string): string {
    // A cached tier that was removed from config falls back rather than answering an unknown model.
    return this.modelByTier.get(tier) ?? this.modelByTier.get(this.deps.options.fallbackTier)!;
  }
}
