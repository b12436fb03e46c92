import { textHash } from "../../base/text/normalize.js";
import type { Decision, DecisionFacts } from "../../routing/decision.js";
import type { RouteRequest } from "../../routing/pipeline.js";

/** One logged decision, as written to decision_log. */
export interface LogRow {
  decisionId: string;
  at: Date;
  tier: string;
  reason: string;
  confidence: number;
  margin: number;
  revision: number;
  cached: boolean;
  shadowOf: string | null;
  shadowReason: string | null;
  embeddingKey: string | null;
  textHash: string;
  nearestSimilarity: number | null;
  profile: string;
  constrainedBy: string | null;
  caller: string;
  sessionId: string | null;
  tags: string[] | null;
  queryText: string | null;
}

/**
 * The log row of a decision. Runs on the request path, so it only copies
 * fields (and hashes the text when no step did: a few microseconds).
 */
export function logRowOf(decision: Decision, request: RouteRequest, facts: DecisionFacts, storeText: boolean, at = new Date()): LogRow {
  return {
    decisionId: decision.decisionId,
    at,
    tier: decision.tier,
    reason: decision.reason,
    confidence: decision.confidence,
    margin: decision.margin,
    revision: decision.revision,
    cached: decision.cached,
    shadowOf: facts.wouldBe?.tier ?? null,
    shadowReason: facts.wouldBe?.reason ?? null,
    embeddingKey: facts.key ?? null,
    textHash: facts.textHash ?? textHash(facts.text),
    nearestSimilarity: facts.nearest ?? null,
    profile: decision.profile,
    constrainedBy: decision.constrainedBy ?? null,
    caller: request.caller ?? "anonymous",
    sessionId: request.sessionId ?? null,
    tags: request.tags && request.tags.length > 0 ? [...request.tags] : null,
    queryText: storeText ? facts.text : null,
  };
}

/** The tier routing chose: the shadow mode's would-be tier, else the answer. */
export function routedTierOf(row: Pick<LogRow, "tier" | "shadowOf">): string {
  return row.shadowOf ?? row.tier;
}
