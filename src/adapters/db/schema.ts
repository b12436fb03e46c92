import { sql } from "drizzle-orm";
import { bigint, boolean, check, customType, doublePrecision, index, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

/** Curated example queries: the source of truth the HNSW index is derived from. */
export const exemplars = pgTable(
  "exemplars",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    text: text("text").notNull(),
    /** sha256 of the normalised text: exact duplicates are one exemplar. */
    textHash: text("text_hash").notNull(),
    tier: text("tier").notNull(),
    note: text("note"),
    /** "seed" for the shipped files, "api" for curator writes. */
    source: text("source").notNull().default("api"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("exemplars_text_hash_uq").on(t.textHash), index("exemplars_tier_idx").on(t.tier)],
);

/**
 * One row: the exemplar set's revision. Every change bumps it, and cached
 * decisions carry the revision they were computed at.
 */
export const exemplarRevision = pgTable(
  "exemplar_revision",
  {
    id: smallint("id").primaryKey().default(1),
    revision: bigint("revision", { mode: "number" }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("exemplar_revision_single_row", sql`${t.id} = 1`)],
);

/**
 * Embeddings of exemplars per model, so a restart (or another replica) does
 * not re-embed the whole set. Derived data: safe to delete.
 */
export const exemplarVectors = pgTable(
  "exemplar_vectors",
  {
    exemplarId: bigint("exemplar_id", { mode: "number" })
      .notNull()
      .references(() => exemplars.id, { onDelete: "cascade" }),
    modelId: text("model_id").notNull(),
    /** Float32 little-endian. */
    vector: bytea("vector").notNull(),
  },
  (t) => [primaryKey({ columns: [t.exemplarId, t.modelId] })],
);

/** Routing decisions keyed by a hash of the query embedding (docs/exemplars.md). */
export const decisionCache = pgTable(
  "decision_cache",
  {
    key: text("key").primaryKey(),
    modelId: text("model_id").notNull(),
    revision: bigint("revision", { mode: "number" }).notNull(),
    tier: text("tier").notNull(),
    confidence: real("confidence").notNull(),
    margin: real("margin").notNull(),
    reason: text("reason").notNull(),
    /** Requests answered from the cache for this key. */
    hits: bigint("hits", { mode: "number" }).notNull().default(0),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull().defaultNow(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull().defaultNow(),
    /** Only written when cache.storeText is on. */
    queryText: text("query_text"),
  },
  (t) => [index("decision_cache_last_seen_idx").on(t.lastSeen), index("decision_cache_model_revision_idx").on(t.modelId, t.revision)],
);

/**
 * Every curator change: what, before/after, when, by which token label, and
 * the revision it produced. Replicas catch up by reading it past their revision.
 */
export const exemplarAudit = pgTable(
  "exemplar_audit",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    revision: bigint("revision", { mode: "number" }).notNull(),
    action: text("action").notNull(),
    exemplarId: bigint("exemplar_id", { mode: "number" }).notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    actor: text("actor").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("exemplar_audit_revision_idx").on(t.revision), index("exemplar_audit_exemplar_idx").on(t.exemplarId)],
);

/**
 * Routing decisions counted per minute, tier, reason and cache outcome.
 * Written behind from in-memory counters; the analytics views read it.
 */
export const routingStats = pgTable(
  "routing_stats",
  {
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    /** The routing profile ("default" for the top-level configuration). */
    profile: text("profile").notNull().default("default"),
    tier: text("tier").notNull(),
    reason: text("reason").notNull(),
    cached: boolean("cached").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
    /** Estimated input tokens of these requests, and their estimated cost at the chosen tier and at the most capable one. */
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    cost: doublePrecision("cost").notNull().default(0),
    costIfMostCapable: doublePrecision("cost_if_most_capable").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.profile, t.tier, t.reason, t.cached] })],
);

/** The configured tier prices, synced at start so SQL can estimate spend. */
/**
 * The reasons under which a judgement stands (routing/decision.ts
 * decidedReasons); every other reason is a fallback. The views count
 * fallbacks with is_fallback(reason) over this table, so a new reason is a
 * row added by a migration, not every view rewritten.
 */
export const decidedReasons = pgTable("decided_reasons", {
  reason: text("reason").primaryKey(),
});

export const tierPrices = pgTable("tier_prices", {
  tier: text("tier").primaryKey(),
  model: text("model").notNull(),
  pricePer1MTokens: doublePrecision("price_per_1m_tokens").notNull(),
  /** Position in the configured order, cheapest first. */
  rank: smallint("rank").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Receipts of curator writes sent with an Idempotency-Key: written in the
 * same transaction as the write, so a retry after an unknown outcome finds
 * either the receipt (and gets the original answer) or nothing (the write
 * never happened). Kept for a day.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    /** The token label: keys are per caller. */
    actor: text("actor").notNull(),
    key: text("key").notNull(),
    /** sha256 of the request (method, path, query, body): the same key with another request is refused. */
    fingerprint: text("fingerprint").notNull(),
    status: smallint("status").notNull(),
    body: jsonb("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

/**
 * Session consistency: the highest tier a session used, until it expires.
 * The key is a hash of caller, profile and session id.
 */
export const routingSessions = pgTable(
  "routing_sessions",
  {
    key: text("key").primaryKey(),
    tier: text("tier").notNull(),
    /** The tier's position, cheapest 0, so the higher of two is a comparison in SQL. */
    rank: smallint("rank").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("routing_sessions_expires_idx").on(t.expiresAt)],
);

/**
 * The service-wide routing rules once replaced through the API (one row;
 * until then the config file's rules apply). Every replica reloads on change.
 */
export const routingRules = pgTable(
  "routing_rules",
  {
    id: smallint("id").primaryKey().default(1),
    revision: bigint("revision", { mode: "number" }).notNull(),
    rules: jsonb("rules").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("routing_rules_single_row", sql`${t.id} = 1`)],
);

/** Every replacement of the rules: before and after, by which token label. */
export const routingRulesAudit = pgTable("routing_rules_audit", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  revision: bigint("revision", { mode: "number" }).notNull(),
  before: jsonb("before"),
  after: jsonb("after").notNull(),
  actor: text("actor").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});
