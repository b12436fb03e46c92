import type { Neighbor } from "../adapters/vector-index/exemplar-index.js";
import type { Tally, VoteOutcome } from "./decision.js";
import { applyGuards, type GuardOptions } from "./guards.js";

export interface VoteOptions extends GuardOptions {
  /** Tier names, cheapest first. Ties go to the more capable tier. */
  tiers: readonly string[];
}

/**
 * Similarity-weighted ordinal vote of the nearest exemplars. Tiers are
 * ordered, so the question is not "which tier has most votes" but "which is
 * the cheapest tier that most of the vote says is enough": the weighted
 * median. A neighbor voting fast also says standard would do, so fast 40%,
 * standard 25%, premium 35% picks standard, where a plurality vote would see
 * a near tie between fast and premium. (Measured under cross-validation:
 * the same quality at markedly lower cost; docs/routing-quality.md.)
 *
 * The margin is the lead of that majority: the share voting for the chosen
 * tier or a cheaper one minus the share voting for a more capable one (for
 * the top tier, its share minus the cheaper tiers'). Negative similarities
 * carry no weight: an exemplar pointing away from the query is no evidence.
 */
export function tallyVotes(neighbors: readonly Pick<Neighbor, "tier" | "similarity">[], tiers: readonly string[]): Tally {
  const weights = new Map<string, number>(tiers.map((t) => [t, 0]));
  let total = 0;
  for (const n of neighbors) {
    const w = Math.max(0, n.similarity);
    if (!weights.has(n.tier)) continue; // an exemplar of a tier removed from config
    weights.set(n.tier, weights.get(n.tier)! + w);
    total += w;
  }
  const votes: Record<string, number> = {};
  for (const [tier, w] of weights) votes[tier] = total > 0 ? w / total : 0;
  const nearest = Math.max(...neighbors.map((n) => n.similarity));
  if (total === 0) return { votedTier: null, confidence: 0, margin: 0, votes, nearest, neighbors: neighbors.length };

  // The weighted median: the first tier at which the share "this tier or
  // cheaper" passes one half. Exactly half is not a majority, so an even
  // split goes to the more capable tier.
  let atOrBelow = 0;
  let voted = tiers.length - 1;
  for (let i = 0; i < tiers.length - 1; i++) {
    atOrBelow += votes[tiers[i]!]!;
    if (atOrBelow > 0.5 + 1e-12) {
      voted = i;
      break;
    }
  }
  const votedTier = tiers[voted]!;
  const confidence = votes[votedTier]!;
  const margin = voted < tiers.length - 1 ? 2 * atOrBelow - 1 : 2 * confidence - 1;
  return { votedTier, confidence, margin, votes, nearest, neighbors: neighbors.length };
}

/** The vote and its guards in one call: what the router decides from these neighbors. */
export function voteOnNeighbors(neighbors: readonly Pick<Neighbor, "tier" | "similarity">[], options: VoteOptions): VoteOutcome {
  return applyGuards(tallyVotes(neighbors, options.tiers), options);
}
