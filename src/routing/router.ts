import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { TierConfig } from "../base/config/config-schema.js";
import { decisionAttributes, inSpan } from "../base/util/spans.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import type { CompiledRule } from "../base/policy/rule-set.js";
import type { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";
import type { Decision, DecisionFacts } from "./decision.js";
import type { DecisionCache } from "./decision-cache.js";
import type { GuardOptions } from "./guards.js";
import type { OodOptions } from "./ood.js";
import { runSteps, type DecisionContext, type DecisionStep, type RouteRequest, type SettleStep } from "./pipeline.js";
import { limitsCheckStep, limitsStep, ruleBoundsStep } from "./steps/tier-bounds.js";
import { cacheLookupStep, cacheRecordStep } from "./steps/cache-lookup.js";
import { embedStep } from "./steps/embed.js";
import { exactRepeatStep } from "./steps/exact-repeat.js";
import { exemplarMatchStep } from "./steps/exemplar-match.js";
import { neighborsStep } from "./steps/neighbors.js";
import { normalizeStep } from "./steps/normalize-query.js";
import { oodStep } from "./steps/ood-guard.js";
import { rulesStep } from "./steps/apply-rules.js";
import { secondStageStep, type SecondStageOptions } from "./steps/second-stage.js";
import { textFeatures } from "./second-stage/text-features.js";
import { unreachableTiers, type TierReachability } from "./reachability.js";
import { sessionFloorStep, sessionRecordStep, type SessionMemory } from "./steps/session.js";
import { llmRatedStep, type LlmRatingOptions } from "./steps/llm-rated.js";
import { shadowStep, type ShadowOptions } from "./steps/shadow.js";
import { guardsStep, voteStep } from "./steps/knn-vote.js";
import { warmUpStep } from "./steps/warm-up.js";
import { TierLadder } from "./tier-ladder.js";

export interface RouterOptions extends GuardOptions {
  k: number;
  /** The tiers this router answers with, cheapest first (a profile may offer a subset of the configured ones). */
  tiers: readonly TierConfig[];
  /** Off: the vote (or the second stage) decides even for queries unlike the calibration data. */
  ood?: OodOptions;
  /** Set: the "second-stage" strategy decides instead of the vote's guards. */
  secondStage?: SecondStageOptions;
  /** Shadow mode; off when absent. */
  shadow?: ShadowOptions;
}

/** Sees every decision; a returned promise holds the answer until it settles (it must never reject). */
export type DecisionObserver = (decision: Decision, request: RouteRequest, facts: DecisionFacts) => void | Promise<void> | undefined;

export interface RouterDeps {
  /** Name reported in every decision (and used in stats and the log). */
  profile?: string;
  encoder: Encoder;
  index: ExemplarIndexRef;
  /** null: every query is decided afresh (cache disabled, or offline evaluation). */
  cache: DecisionCache | null;
  options: RouterOptions;
  /** Every configured tier, cheapest first: exemplars are labelled on this ladder, limits name its rungs. */
  ladder?: TierLadder;
  /** The rules in force, read per request (they change at run time). */
  rules?: () => readonly CompiledRule[];
  /** Session consistency (no-downgrade); absent: none. */
  sessions?: SessionMemory;
  /** A model rates what the vote could not settle (opt-in, gateway.complexityRating). */
  llmRating?: LlmRatingOptions;
  logger?: Pick<Logger, "warn">;
  /**
   * Called with every decision, cached or not, fallbacks included (statistics, metrics, the decision log).
   * An observer may return a promise (the decision log's crash journal): the decision is answered after it settles.
   */
  onDecision?: ReadonlyArray<DecisionObserver>;
}

/**
 * Decides a tier for each query by running the decision steps in order:
 * normalize -> limits check -> rules -> warm-up guard -> exact repeat ->
 * embed -> cache lookup -> neighbors -> vote -> exemplar match -> OOD
 * guard -> guards (strategy "knn") or second stage, then settles: LLM rating
 * (when enabled) -> cache record -> rule bounds -> session floor -> shadow ->
 * limits -> session record. A new capability is a new step, not a new branch.
 */
export class Router {
  readonly profile: string;
  readonly ladder: TierLadder;
  /** The tiers this router answers with, cheapest first (a profile may offer a subset). */
  readonly tierNames: readonly string[];
  private readonly decide: readonly DecisionStep[];
  private readonly settle: readonly SettleStep[];
  private readonly modelByTier: Map<string, string>;
  private readonly mostCapable: string;

  constructor(private readonly deps: RouterDeps) {
    const { encoder, cache, options } = deps;
    this.profile = deps.profile ?? "default";
    this.ladder = deps.ladder ?? new TierLadder(options.tiers);
    const own = options.tiers.map((t) => t.name);
    this.tierNames = own;
    this.modelByTier = new Map(this.ladder.tiers.map((t) => [t.name, t.model]));
    this.mostCapable = own[own.length - 1]!;
    // Exemplars of a tier this router does not offer vote for the next tier up that it does.
    const mapTier = own.length === this.ladder.names.length ? undefined : (tier: string) => this.ladder.atOrAbove(tier, options.tiers);
    const { ood, secondStage } = options;
    // The second stage reads the neighborhood at several k; the vote and the explain output use the first k.
    const searchK = Math.max(options.k, ...(secondStage?.model.ks ?? []), secondStage?.model.voteGate?.k ?? 1, ood?.enabled ? ood.k : 1);
    this.decide = [
      normalizeStep(() => encoder.maxInputChars),
      limitsCheckStep(this.ladder),
      rulesStep(deps.rules ?? (() => [])),
      warmUpStep(options.fallbackTier),
      ...(cache ? [exactRepeatStep(cache)] : []),
      embedStep(encoder, options.fallbackTier, deps.logger, secondStage ? (ctx) => (ctx.textFeatures = textFeatures(ctx.text)) : undefined),
      ...(cache ? [cacheLookupStep(cache)] : []),
      neighborsStep(searchK),
      voteStep(own, options.k, mapTier),
      exemplarMatchStep(mapTier),
      ...(ood?.enabled ? [oodStep(ood, options.fallbackTier)] : []),
      secondStage ? secondStageStep(secondStage, options, mapTier) : guardsStep(options),
    ];
    this.settle = [
      // The rating settles before the cache records, so a rated verdict is what repeats replay.
      ...(deps.llmRating ? [llmRatedStep({ ...deps.llmRating, mapTier })] : []),
      ...(cache ? [cacheRecordStep(cache)] : []),
      ruleBoundsStep(this.ladder),
      ...(deps.sessions ? [sessionFloorStep(this.ladder, deps.sessions, this.profile)] : []),
      // After what routing would answer (the cache keeps the routed verdict), before the caller's own limits, which still win.
      shadowStep(options.shadow ?? { enabled: false, tier: options.fallbackTier }),
      limitsStep(this.ladder),
      ...(deps.sessions ? [sessionRecordStep(deps.sessions, this.profile)] : []),
    ];
  }

  /** Tiers this router's decision rule can never choose with the exemplars indexed now (routing/reachability.ts). */
  unreachableTiers(): TierReachability[] {
    const { options } = this.deps;
    return unreachableTiers({
      tiers: this.tierNames,
      fallbackTier: options.fallbackTier,
      exemplarsByTier: this.deps.index.get()?.countByTier() ?? {},
      secondStage: options.secondStage?.model,
    });
  }

  /** Decides in a `route` span that carries the decision's id, tier and reason (docs/operations.md#tracing). */
  route(request: RouteRequest): Promise<Decision> {
    return inSpan("route", { "tierline.profile": this.profile }, async (span) => {
      const decision = await this.decideFor(request);
      span.setAttributes(decisionAttributes(decision));
      return decision;
    });
  }

  private async decideFor(request: RouteRequest): Promise<Decision> {
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
      inputTokens: 0,
      matchedRules: [],
    };
    const { verdict, tier } = await runSteps(ctx, this.decide, this.settle);
    const decision: Decision = {
      decisionId: ctx.decisionId,
      ...verdict,
      tier,
      model: this.modelOf(tier),
      profile: this.profile,
      cached: ctx.cached,
      truncated: ctx.truncated,
      ...(ctx.rule !== undefined && { rule: ctx.rule }),
      ...(ctx.constrainedBy !== undefined && { constrainedBy: ctx.constrainedBy }),
      estimatedInputTokens: ctx.inputTokens,
      estimatedCost: { chosen: this.ladder.costOf(tier, ctx.inputTokens), mostCapable: this.ladder.costOf(this.mostCapable, ctx.inputTokens) },
      timings: { embedMs: ctx.embedMs, searchMs: ctx.searchMs, totalMs: performance.now() - ctx.startedAt },
    };
    if (ctx.wouldBe) decision.shadowOf = ctx.wouldBe.tier;
    if (request.explain) {
      if (ctx.vote) {
        decision.votedTier = ctx.vote.votedTier;
        decision.votes = ctx.vote.votes;
        decision.neighbors = ctx.neighbors?.slice(0, this.deps.options.k);
      }
      decision.rules = ctx.matchedRules;
    }
    const nearest = ctx.tally?.nearest;
    const facts: DecisionFacts = {
      text: ctx.text,
      textHash: ctx.textHash,
      key: ctx.key,
      nearest: nearest !== undefined && Number.isFinite(nearest) ? nearest : undefined,
      wouldBe: ctx.wouldBe,
    };
    let before: Array<Promise<void>> | undefined;
    for (const observe of this.deps.onDecision ?? []) {
      const settles = observe(decision, request, facts);
      if (settles) (before ??= []).push(settles);
    }
    if (before) await Promise.all(before);
    return decision;
  }

  private modelOf(tier: string): string {
    // A cached tier that was removed from config falls back rather than answering an unknown model.
    return this.modelByTier.get(tier) ?? this.modelByTier.get(this.deps.options.fallbackTier)!;
  }
}
