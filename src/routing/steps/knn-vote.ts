import { applyGuards, type GuardOptions } from "../guards.js";
import { settleVote, type DecisionStep } from "../pipeline.js";
import { tallyVotes } from "../vote.js";

/**
 * The ordinal, similarity-weighted vote of the nearest k neighbors
 * (routing/vote.ts); more may have been searched for the second stage.
 * `mapTier` relabels exemplars of tiers this router does not offer.
 */
export function voteStep(tiers: readonly string[], k: number, mapTier?: (tier: string) => string): DecisionStep {
  return {
    name: "vote",
    run(ctx) {
      const started = performance.now();
      const nearest = ctx.neighbors!.slice(0, k);
      const neighbors = mapTier ? nearest.map((n) => ({ ...n, tier: mapTier(n.tier) })) : nearest;
      ctx.tally = tallyVotes(neighbors, tiers);
      ctx.searchMs += performance.now() - started;
    },
  };
}

/**
 * The fallback guards (routing/guards.ts) over the tally; the last deciding
 * step of the "knn" strategy, so it always decides. A cached verdict held
 * back for explain wins.
 */
export function guardsStep(options: GuardOptions): DecisionStep {
  return {
    name: "guards",
    run(ctx) {
      settleVote(ctx, applyGuards(ctx.tally!, options));
    },
  };
}
