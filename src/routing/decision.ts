import type { LimitField } from "./limits.js";
import type { Neighbor } from "../adapters/vector-index/exemplar-index.js";

/**
 * Why a decision came out the way it did. Every path returns a Decision; the
 * fallbacks are ordinary values, never exceptions, so no request is dropped.
 */
/** What may move the answer away from the verdict's tier: a rule's bound, the session floor, a limit of the request. */
export type Constraint = "rule" | "session" | LimitField;

export const decisionReasons = [
  /** The k-nearest-neighbor vote had a clear enough majority. */
  "knn",
  /** The second-stage model's choice (routing.strategy "second-stage"): the cheapest tier it is confident enough in. */
  "second_stage",
  /** The majority's lead was below the threshold: sent to the fallback (premium) tier. */
  "low_margin_fallback",
  /** Older versions only: the first second stage sent its doubts to the fallback tier under this name. Kept so their logged rows still read; the second stage's own choice is now always "second_stage". */
  "low_confidence_fallback",
  /** The neighborhood is unlike anything in the calibration data (routing.ood): sent to the fallback tier. A drift signal. */
  "out_of_distribution",
  /** Even the nearest exemplar was less similar than the floor. */
  "no_close_exemplar",
  /** There are no exemplars at all. */
  "empty_index",
  /** The embedding model failed for this query. */
  "encoder_error_fallback",
  /** The service is still loading its model or index. */
  "warming_up",
  /** A configured rule decided, before the vote (the fast path for obvious cases). */
  "rule",
  /** The vote could not settle (low margin or confidence, nothing close) and a model rated the query's complexity (opt-in, gateway.complexityRating). */
  "llm_rated",
  /** The query is itself a curated exemplar (the same normalised text): its tier decides. */
  "exemplar",
  /** Shadow mode: the fixed shadow tier was answered; `shadowOf` is the tier routing chose. Not a fallback. */
  "shadow",
] as const;

export type DecisionReason = (typeof decisionReasons)[number];

const reasonSet: ReadonlySet<string> = new Set(decisionReasons);

/** Narrows a stored string (a cache row) to a reason; unknown reasons (an older version's) are rejected. */
export function isDecisionReason(value: string): value is DecisionReason {
  return reasonSet.has(value);
}

/** The reasons under which a judgement stands: the vote, the second stage, a configured rule, a model's rating or a curated exemplar; and shadow answers, which are a choice, not a fallback. */
export const decidedReasons: readonly DecisionReason[] = ["knn", "second_stage", "rule", "llm_rated", "exemplar", "shadow"];
const decidedSet: ReadonlySet<string> = new Set(decidedReasons);

/**
 * A decision neither the vote, the second stage, a rule, a model's rating
 * nor a curated exemplar made (nor a shadow answer): the query went to the
 * fallback tier because the router was unsure, the query was out of
 * distribution, or it could not look. The one definition stats, metrics and
 * reports use; the SQL views use is_fallback() over the decided_reasons
 * table (migration 0016), which a test holds equal to this list.
 */
export function isFallback(reason: DecisionReason | string): boolean {
  return !decidedSet.has(reason);
}

/** Fallbacks decided before any cache lookup: they are neither a cache hit nor a miss. */
export function skipsCache(reason: DecisionReason): boolean {
  return reason === "warming_up" || reason === "encoder_error_fallback";
}

/** What was decided: the part of a decision the cache stores and replays. */
export interface Verdict {
  tier: string;
  /**
   * The estimated probability, 0..1, that the query needs exactly this tier
   * (not a cheaper one, not a dearer one), whatever decided: the vote's
   * similarity-weighted share for it (the vote, and its fallbacks, for the
   * fallback tier), the second stage's P(needs exactly it), 1 for a rule or a
   * curated exemplar, 0 when nothing was estimated (warming up, encoder error).
   */
  confidence: number;
  /**
   * Lead of the majority behind the choice: share for the chosen tier or a
   * cheaper one minus share for a more capable one (top tier: its share minus the rest).
   */
  margin: number;
  reason: DecisionReason;
  /** The exemplar revision the decision was made at; a cached verdict of another revision is never served. */
  revision: number;
}

/** The vote's view before any revision is attached: what the vote and its guards produce. */
export interface VoteOutcome extends Omit<Verdict, "revision"> {
  /** The tier the vote chose before any fallback; null when nothing voted. */
  votedTier: string | null;
  /** Each tier's share of the vote (tiers with no votes are 0). */
  votes: Record<string, number>;
}

/** The vote as counted, before any guard: what the neighbors say on their own. */
export interface Tally {
  /** The weighted median tier; null when nothing carried weight. */
  votedTier: string | null;
  confidence: number;
  margin: number;
  votes: Record<string, number>;
  /** Similarity of the nearest neighbor (-Infinity with none). */
  nearest: number;
  /** How many neighbors were searched (0: the index is empty). */
  neighbors: number;
}

/** A rule whose conditions held for a request, and what it does. */
export interface MatchedRule {
  name: string;
  action: { tier: string } | { minTier: string } | { maxTier: string };
}

export interface DecisionTimings {
  embedMs: number;
  searchMs: number;
  totalMs: number;
}

/**
 * What POST /route answers. Every path produces one; fallbacks are values,
 * not errors. `tier` is the answer after every bound (rules, session,
 * limits); `reason`, `confidence` and `margin` describe the router's own
 * verdict, and `constrainedBy` says what moved the answer away from it.
 */
export interface Decision extends Verdict {
  decisionId: string;
  model: string;
  profile: string;
  cached: boolean;
  /** The query was longer than the model reads and was cut. */
  truncated: boolean;
  /** The rule that decided (reason "rule") or bounded the answer. */
  rule?: string;
  /** The bound that moved the answer last: "rule", "session", "minTier", "maxTier", "allowedTiers" or "budget". */
  constrainedBy?: Constraint;
  /** Estimated input tokens of the request (about four characters a token). */
  estimatedInputTokens: number;
  /** Estimated cost of those tokens at the chosen tier and at the most capable tier, in the prices' currency. */
  estimatedCost: { chosen: number; mostCapable: number };
  timings: DecisionTimings;
  /** Shadow mode only: the tier routing chose (after rules and the session floor); the answer is the shadow tier, reason "shadow". */
  shadowOf?: string;
  /** Only with explain: the vote before any fallback, and the rules that matched. */
  votedTier?: string | null;
  votes?: Record<string, number>;
  neighbors?: Neighbor[];
  rules?: MatchedRule[];
}

/**
 * What observers (the decision log, metrics) learn about a decision beyond
 * the answer; none of it is in the API response.
 */
export interface DecisionFacts {
  /** The normalised text as routed. Whoever stores it honours its own privacy setting. */
  text: string;
  /** sha256 of the normalised text, when a step computed it. */
  textHash?: string;
  /** The decision-cache key of the query's embedding, when known. */
  key?: string;
  /** Similarity of the nearest exemplar, for decisions whose neighbors were searched (not cache replays). */
  nearest?: number;
  /** Shadow mode: the verdict routing chose; the answer is the shadow tier. */
  wouldBe?: Verdict;
}
