import type { Neighbor, VoteOutcome } from "./decision.js";

export interface VoteOptions {
  /** Tier names, cheapest first. Ties go to the more capable tier. */
  tiers: readonly string[];
  fallbackTier: string;
  /** Minimum winner-minus-runner-up share for the vote to stand. */
  margin: number;
  /** Minimum similarity of the nearest neighbour. */
  minSimilarity: number;
}

/**
 * Similarity-weighted vote of the nearest exemplars. Negative similarities
 * carry no weight: an exemplar pointing away from the query is no evidence.
 * When unsure (small margin, nothing close, nothing at all) the answer is the
 * fallback tier, because a hard query on a cheap model is a silent failure
 * while an easy query on premium only costs money.
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

  const rank = (tier: string) => options.tiers.indexOf(tier);
  const ranked = [...weights.entries()].sort((a, b) => b[1] - a[1] || rank(b[0]) - rank(a[0]));
  const [winner, winnerWeight] = ranked[0]!;
  const runnerUpWeight = ranked[1]?.[1] ?? 0;
  const confidence = winnerWeight / total;
  const margin = (winnerWeight - runnerUpWeight) / total;
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
