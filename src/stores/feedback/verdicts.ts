/**
 * What feedback says about a decision, as arithmetic on tier ranks
 * (0 = cheapest). An outcome narrows the tier the query *needed* to a range
 * [lo, hi]; docs/feedback-loop.md states the mapping.
 */

export const feedbackVerdicts = ["too_weak", "ok", "overkill"] as const;
export type FeedbackVerdict = (typeof feedbackVerdicts)[number];

export interface Outcome {
  verdict: FeedbackVerdict;
  /** Rank of the tier the reporter says was right, when it said. */
  correctRank?: number | null;
}

/** Ranks of the tiers the query may have needed, inclusive. */
export interface NeededRange {
  lo: number;
  hi: number;
}

/**
 * The range an outcome leaves for the needed tier, given the rank of the
 * tier that answered: a correct tier pins it; too_weak says a more capable
 * one was needed; ok says the answer was good enough (the need is at most
 * the served tier, possibly less: ok on premium says little); overkill says
 * a cheaper tier would have done. At the ends of the scale the range
 * collapses (too_weak on the top tier: nothing above it).
 */
export function neededRange(servedRank: number, outcome: Outcome, tierCount: number): NeededRange {
  const top = tierCount - 1;
  if (outcome.correctRank !== undefined && outcome.correctRank !== null) return { lo: outcome.correctRank, hi: outcome.correctRank };
  switch (outcome.verdict) {
    case "too_weak":
      return { lo: Math.min(servedRank + 1, top), hi: top };
    case "ok":
      return { lo: 0, hi: servedRank };
    case "overkill":
      return { lo: 0, hi: Math.max(servedRank - 1, 0) };
  }
}

/** Null when a correct tier agrees with the verdict about the served tier; else why not. */
export function inconsistency(servedRank: number, verdict: FeedbackVerdict, correctRank: number | null | undefined): string | null {
  if (correctRank === undefined || correctRank === null) return null;
  if (verdict === "too_weak" && correctRank <= servedRank) return "too_weak needs a correctTier more capable than the tier that answered";
  if (verdict === "overkill" && correctRank >= servedRank) return "overkill needs a correctTier cheaper than the tier that answered";
  if (verdict === "ok" && correctRank !== servedRank) return "ok means the tier that answered was right: leave correctTier out, or use too_weak / overkill";
  return null;
}

/**
 * Several sources on one decision: the most demanding reading, so a quality
 * estimate built on it is never optimistic.
 */
export function combineRanges(ranges: readonly NeededRange[]): NeededRange {
  const hi = Math.max(...ranges.map((r) => r.hi));
  return { lo: Math.min(Math.max(...ranges.map((r) => r.lo)), hi), hi };
}

/**
 * Whether the tier routing chose (the would-be tier in shadow mode) falls
 * outside what the outcome allows: null when it agrees, else the tier rank
 * to suggest (the nearest end of the range).
 */
export function disagreement(routedRank: number, range: NeededRange): number | null {
  if (routedRank < range.lo) return range.lo;
  if (routedRank > range.hi) return range.hi;
  return null;
}

/** How a routed tier fares against a needed range: served for sure, failed for sure, or not known. */
export function judge(routedRank: number, range: NeededRange): "served" | "failed" | "unknown" {
  if (routedRank >= range.hi) return "served";
  if (routedRank < range.lo) return "failed";
  return "unknown";
}

/** The label calibration uses: the most capable tier the outcome does not rule out (conservative). */
export function conservativeLabel(range: NeededRange): number {
  return range.hi;
}
