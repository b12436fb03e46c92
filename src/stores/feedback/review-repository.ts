import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Executor } from "../../adapters/db/client.js";
import { reviewAudit, reviewItems } from "../../adapters/db/feedback-schema.js";

export type ReviewStatus = "open" | "promoted" | "dismissed";

export interface ReviewItem {
  id: number;
  decisionId: string;
  decisionAt: Date;
  tier: string;
  reason: string;
  shadowOf: string | null;
  verdict: string;
  suggestedTier: string;
  queryText: string | null;
  feedbackCount: number;
  status: string;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  exemplarId: number | null;
  createdAt: Date;
}

const columns = {
  id: reviewItems.id,
  decisionId: reviewItems.decisionId,
  decisionAt: reviewItems.decisionAt,
  tier: reviewItems.tier,
  reason: reviewItems.reason,
  shadowOf: reviewItems.shadowOf,
  verdict: reviewItems.verdict,
  suggestedTier: reviewItems.suggestedTier,
  queryText: reviewItems.queryText,
  feedbackCount: reviewItems.feedbackCount,
  status: reviewItems.status,
  resolvedBy: reviewItems.resolvedBy,
  resolvedAt: reviewItems.resolvedAt,
  exemplarId: reviewItems.exemplarId,
  createdAt: reviewItems.createdAt,
};

export async function listReviewItems(db: Executor, filter: { status: ReviewStatus; afterId?: number; limit: number }): Promise<ReviewItem[]> {
  return db
    .select(columns)
    .from(reviewItems)
    .where(and(eq(reviewItems.status, filter.status), filter.afterId === undefined ? undefined : gt(reviewItems.id, filter.afterId)))
    .orderBy(asc(reviewItems.id))
    .limit(filter.limit);
}

export async function countReviewItems(db: Executor, status: ReviewStatus): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(reviewItems).where(eq(reviewItems.status, status));
  return row?.n ?? 0;
}

export async function getReviewItem(db: Executor, id: number): Promise<ReviewItem | undefined> {
  const [row] = await db.select(columns).from(reviewItems).where(eq(reviewItems.id, id));
  return row;
}

/**
 * Closes an open item (in the caller's transaction) and audits it. Returns
 * undefined when it is not open any more: a concurrent promote or dismiss won.
 */
export async function closeReviewItem(
  tx: Executor,
  id: number,
  change: { status: "promoted" | "dismissed"; actor: string; exemplarId?: number | null; detail: unknown },
): Promise<ReviewItem | undefined> {
  const [row] = await tx
    .update(reviewItems)
    .set({ status: change.status, resolvedBy: change.actor, resolvedAt: sql`now()`, exemplarId: change.exemplarId ?? null })
    .where(and(eq(reviewItems.id, id), eq(reviewItems.status, "open")))
    .returning(columns);
  if (row) await tx.insert(reviewAudit).values({ reviewId: id, action: change.status, actor: change.actor, detail: change.detail });
  return row;
}

export async function auditOf(db: Executor, reviewId: number) {
  return db
    .select({ action: reviewAudit.action, actor: reviewAudit.actor, detail: reviewAudit.detail, at: reviewAudit.at })
    .from(reviewAudit)
    .where(eq(reviewAudit.reviewId, reviewId))
    .orderBy(asc(reviewAudit.id));
}
