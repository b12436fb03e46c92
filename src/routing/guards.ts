import type { DecisionReason, Tally, VoteOutcome } from "./decision.js";

export interface GuardOptions {
  fallbackTier: string;
  /** Minimum lead of the majority that chose the tier for the vote to stand. */
  margin: number;
  /** Minimum similarity of the nearest neighbor. */
  minSimilarity: number;
}

/**
 * The safety net behind the vote. With nothing to vote on, nothing close, or
 * a lead below the threshold, the answer is the fallback tier: a hard query
 * on a cheap model is a silent failure, while an easy query on premium only
 * costs money.
 */
export function applyGuards(tally: Tally, options: GuardOptions): VoteOutcome {
  const { votedTier, confidence, margin, votes } = tally;
  // Confidence is always about the tier answered: here the vote's own share for the fallback tier.
  const fallback = (reason: DecisionReason, c = votes[options.fallbackTier] ?? 0, m = margin): VoteOutcome => ({
    tier: options.fallbackTier,
    confidence: c,
    margin: m,
    reason,
    votedTier,
    votes,
  });
  if (votedTier === null) return fallback(tally.neighbors === 0 ? "empty_index" : "no_close_exemplar", 0, 0);
  // A fallback that picks the tier the vote already chose changes nothing, so
  // it is reported as an ordinary vote; fallback rates then count real upgrades.
  if (votedTier === options.fallbackTier) return { tier: votedTier, confidence, margin, reason: "knn", votedTier, votes };
  if (tally.nearest < options.minSimilarity) return fallback("no_close_exemplar");
  // The epsilon keeps a margin that equals the threshold on paper from failing by float rounding.
  if (margin < options.margin - 1e-9) return fallback("low_margin_fallback");
  return { tier: votedTier, confidence, margin, reason: "knn", votedTier, votes };
}
