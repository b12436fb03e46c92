import { isOutOfDistribution, type OodOptions } from "../ood.js";
import { settleVote, type DecisionStep } from "../pipeline.js";

/**
 * The out-of-distribution guard (routing/ood.ts): a query whose neighbourhood
 * is less familiar than nearly all the calibration traffic goes to the
 * fallback tier, whatever the vote or the model would say. Reported even when
 * the vote agreed, so its rate is a drift signal (/stats/routing, /metrics).
 */
export function oodStep(options: OodOptions, fallbackTier: string): DecisionStep {
  return {
    name: "ood",
    run(ctx) {
      if (!isOutOfDistribution(ctx.neighbors!, options)) return;
      const { votedTier, confidence, margin, votes } = ctx.tally!;
      settleVote(ctx, { tier: fallbackTier, confidence, margin, reason: "out_of_distribution", votedTier, votes });
    },
  };
}
