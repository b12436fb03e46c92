import { bigint, boolean, doublePrecision, index, pgTable, primaryKey, real, smallint, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The gateway's attempt log (src/gateway/), beside the decision tables and
 * keyed like them by decision id. drizzle-kit reads this file with schema.ts.
 */

/**
 * One row per gateway request (POST /v1/chat/completions), keyed by its
 * decision id: what was decided, what served it, its usage and spend, and
 * the counterfactual spend of the same tokens on the most expensive tier.
 * Written behind.
 */
export const gatewayExchanges = pgTable(
  "gateway_exchanges",
  {
    decisionId: text("decision_id").primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    caller: text("caller").notNull(),
    /** routed (a profile), tier (a tier named as the model) or model (a concrete upstream model). */
    mode: text("mode").notNull(),
    profile: text("profile"),
    tier: text("tier").notNull(),
    reason: text("reason").notNull(),
    servedTier: text("served_tier"),
    servedUpstream: text("served_upstream"),
    stream: boolean("stream").notNull(),
    outcome: text("outcome").notNull(),
    status: smallint("status").notNull(),
    attempts: smallint("attempts").notNull(),
    fallback: boolean("fallback").notNull(),
    cascade: text("cascade"),
    /** 64-bit: an upstream's usage is its word, not ours (usage beyond any plausible answer is never charged: recorder.ts). */
    promptTokens: bigint("prompt_tokens", { mode: "number" }),
    completionTokens: bigint("completion_tokens", { mode: "number" }),
    costUsd: doublePrecision("cost_usd"),
    counterfactualUsd: doublePrecision("counterfactual_usd"),
  },
  (t) => [index("gateway_exchanges_at_idx").on(t.at)],
);

/**
 * Every upstream attempt of the gateway (answers, cascade checks, complexity
 * ratings), keyed by decision id and a sequence number: outcome, status,
 * time, usage and spend. Skipped upstreams (circuit open, Retry-After) too.
 */
export const gatewayAttempts = pgTable(
  "gateway_attempts",
  {
    decisionId: text("decision_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    kind: text("kind").notNull(),
    tier: text("tier").notNull(),
    upstream: text("upstream").notNull(),
    model: text("model").notNull(),
    outcome: text("outcome").notNull(),
    status: smallint("status"),
    ms: real("ms").notNull(),
    served: boolean("served").notNull(),
    score: real("score"),
    promptTokens: bigint("prompt_tokens", { mode: "number" }),
    completionTokens: bigint("completion_tokens", { mode: "number" }),
    costUsd: doublePrecision("cost_usd"),
  },
  (t) => [primaryKey({ columns: [t.decisionId, t.seq] }), index("gateway_attempts_at_idx").on(t.at)],
);
