import { applyGuards, type GuardOptions } from "../guards.js";
import type { DecisionStep } from "../pipeline.js";
import { tallyVotes } from "../vote.js";

/** The ordinal, similarity-weighted vote of the neighbours (routing/vote.ts). */
export function voteStep(tiers: readonly string[], mapTier?: (tier: string) => string): DecisionStep {
  return {
    name: "vote",
    run(ctx) {
      const started = performance.now();
      const neighbors = mapTier ? ctx.neighbors!.map((n) => ({ ...n, tier: mapTier(n.tier) })) : ctx.neighbors!;
      ctx.tally = tallyVotes(neighbors, tiers);
      ctx.searchMs += performance.now() - started;
    },
  };
}

/**
 * The fallback guards (routing/guards.ts) over the tally; the last deciding
 * step, so it always decides. A cached verdict held back for explain wins.
 */
export function guardsStep(options: GuardOptions): DecisionStep {
  return {
    name: "guards",
    run(ctx) {
      const vote = applyGuards(ctx.tally!, options);
      ctx.vote = vote;
      const { votedTier: _voted, votes: _votes, ...verdict } = vote;
      ctx.verdict = ctx.heldHit ?? { ...verdict, revision: ctx.revision };
      ctx.cached = ctx.heldHit !== undefined;
    },
  };
}
