import { and, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionLog } from "../../../adapters/db/decision-log-table.js";

export interface FarQuery {
  decisionId: string;
  textHash: string;
  queryText: string | null;
  nearest: number;
}

/**
 * Distinct queries (by normalised text) in [from, to) whose nearest exemplar
 * was less similar than `threshold`, least similar first, and how many
 * decisions that was in all.
 */
export async function farQueries(db: Executor, from: Date, to: Date, threshold: number, limit: number): Promise<{ decisions: number; distinct: number; rows: FarQuery[] }> {
  const where = and(gte(decisionLog.at, from), lt(decisionLog.at, to), lt(decisionLog.nearestSimilarity, threshold));
  const [[totals], latest] = await Promise.all([
    db
      .select({ decisions: sql<number>`count(*)::float8`, distinct: sql<number>`count(distinct ${decisionLog.textHash})::float8` })
      .from(decisionLog)
      .where(where),
    db
      .selectDistinctOn([decisionLog.textHash], {
        decisionId: decisionLog.decisionId,
        textHash: decisionLog.textHash,
        queryText: decisionLog.queryText,
        nearest: decisionLog.nearestSimilarity,
      })
      .from(decisionLog)
      .where(where)
      .orderBy(decisionLog.textHash, sql`${decisionLog.queryText} is null`, sql`${decisionLog.at} desc`),
  ]);
  const rows = (latest as FarQuery[]).sort((a, b) => a.nearest - b.nearest).slice(0, limit);
  return { decisions: totals?.decisions ?? 0, distinct: totals?.distinct ?? 0, rows };
}
