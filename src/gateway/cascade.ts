/** The two rungs of a cascade: the cheaper tier tried first, and the tier it escalates to. */
export interface Ladder {
  first: string;
  then: string;
}

export interface CascadeBand {
  /** Inclusive. */
  minMargin: number;
  /** Exclusive. */
  maxMargin: number;
}

/**
 * Whether a decision falls in the cascade's "ambiguous middle", and its
 * ladder. Derived from the decision alone (so a cached decision cascades as
 * a fresh one would):
 * - a low-margin or low-confidence fallback (the vote or the second stage
 *   leaned cheaper, too unsure to stand): try the tier just below the
 *   fallback first (the vote's majority covers it: "this tier or cheaper"
 *   holds at least the share the voted tier had), then the fallback;
 * - a vote or second-stage choice that stood with a margin inside the band:
 *   try its tier first, then the next more capable one.
 * Anything else (no close exemplar, out of distribution, warming up, a rule,
 * a rating, the top tier) does not cascade. `tiers` are the profile's.
 */
export function cascadeLadder(decision: { tier: string; reason: string; margin: number }, tiers: readonly string[], band: CascadeBand): Ladder | null {
  if (!(decision.margin >= band.minMargin && decision.margin < band.maxMargin)) return null;
  const at = tiers.indexOf(decision.tier);
  if (at < 0) return null;
  if ((decision.reason === "low_margin_fallback" || decision.reason === "low_confidence_fallback") && at > 0) return { first: tiers[at - 1]!, then: decision.tier };
  if ((decision.reason === "knn" || decision.reason === "second_stage") && at < tiers.length - 1) return { first: decision.tier, then: tiers[at + 1]! };
  return null;
}
