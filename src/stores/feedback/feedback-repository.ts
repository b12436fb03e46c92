import { and, eq, inArray, lt } from "drizzle-orm";
import type { Executor } from "../../adapters/db/client.js";
import { decisionFeedback, reviewItems } from "../../adapters/db/feedback-schema.js";
import { chunks } from "../../adapters/db/chunks.js";

export interface FeedbackRow {
  decisionId: string;
  decisionAt: Date;
  source: string;
  actor: string;
  verdict: string;
  correctTier: string | null;
  score: number | null;
  note: string | null;
  queryText: string | null;
  tier: string;
  reason: string;
  shadowOf: string | null;
  tags: string[] | null;
}

export interface StoredFeedback extends FeedbackRow {
  id: number;
  createdAt: Date;
}

export const feedbackColumns = {
  id: decisionFeedback.id,
  decisionId: decisionFeedback.decisionId,
  decisionAt: decisionFeedback.decisionAt,
  source: decisionFeedback.source,
  actor: decisionFeedback.actor,
  verdict: decisionFeedback.verdict,
  correctTier: decisionFeedback.correctTier,
  score: decisionFeedback.score,
  note: decisionFeedback.note,
  queryText: decisionFeedback.queryText,
  tier: decisionFeedback.tier,
  reason: decisionFeedback.reason,
  shadowOf: decisionFeedback.shadowOf,
  tags: decisionFeedback.tags,
  createdAt: decisionFeedback.createdAt,
};

/** Inserts the rows whose (decision, source) has no report yet; returns those inserted. */
export async function insertFeedbackRows(tx: Executor, rows: readonly FeedbackRow[]): Promise<StoredFeedback[]> {
  const out: StoredFeedback[] = [];
  for (const chunk of chunks(rows)) out.push(...(await tx.insert(decisionFeedback).values(chunk).onConflictDoNothing().returning(feedbackColumns)));
  return out;
}

/** Every report on these decisions. */
export async function feedbackOfDecisions(tx: Executor, decisionIds: readonly string[]): Promise<StoredFeedback[]> {
  const out: StoredFeedback[] = [];
  for (const chunk of chunks([...new Set(decisionIds)])) out.push(...(await tx.select(feedbackColumns).from(decisionFeedback).where(inArray(decisionFeedback.decisionId, chunk))));
  return out;
}

export async function feedbackOf(tx: Executor, decisionId: string): Promise<StoredFeedback[]> {
  return tx
    .select(feedbackColumns)
    .from(decisionFeedback)
    .where(and(eq(decisionFeedback.decisionId, decisionId)))
    .orderBy(decisionFeedback.id);
}

/** Retention: feedback and review items of decisions before the cutoff go with their partitions. */
export async function purgeFeedbackBefore(tx: Executor, cutoff: Date): Promise<{ feedback: number; reviewItems: number }> {
  const feedback = await tx.delete(decisionFeedback).where(lt(decisionFeedback.decisionAt, cutoff)).returning({ id: decisionFeedback.id });
  const items = await tx.delete(reviewItems).where(lt(reviewItems.decisionAt, cutoff)).returning({ id: reviewItems.id });
  return { feedback: feedback.length, reviewItems: items.length };
}
