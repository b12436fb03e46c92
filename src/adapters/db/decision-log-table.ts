import { bigint, boolean, pgTable, primaryKey, real, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Every routing decision, written behind (docs/feedback-loop.md). The table
 * is partitioned by day on `at` (PARTITION BY RANGE), which drizzle-kit
 * cannot express: it is created by the custom migration
 * `migrations/*_decision_log.sql`, and this definition lives outside
 * schema.ts so drizzle-kit never tries to create or alter it. Partitions are
 * made ahead and dropped past retention by db/partitions.ts.
 */
export const decisionLog = pgTable(
  "decision_log",
  {
    decisionId: uuid("decision_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    tier: text("tier").notNull(),
    reason: text("reason").notNull(),
    confidence: real("confidence").notNull(),
    margin: real("margin").notNull(),
    revision: bigint("revision", { mode: "number" }).notNull(),
    cached: boolean("cached").notNull(),
    /** Shadow mode: the tier and reason routing chose (the answer was `tier`, reason "shadow"). */
    shadowOf: text("shadow_of"),
    shadowReason: text("shadow_reason"),
    /** Decision-cache key (hash of the embedding) and sha256 of the normalised text. */
    embeddingKey: text("embedding_key"),
    textHash: text("text_hash"),
    /** Similarity of the nearest exemplar; null for cache replays and fallbacks before the search. */
    nearestSimilarity: real("nearest_similarity"),
    /** The routing profile that answered. */
    profile: text("profile").notNull(),
    /** What moved the answer away from the router's verdict (rule, session, minTier, maxTier, allowedTiers, budget). */
    constrainedBy: text("constrained_by"),
    /** The label of the route token (or "anonymous"). */
    caller: text("caller").notNull(),
    sessionId: text("session_id"),
    tags: text("tags").array(),
    /** Only with decisions.storeText. */
    queryText: text("query_text"),
  },
  (t) => [primaryKey({ columns: [t.decisionId, t.at] })],
);
