import { and, gte, lt } from "drizzle-orm";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionFeedback } from "../../../adapters/db/feedback-schema.js";
import { combineRanges, neededRange, type FeedbackVerdict, type NeededRange } from "../verdicts.js";

/** One decision with feedback: what answered, what routing chose, and what every report together says it needed. */
export interface DecisionOutcome {
  decisionId: string;
  tier: string;
  reason: string;
  /** The tier routing chose (shadow mode: the would-be tier). */
  routed: string;
  shadow: boolean;
  tags: string[];
  needed: NeededRange;
  /** Supplied with a report, if any did. */
  queryText: string | null;
}

/** Reports on decisions made in [from, to), combined per decision (the most demanding reading wins). */
export async function decisionOutcomes(db: Executor, tiers: readonly string[], from: Date, to: Date): Promise<DecisionOutcome[]> {
  const rows = await db
    .select({
      decisionId: decisionFeedback.decisionId,
      tier: decisionFeedback.tier,
      reason: decisionFeedback.reason,
      shadowOf: decisionFeedback.shadowOf,
      tags: decisionFeedback.tags,
      verdict: decisionFeedback.verdict,
      correctTier: decisionFeedback.correctTier,
      queryText: decisionFeedback.queryText,
    })
    .from(decisionFeedback)
    .where(and(gte(decisionFeedback.decisionAt, from), lt(decisionFeedback.decisionAt, to)))
    .orderBy(decisionFeedback.decisionId, decisionFeedback.id);
  const out = new Map<string, DecisionOutcome & { ranges: NeededRange[] }>();
  for (const r of rows) {
    const served = tiers.indexOf(r.tier);
    const correct = r.correctTier === null ? null : tiers.indexOf(r.correctTier);
    if (served < 0 || correct === -1) continue; // a tier removed from config since
    const range = neededRange(served, { verdict: r.verdict as FeedbackVerdict, correctRank: correct }, tiers.length);
    const known = out.get(r.decisionId);
    if (known) {
      known.ranges.push(range);
      known.queryText ??= r.queryText;
      continue;
    }
    out.set(r.decisionId, {
      decisionId: r.decisionId,
      tier: r.tier,
      reason: r.reason,
      routed: r.shadowOf ?? r.tier,
      shadow: r.reason === "shadow",
      tags: r.tags ?? [],
      needed: range,
      queryText: r.queryText,
      ranges: [range],
    });
  }
  return [...out.values()].map(({ ranges, ...o }) => ({ ...o, needed: combineRanges(ranges) }));
}
