import { isOutOfDistribution, type OodOptions } from "../ood.js";
import { settleVote, type DecisionStep } from "../pipeline.js";

/**
 * The out-of-distribution guard (routing/ood.ts): a query whose neighborhood
 * is less familiar than nearly all the calibration traffic goes to the
 * fallback tier, whatever the vote or the model would say. Reported even when
 * the vote agreed, so its rate is a drift signal (/stats/routing, /metrics).
 */
export function oodStep(options: OodOptions, fallbackTier: string): DecisionStep {
  return {
    name: "ood",
    run(ctx) {
      if (!isOutOfDistribution(ctx.neighbors!, options)) return;
      const { votedTier, margin, votes } = ctx.tally!;
      // Confidence is about the tier answered: the vote's share for the fallback tier.
      settleVote(ctx, { tier: fallbackTier, confidence: votes[fallbackTier] ?? 0, margin, reason: "out_of_distribution", votedTier, votes });
    },
  };
}
