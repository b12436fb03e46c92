import { sql } from "drizzle-orm";
import { chunks } from "../../adapters/db/chunks.js";
import type { Database, Executor } from "../../adapters/db/client.js";
import type { Deadline } from "../../adapters/db/database-guard.js";
import { reviewAudit, reviewItems } from "../../adapters/db/feedback-schema.js";
import { feedbackOfDecisions, insertFeedbackRows, type FeedbackRow, type StoredFeedback } from "./feedback-repository.js";

/** A report ready to write: its place in the request, the row, and the tier to suggest when it disagrees with routing. */
export interface Prepared {
  index: number;
  row: FeedbackRow;
  suggestedTier: string | null;
}

export interface Written {
  prepared: Prepared;
  status: "created" | "unchanged" | "conflict";
  /** The stored report: the one just written, or the earlier one from this source. */
  stored: StoredFeedback;
}

const keyOf = (r: Pick<FeedbackRow, "decisionId" | "source">) => `${r.decisionId}\u0000${r.source}`;

/** Same report again: what a retry sends. */
function sameReport(a: FeedbackRow, b: FeedbackRow): boolean {
  return a.verdict === b.verdict && a.correctTier === b.correctTier && a.score === b.score && a.note === b.note && (b.queryText === null || a.queryText === b.queryText);
}

/**
 * One transaction, in bulk: inserts the reports (a (decision, source) that
 * already reported is compared: unchanged or conflict), then opens or bumps
 * the review items of those that disagree with routing, with an audit row each.
 */
export function writeFeedback(db: Database, prepared: readonly Prepared[], deadline: Deadline): Promise<Written[]> {
  return db.transaction(async (tx) => {
    deadline.check();
    const inserted = new Map(
      (
        await insertFeedbackRows(
          tx,
          prepared.map((p) => p.row),
        )
      ).map((s) => [keyOf(s), s]),
    );
    const others = prepared.filter((p) => !inserted.has(keyOf(p.row)));
    const earlier = new Map(
      (others.length === 0
        ? []
        : await feedbackOfDecisions(
            tx,
            others.map((p) => p.row.decisionId),
          )
      ).map((s) => [keyOf(s), s]),
    );
    const claimed = new Set<string>();
    const written: Written[] = prepared.map((p) => {
      const key = keyOf(p.row);
      const fresh = inserted.get(key);
      if (fresh && !claimed.has(key)) {
        claimed.add(key);
        return { prepared: p, status: "created", stored: fresh };
      }
      // Reported before, or twice in this batch (the first one stands).
      const stored = fresh ?? earlier.get(key)!;
      return { prepared: p, status: sameReport(stored, p.row) ? "unchanged" : "conflict", stored };
    });
    await openReviews(
      tx,
      written.filter((w) => w.status === "created" && w.prepared.suggestedTier !== null),
    );
    deadline.check();
    return written;
  });
}

/**
 * Opens the review item of each decision (or counts more disagreeing
 * reports on it, keeping its status: a dismissed item stays dismissed), and
 * audits every report that did so.
 */
async function openReviews(tx: Executor, disagreeing: readonly Written[]): Promise<void> {
  if (disagreeing.length === 0) return;
  const byDecision = new Map<string, Written[]>();
  for (const w of disagreeing) byDecision.set(w.stored.decisionId, [...(byDecision.get(w.stored.decisionId) ?? []), w]);
  const items = [...byDecision.values()].map((ws) => {
    const first = ws[0]!;
    const r = first.prepared.row;
    const queryText = ws.find((w) => w.prepared.row.queryText !== null)?.prepared.row.queryText ?? null;
    return {
      decisionId: r.decisionId,
      decisionAt: r.decisionAt,
      tier: r.tier,
      reason: r.reason,
      shadowOf: r.shadowOf,
      verdict: r.verdict,
      suggestedTier: first.prepared.suggestedTier!,
      queryText,
      feedbackCount: ws.length,
    };
  });
  const audit: Array<typeof reviewAudit.$inferInsert> = [];
  for (const chunk of chunks(items)) {
    const rows = await tx
      .insert(reviewItems)
      .values(chunk)
      .onConflictDoUpdate({
        target: reviewItems.decisionId,
        set: { feedbackCount: sql`${reviewItems.feedbackCount} + excluded.feedback_count`, queryText: sql`coalesce(${reviewItems.queryText}, excluded.query_text)` },
      })
      .returning({ id: reviewItems.id, decisionId: reviewItems.decisionId, count: reviewItems.feedbackCount });
    for (const row of rows) {
      const ws = byDecision.get(row.decisionId)!;
      const opened = row.count === ws.length;
      ws.forEach((w, i) =>
        audit.push({
          reviewId: row.id,
          action: opened && i === 0 ? "opened" : "feedback",
          actor: w.stored.actor,
          detail: { feedbackId: w.stored.id, source: w.stored.source, verdict: w.stored.verdict, correctTier: w.stored.correctTier, suggestedTier: w.prepared.suggestedTier },
        }),
      );
    }
  }
  for (const chunk of chunks(audit)) await tx.insert(reviewAudit).values(chunk);
}
