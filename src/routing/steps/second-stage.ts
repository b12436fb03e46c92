import type { VoteOutcome } from "../decision.js";
import { applyGuards, type GuardOptions } from "../guards.js";
import { settleVote, type DecisionStep } from "../pipeline.js";
import { chooseTier, exactTierLikelihoods, extractFeatures, tierByThresholds, tierRisks, type SecondStageModel, type VoteGate } from "../second-stage/model.js";
import { tallyVotes } from "../vote.js";
import type { Neighbor } from "../../adapters/vector-index/exemplar-index.js";

export interface SecondStageOptions {
  model: SecondStageModel;
  /** Format 1 models only: the downgrade cost (the model's, or the config's override). */
  downgradeCost?: number;
  /** Each tier's price relative to the most expensive, in the model's tier order (format 1's cost rule). */
  relativePrices: readonly number[];
}

/**
 * The second stage (routing/second-stage/): first the vote gate, where the
 * nearest curated exemplars agree clearly enough to settle the query (reason
 * "knn"); otherwise a small model over the vote shares at several k, the
 * neighborhood's similarities and the text's structure estimates, per tier,
 * the risk that the query needs more, and the cheapest tier whose risk is
 * within its threshold wins (reason "second_stage", whichever tier that is:
 * the model choosing premium is a choice, not a fallback). The last deciding
 * step of the "second-stage" strategy, so it always decides; with nothing to
 * vote on it falls back as the vote's guards do. `confidence` is, as for the
 * vote, the estimated probability that the query needs exactly the chosen
 * tier. The model reasons over every configured tier; `mapTier` moves its
 * choice up to the next tier a profile offers.
 */
export function secondStageStep({ model, downgradeCost, relativePrices }: SecondStageOptions, guards: GuardOptions, mapTier?: (tier: string) => string): DecisionStep {
  const tiers = model.tiers;
  const choose = (risks: readonly number[]) =>
    model.thresholds ? tierByThresholds(risks, model.thresholds) : chooseTier(risks, relativePrices, downgradeCost ?? model.downgradeCost!);
  return {
    name: "second-stage",
    run(ctx) {
      const tally = ctx.tally!;
      if (tally.votedTier === null) {
        settleVote(ctx, applyGuards(tally, guards));
        return;
      }
      const gated = model.voteGate ? gateVote(ctx.neighbors!, tiers, model.voteGate) : null;
      if (gated) {
        settleVote(ctx, { ...gated, tier: mapTier ? mapTier(gated.tier) : gated.tier });
        return;
      }
      const risks = tierRisks(model, extractFeatures(ctx.text, ctx.neighbors!, tiers, model.ks, ctx.textFeatures));
      const chosen = choose(risks);
      settleVote(ctx, {
        tier: mapTier ? mapTier(tiers[chosen]!) : tiers[chosen]!,
        confidence: Math.round(exactTierLikelihoods(risks)[chosen]! * 1e6) / 1e6,
        margin: tally.margin,
        reason: "second_stage",
        votedTier: tally.votedTier,
        votes: tally.votes,
      });
    },
  };
}

/** The vote over the gate's nearest k, when it is clear and close enough to settle the query; null otherwise. */
export function gateVote(neighbors: readonly Pick<Neighbor, "tier" | "similarity">[], tiers: readonly string[], gate: VoteGate): VoteOutcome | null {
  const top = neighbors.slice(0, gate.k);
  if (top.length === 0) return null;
  const tally = tallyVotes(top, tiers);
  if (tally.votedTier === null) return null;
  const mean = top.reduce((s, n) => s + n.similarity, 0) / top.length;
  if (tally.confidence < gate.minShare - 1e-12 || mean < gate.minMeanSimilarity - 1e-12) return null;
  return { tier: tally.votedTier, confidence: tally.confidence, margin: tally.margin, reason: "knn", votedTier: tally.votedTier, votes: tally.votes };
}
