import type { ExemplarIndex, Neighbor } from "../adapters/vector-index/exemplar-index.js";
import { inSpan } from "../base/util/spans.js";
import type { Constraint, DecisionReason, MatchedRule, Tally, Verdict, VoteOutcome } from "./decision.js";
import type { RequestLimits } from "./limits.js";

/** What the HTTP layer knows about an OpenAI-style request beyond the routed text (rules match on it). */
export interface ConversationFacts {
  /** Messages in the conversation (1 for a plain query). */
  messages: number;
  /** Characters of every message, for the input-token estimate. */
  chars: number;
  hasCode: boolean;
  hasAttachments: boolean;
  hasTools: boolean;
}

/** What a caller asks the router. */
export interface RouteRequest {
  /** The text to route on, as received (normalised by the first step). */
  query: string;
  /** Also compute and return the neighbors and vote shares, even for a cached decision. */
  explain?: boolean;
  /** Who asked: the label of the token that authorised the call ("anonymous" when routing is open). */
  caller?: string;
  /** Groups the requests of one conversation or user session. */
  sessionId?: string;
  /** Free labels from the caller (feature, team, experiment) for reports. */
  tags?: readonly string[];
  /** A named routing profile; default: the one the caller's token maps to, else "default". */
  profile?: string;
  /** Per-request bounds on the answer (minTier, maxTier, allowedTiers, budget). */
  limits?: RequestLimits;
  conversation?: ConversationFacts;
  /** The query's embedding when the caller already computed it (batch routing embeds all items in one pass). */
  embedding?: Float32Array;
  /** Shadow mode for this request (answer the shadow tier, log the routed one); unset: the configured default. */
  shadow?: boolean;
  /** Aborted once nobody waits for the answer (deadline passed, client gone): the query leaves the model's queue and no decision is made. */
  signal?: AbortSignal;
  /** The canonical text when the caller already normalised the query (batch routing does, to embed every item at once). */
  normalized?: { text: string; truncated: boolean };
  /** The model lane the query waits in: "interactive" (default) or "batch" (an item of a batch request, after single queries). */
  priority?: "interactive" | "batch";
}

/**
 * The state one decision carries through the steps. Each step reads what
 * earlier ones wrote and adds its own part; a step that decides sets
 * `verdict`, after which the remaining deciding steps are skipped.
 */
export interface DecisionContext {
  readonly request: RouteRequest;
  /** The id the decision will carry, known from the start so steps can log against it. */
  readonly decisionId: string;
  readonly startedAt: number;
  /** Normalised and cut to what the model reads. */
  text: string;
  truncated: boolean;
  /** The index this decision uses, captured once so every step sees the same revision. */
  index: ExemplarIndex | null;
  revision: number;
  /** sha256 of the normalised text (the normalize step sets it; later steps fall back to computing it). */
  textHash?: string;
  /** Decision-cache key (a hash of the embedding), once known. */
  key?: string;
  vector?: Float32Array;
  /** The second stage's text features, computed while the model embeds (the main thread is idle then). */
  textFeatures?: Readonly<Record<string, number>>;
  neighbors?: Neighbor[];
  tally?: Tally;
  vote?: VoteOutcome;
  /** A cached verdict held back while explain recomputes the neighbors; it still wins, so the answer is stable. */
  heldHit?: Verdict;
  /** Set once decided. */
  verdict?: Verdict;
  /** Shadow mode: what routing chose (its verdict, with the answer after rules and the session floor as its tier). */
  wouldBe?: Verdict;
  cached: boolean;
  embedMs: number;
  searchMs: number;
  /** Estimated input tokens of the whole request. */
  inputTokens: number;
  /** Rules whose conditions held, in order (explain shows them). */
  matchedRules: MatchedRule[];
  /** The rule that decided (reason "rule") or bounded the answer. */
  rule?: string;
  /** The answer after rule bounds, the session floor and the request's limits (settle steps); starts as the verdict's tier. */
  tier?: string;
  /** What moved the answer away from the verdict's tier last. */
  constrainedBy?: Constraint;
}

/** A step that may decide: it runs until one of them has set the verdict. */
export interface DecisionStep {
  readonly name: string;
  run(ctx: DecisionContext): void | Promise<void>;
}

/** A decision once a verdict exists: what every settling step receives. `tier` starts as the verdict's. */
export type SettledContext = DecisionContext & { verdict: Verdict; tier: string };

/** A step after the decision (cache writes, rule bounds, the session floor, shadow mode, the caller's limits). */
export interface SettleStep {
  readonly name: string;
  run(ctx: SettledContext): void | Promise<void>;
}

/** Decides for the fallback tier: the router could not (or should not) trust a vote. */
export function settleOnFallback(ctx: DecisionContext, tier: string, reason: DecisionReason): void {
  ctx.verdict = { tier, confidence: 0, margin: 0, reason, revision: ctx.revision };
}

/**
 * Decides from a vote outcome (the vote's guards, the OOD guard or the second
 * stage), keeping it for explain. A cached verdict held back for explain
 * wins, so the answer is the one served before.
 */
export function settleVote(ctx: DecisionContext, vote: VoteOutcome): void {
  ctx.vote = vote;
  const { votedTier: _voted, votes: _votes, ...verdict } = vote;
  ctx.verdict = ctx.heldHit ?? { ...verdict, revision: ctx.revision };
  ctx.cached = ctx.heldHit !== undefined;
}

/**
 * Runs the deciding steps in order until one sets a verdict, then every
 * settling step (they see the verdict: cache writes, later limits and
 * session policy). Returns the context with its verdict.
 */
export async function runSteps(ctx: DecisionContext, decide: readonly DecisionStep[], settle: readonly SettleStep[]): Promise<SettledContext> {
  // Each step in a span of its own ("step <name>"), so a trace shows where a decision spent its time.
  const run = <C>(step: { name: string; run(ctx: C): void | Promise<void> }, at: C) => inSpan(`step ${step.name}`, {}, () => step.run(at));
  // A step that returns no promise is not awaited: a dozen needless turns of the microtask queue were a
  // measurable part of a cache hit (issue 22).
  for (const step of decide) {
    if (ctx.verdict !== undefined) break;
    const pending = run(step, ctx);
    if (pending) await pending;
  }
  if (ctx.verdict === undefined) throw new Error("no step decided; the last deciding step must always set a verdict");
  const settled = Object.assign(ctx, { tier: ctx.verdict.tier }) as SettledContext;
  for (const step of settle) {
    const pending = run(step, settled);
    if (pending) await pending;
  }
  return settled;
}
