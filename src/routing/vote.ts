import type { Neighbor, VoteOutcome } from "./decision.js";

export interface VoteOptions {
  /** Tier names, cheapest first. Ties go to the more capable tier. */
  tiers: readonly string[];
  fallbackTier: string;
  /** Minimum lead of the majority that chose the tier for the vote to stand. */
  margin: number;
  /** Minimum similarity of the nearest neighbour. */
  minSimilarity: number;
}

/**
 * Similarity-weighted ordinal vote of the nearest exemplars. Tiers are
 * ordered, so the question is not "which tier has most votes" but "which is
 * the cheapest tier that most of the vote says is enough": the weighted
 * median. A neighbour voting fast also says standard would do, so fast 40%,
 * standard 25%, premium 35% picks standard, where a plurality vote would see
 * a near tie between fast and premium. (Measured under cross-validation:
 * the same quality at markedly lower cost; README "Routing quality".)
 *
 * The margin is the lead of that majority: the share voting for the chosen
 * tier or a cheaper one minus the share voting for a more capable one (for
 * the top tier, its share minus the cheaper tiers'). Below the threshold,
 * with nothing close, or with nothing at all, the answer is the fallback
 * tier, because a hard query on a cheap model is a silent failure while an
 * easy query on premium only costs money. Negative similarities carry no
 * weight: an exemplar pointing away from the query is no evidence.
 */
export function voteOnNeighbors(neighbors: readonly Pick<Neighbor, "tier" | "similarity">[], options: VoteOptions): VoteOutcome {
  const weights = new Map<string, number>(options.tiers.map((t) => [t, 0]));
  let total = 0;
  for (const n of neighbors) {
    const w = Math.max(0, n.similarity);
    if (!weights.has(n.tier)) continue; // an exemplar of a tier removed from config
    weights.set(n.tier, weights.get(n.tier)! + w);
    total += w;
  }

  const votes: Record<string, number> = {};
  for (const [tier, w] of weights) votes[tier] = total > 0 ? w / total : 0;

  if (total === 0) {
    const reason = neighbors.length === 0 ? "empty_index" : "no_close_exemplar";
    return { tier: options.fallbackTier, confidence: 0, margin: 0, reason, votedTier: null, votes };
  }

  // The weighted median: the first tier at which the share "this tier or
  // cheaper" passes one half. Exactly half is not a majority, so an even
  // split goes to the more capable tier.
  const { tiers } = options;
  let atOrBelow = 0;
  let voted = tiers.length - 1;
  for (let i = 0; i < tiers.length - 1; i++) {
    atOrBelow += votes[tiers[i]!]!;
    if (atOrBelow > 0.5 + 1e-12) {
      voted = i;
      break;
    }
  }
  const winner = tiers[voted]!;
  const confidence = votes[winner]!;
  const margin = voted < tiers.length - 1 ? 2 * atOrBelow - 1 : 2 * confidence - 1;
  const nearest = Math.max(...neighbors.map((n) => n.similarity));

  // A fallback that picks the tier the vote already chose changes nothing, so
  // it is reported as an ordinary vote; fallback rates then count real upgrades.
  if (winner === options.fallbackTier) return { tier: winner, confidence, margin, reason: "knn", votedTier: winner, votes };
  if (nearest < options.minSimilarity) {
    return { tier: options.fallbackTier, confidence, margin, reason: "no_close_exemplar", votedTier: winner, votes };
  }
  // The epsilon keeps a margin that equals the threshold on paper from failing by float rounding.
  if (margin < options.margin - 1e-9) {
    return { tier: options.fallbackTier, confidence, margin, reason: "low_margin_fallback", votedTier: winner, votes };
  }
  return { tier: winner, confidence, margin, reason: "knn", votedTier: winner, votes };
}
