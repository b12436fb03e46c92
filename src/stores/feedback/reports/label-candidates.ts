import { and, desc, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionLog } from "../../../adapters/db/decision-log-table.js";
import { decisionFeedback } from "../../../adapters/db/feedback-schema.js";
import type { LabelCandidate } from "../label-requests.js";

/**
 * The most recent logged decisions in [from, to) that have no feedback yet,
 * at most `scan` of them: the pool label requests are ranked from. Shadow
 * answers are candidates by what routing chose.
 */
export async function labelCandidates(db: Executor, window: { from: Date; to: Date }, scan: number): Promise<LabelCandidate[]> {
  const rows = await db
    .select({
      decisionId: decisionLog.decisionId,
      at: decisionLog.at,
      tier: decisionLog.tier,
      reason: decisionLog.reason,
      confidence: decisionLog.confidence,
      shadowOf: decisionLog.shadowOf,
      shadowReason: decisionLog.shadowReason,
      nearestSimilarity: decisionLog.nearestSimilarity,
      textHash: decisionLog.textHash,
      queryText: decisionLog.queryText,
    })
    .from(decisionLog)
    .where(
      and(
        gte(decisionLog.at, window.from),
        lt(decisionLog.at, window.to),
        sql`not exists (select 1 from ${decisionFeedback} where ${decisionFeedback.decisionId} = ${decisionLog.decisionId})`,
      ),
    )
    .orderBy(desc(decisionLog.at))
    .limit(scan);
  return rows.map((r) => ({
    decisionId: r.decisionId,
    at: r.at,
    tier: r.tier,
    reason: r.shadowReason ?? r.reason,
    confidence: r.confidence,
    routed: r.shadowOf ?? r.tier,
    nearestSimilarity: r.nearestSimilarity,
    textHash: r.textHash,
    queryText: r.queryText,
  }));
}
