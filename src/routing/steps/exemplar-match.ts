import { textHash } from "../../base/text/normalize.js";
import { settleVote, type DecisionStep } from "../pipeline.js";

/** Above this the nearest exemplar may be the query itself; the text decides. */
const SAME = 0.999;

/**
 * The query is itself a curated exemplar (the same normalised text): its
 * tier decides, reason "exemplar". A curator's label for exactly this query
 * (added by hand, or promoted from the review queue) is the strongest
 * evidence there is, stronger than any vote or model over its neighbors, so
 * promoting a misrouted query changes how that query routes at once. After
 * the vote, so explain still shows the tally.
 */
export function exemplarMatchStep(mapTier?: (tier: string) => string): DecisionStep {
  return {
    name: "exemplar-match",
    run(ctx) {
      const nearest = ctx.neighbors?.[0];
      if (nearest === undefined || nearest.similarity < SAME) return;
      if (textHash(nearest.text) !== (ctx.textHash ??= textHash(ctx.text))) return;
      const { votedTier, margin, votes } = ctx.tally!;
      settleVote(ctx, { tier: mapTier ? mapTier(nearest.tier) : nearest.tier, confidence: 1, margin, reason: "exemplar", votedTier, votes });
    },
  };
}
