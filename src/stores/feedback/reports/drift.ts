import { and, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionLog } from "../../../adapters/db/decision-log-table.js";
import { isFallback } from "../../../routing/decision.js";

/**
 * Stale routing as numbers, day by day (UTC): how close traffic comes to the
 * exemplars (nearest-exemplar similarity of decisions whose neighbors were
 * searched: cache replays carry none) and how often routing gives up on it.
 * A shadow answer counts with the reason routing gave.
 */
export interface DriftDay {
  day: string;
  decisions: number;
  /** Decisions with a nearest similarity (searched, not replayed from the cache). */
  searched: number;
  meanNearestSimilarity: number | null;
  /** 10th percentile: the tail of unfamiliar queries. */
  p10NearestSimilarity: number | null;
  fallbackRate: number;
  /** Nothing close enough to vote (no_close_exemplar), or out of distribution when that guard exists. */
  outOfDistributionRate: number;
  lowMarginRate: number;
  /** Highest exemplar revision routed at that day. */
  revision: number;
}

const DAY = sql<string>`to_char(date_trunc('day', ${decisionLog.at} at time zone 'UTC'), 'YYYY-MM-DD')`;
const OUT_OF_DISTRIBUTION = new Set(["no_close_exemplar", "out_of_distribution"]);

export async function driftDays(db: Executor, from: Date, to: Date): Promise<DriftDay[]> {
  const window = and(gte(decisionLog.at, from), lt(decisionLog.at, to));
  const reason = sql<string>`coalesce(${decisionLog.shadowReason}, ${decisionLog.reason})`;
  const [similarities, reasons] = await Promise.all([
    db
      .select({
        day: DAY,
        decisions: sql<number>`count(*)::float8`,
        searched: sql<number>`count(${decisionLog.nearestSimilarity})::float8`,
        mean: sql<number | null>`avg(${decisionLog.nearestSimilarity})::float8`,
        p10: sql<number | null>`(percentile_cont(0.1) within group (order by ${decisionLog.nearestSimilarity}))::float8`,
        revision: sql<number>`max(${decisionLog.revision})::float8`,
      })
      .from(decisionLog)
      .where(window)
      .groupBy(DAY)
      .orderBy(DAY),
    db.select({ day: DAY, reason, n: sql<number>`count(*)::float8` }).from(decisionLog).where(window).groupBy(DAY, reason),
  ]);
  return similarities.map((s) => {
    const mine = reasons.filter((r) => r.day === s.day);
    const share = (pick: (reason: string) => boolean) => mine.reduce((n, r) => (pick(r.reason) ? n + r.n : n), 0) / s.decisions;
    return {
      day: s.day,
      decisions: s.decisions,
      searched: s.searched,
      meanNearestSimilarity: s.mean,
      p10NearestSimilarity: s.p10,
      fallbackRate: share(isFallback),
      outOfDistributionRate: share((r) => OUT_OF_DISTRIBUTION.has(r)),
      lowMarginRate: share((r) => r === "low_margin_fallback"),
      revision: s.revision,
    };
  });
}
