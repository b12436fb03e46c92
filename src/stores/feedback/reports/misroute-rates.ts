import { and, gte, lt, sql } from "drizzle-orm";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionFeedback } from "../../../adapters/db/feedback-schema.js";

/** Feedback counts of one group (a tier, a reason, a day, or everything). */
export interface MisrouteCounts {
  feedback: number;
  tooWeak: number;
  ok: number;
  overkill: number;
  /** Share of reports saying the tier was too weak: the quality failures. */
  tooWeakRate: number;
  /** Share saying a cheaper tier would have done: money left on the table. */
  overkillRate: number;
  /** Both together. */
  misrouteRate: number;
  /** Mean evaluator score over reports that carried one; null with none. */
  meanScore: number | null;
}

interface Group {
  day: string;
  tier: string;
  reason: string;
  verdict: string;
  n: number;
  scored: number;
  scoreSum: number;
}

/** Reports on decisions made in [from, to), per decision day (UTC), tier, reason and verdict. */
export async function feedbackGroups(db: Executor, from: Date, to: Date): Promise<Group[]> {
  const day = sql<string>`to_char(date_trunc('day', ${decisionFeedback.decisionAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  return db
    .select({
      day,
      tier: decisionFeedback.tier,
      reason: decisionFeedback.reason,
      verdict: decisionFeedback.verdict,
      n: sql<number>`count(*)::float8`,
      scored: sql<number>`count(${decisionFeedback.score})::float8`,
      scoreSum: sql<number>`coalesce(sum(${decisionFeedback.score}), 0)::float8`,
    })
    .from(decisionFeedback)
    .where(and(gte(decisionFeedback.decisionAt, from), lt(decisionFeedback.decisionAt, to)))
    .groupBy(day, decisionFeedback.tier, decisionFeedback.reason, decisionFeedback.verdict)
    .orderBy(day);
}

function countsOf(groups: readonly Group[]): MisrouteCounts {
  const n = (v?: string) => groups.reduce((s, g) => (v === undefined || g.verdict === v ? s + g.n : s), 0);
  const feedback = n();
  const tooWeak = n("too_weak");
  const overkill = n("overkill");
  const scored = groups.reduce((s, g) => s + g.scored, 0);
  const rate = (x: number) => (feedback === 0 ? 0 : x / feedback);
  return {
    feedback,
    tooWeak,
    ok: n("ok"),
    overkill,
    tooWeakRate: rate(tooWeak),
    overkillRate: rate(overkill),
    misrouteRate: rate(tooWeak + overkill),
    meanScore: scored === 0 ? null : groups.reduce((s, g) => s + g.scoreSum, 0) / scored,
  };
}

function by(groups: readonly Group[], key: (g: Group) => string): Record<string, MisrouteCounts> {
  const buckets = new Map<string, Group[]>();
  for (const g of groups) buckets.set(key(g), [...(buckets.get(key(g)) ?? []), g]);
  return Object.fromEntries([...buckets].map(([k, gs]) => [k, countsOf(gs)]));
}

/** Misroute rates overall, per tier that answered, per reason, and per day. */
export function misrouteRates(groups: readonly Group[]) {
  const days = by(groups, (g) => g.day);
  return {
    ...countsOf(groups),
    byTier: by(groups, (g) => g.tier),
    byReason: by(groups, (g) => g.reason),
    days: Object.entries(days).map(([day, counts]) => ({ day, ...counts })),
  };
}
