import { applyGuards, type GuardOptions } from "../guards.js";
import { settleVote, type DecisionStep } from "../pipeline.js";
import { chooseTier, extractFeatures, tierRisks, type SecondStageModel } from "../second-stage/model.js";

export interface SecondStageOptions {
  model: SecondStageModel;
  downgradeCost: number;
  /** Each tier's price relative to the most expensive, in the model's tier order. */
  relativePrices: readonly number[];
}

/**
 * The second stage (routing/second-stage/): a small model over the vote
 * shares at several k, the neighbourhood's similarities and the text's
 * structure estimates, per tier, the risk that the query needs more; the tier
 * with the lowest price plus downgradeCost x risk wins. The last deciding
 * step of the "second-stage" strategy, so it always decides. With nothing to
 * vote on it falls back exactly as the vote's guards do. The model reasons
 * over every configured tier; `mapTier` moves its choice up to the next tier
 * a profile offers.
 */
export function secondStageStep({ model, downgradeCost, relativePrices }: SecondStageOptions, guards: GuardOptions, mapTier?: (tier: string) => string): DecisionStep {
  const tiers = model.tiers;
  return {
    name: "second-stage",
    run(ctx) {
      const tally = ctx.tally!;
      if (tally.votedTier === null) {
        settleVote(ctx, applyGuards(tally, guards));
        return;
      }
      const risks = tierRisks(model, extractFeatures(ctx.text, ctx.neighbors!, tiers, model.ks));
      const chosen = chooseTier(risks, relativePrices, downgradeCost);
      // P(needs exactly tier i) from the risks P(needs more than tier i).
      const likelihoods = risks.map((r, i) => (i === 0 ? 1 : risks[i - 1]!) - r);
      const likeliest = likelihoods.indexOf(Math.max(...likelihoods));
      const tier = mapTier ? mapTier(tiers[chosen]!) : tiers[chosen]!;
      const unsure = tier === guards.fallbackTier && likeliest < tiers.indexOf(tier);
      settleVote(ctx, {
        tier,
        confidence: Math.round((1 - risks[chosen]!) * 1e6) / 1e6,
        margin: tally.margin,
        reason: unsure ? "low_confidence_fallback" : "second_stage",
        votedTier: tally.votedTier,
        votes: tally.votes,
      });
    },
  };
}
