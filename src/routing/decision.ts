/**
 * Why a decision came out the way it did. Every path returns a Decision; the
 * fallbacks are ordinary values, never exceptions, so no request is dropped.
 */
export type DecisionReason =
  /** The k-nearest-neighbour vote had a clear enough majority. */
  | "knn"
  /** The majority's lead was below the threshold: sent to the fallback (premium) tier. */
  | "low_margin_fallback"
  /** Even the nearest exemplar was less similar than the floor. */
  | "no_close_exemplar"
  /** There are no exemplars at all. */
  | "empty_index"
  /** The embedding model failed for this query. */
  | "encoder_error_fallback"
  /** The service is still loading its model or index. */
  | "warming_up";

export const decisionReasons: readonly DecisionReason[] = [
  "knn",
  "low_margin_fallback",
  "no_close_exemplar",
  "empty_index",
  "encoder_error_fallback",
  "warming_up",
];

export interface Neighbor {
  id: number;
  tier: string;
  text: string;
  similarity: number;
}

export interface VoteOutcome {
  tier: string;
  /** The chosen tier's own share of the similarity-weighted vote, 0..1. */
  confidence: number;
  /**
   * Lead of the majority behind the choice: share for the chosen tier or a
   * cheaper one minus share for a more capable one (top tier: its share minus the rest).
   */
  margin: number;
  reason: DecisionReason;
  /** The tier the vote chose before any fallback; null when nothing voted. */
  votedTier: string | null;
  /** Each tier's share of the vote (tiers with no votes are 0). */
  votes: Record<string, number>;
}
