import { bigint, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/*
 * The feedback loop's tables (docs/feedback-loop.md). drizzle-kit reads
 * this file next to schema.ts (drizzle.config.ts); the decision log itself is
 * partitioned and lives in decision-log-table.ts, created by a custom migration.
 */

/**
 * Outcomes reported on logged decisions (POST /decisions/{id}/feedback, or a
 * JSONL import): one per decision and source, so a repeat is idempotent. The
 * decision's tier, reason and tags are copied in, so rates per tier and
 * reason need no join with the (partitioned, expiring) decision log.
 */
export const decisionFeedback = pgTable(
  "decision_feedback",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    decisionId: uuid("decision_id").notNull(),
    /** The decision's time: its partition in decision_log, and what retention goes by. */
    decisionAt: timestamp("decision_at", { withTimezone: true }).notNull(),
    /** Who judged: the body's source, else the token label. */
    source: text("source").notNull(),
    /** The label of the token that sent it. */
    actor: text("actor").notNull(),
    /** too_weak, ok or overkill, about the tier that answered. */
    verdict: text("verdict").notNull(),
    correctTier: text("correct_tier"),
    /** An evaluator's grade, 0..1. */
    score: doublePrecision("score"),
    note: text("note"),
    /** Text sent with the feedback (the log keeps text only with decisions.storeText). */
    queryText: text("query_text"),
    tier: text("tier").notNull(),
    reason: text("reason").notNull(),
    shadowOf: text("shadow_of"),
    tags: text("tags").array(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("decision_feedback_decision_source_uq").on(t.decisionId, t.source),
    index("decision_feedback_created_idx").on(t.createdAt),
    index("decision_feedback_decision_at_idx").on(t.decisionAt),
  ],
);

/**
 * The curators' review queue: one item per decision whose feedback disagrees
 * with it (too_weak or overkill), open until promoted to an exemplar or dismissed.
 */
export const reviewItems = pgTable(
  "review_items",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    decisionId: uuid("decision_id").notNull(),
    decisionAt: timestamp("decision_at", { withTimezone: true }).notNull(),
    tier: text("tier").notNull(),
    reason: text("reason").notNull(),
    shadowOf: text("shadow_of"),
    /** The first disagreeing verdict and the tier it points to (correctTier, or one step up or down). */
    verdict: text("verdict").notNull(),
    suggestedTier: text("suggested_tier").notNull(),
    /** Text sent with the feedback; otherwise read from the log when listed. */
    queryText: text("query_text"),
    /** One per report (a decision takes one per source, and sources are the callers' own labels): 32 bits, not 16. */
    feedbackCount: integer("feedback_count").notNull().default(1),
    /** open, promoted or dismissed. */
    status: text("status").notNull().default("open"),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    exemplarId: bigint("exemplar_id", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("review_items_decision_uq").on(t.decisionId), index("review_items_status_idx").on(t.status, t.id)],
);

/** Every change to the review queue: opened (by feedback), promoted, dismissed; who, when, what. */
export const reviewAudit = pgTable(
  "review_audit",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    reviewId: bigint("review_id", { mode: "number" }).notNull(),
    action: text("action").notNull(),
    actor: text("actor").notNull(),
    detail: jsonb("detail"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("review_audit_review_idx").on(t.reviewId)],
);
