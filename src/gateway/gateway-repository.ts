import { and, gte, lt, sql } from "drizzle-orm";
import { chunks } from "../adapters/db/chunks.js";
import type { Database } from "../adapters/db/client.js";
import { gatewayAttempts, gatewayExchanges } from "../adapters/db/gateway-tables.js";
import { yieldToEventLoop } from "../base/util/yield.js";

export type ExchangeRow = typeof gatewayExchanges.$inferInsert & { at: Date };
export type AttemptRow = typeof gatewayAttempts.$inferInsert & { at: Date };

/** Rows per statement: a statement of PGlite (in this process) holds the event loop for its length. */
const CHUNK = 200;

/**
 * Writes a flush of the attempt log in statements of CHUNK rows, yielding
 * to the event loop between them, each row set passed as one JSON parameter
 * (json_to_recordset: far cheaper on PGlite than a bound parameter per
 * column and row). No transaction: rows are keyed (decision id, or decision
 * id and sequence) and inserted ON CONFLICT DO NOTHING, so a flush retried
 * after it partly succeeded adds nothing twice.
 */
export async function insertGatewayRows(db: Pick<Database, "execute">, exchanges: readonly ExchangeRow[], attempts: readonly AttemptRow[]): Promise<void> {
  let first = true;
  const pause = async () => {
    if (!first) await yieldToEventLoop();
    first = false;
  };
  for (const chunk of chunks(exchanges, CHUNK)) {
    await pause();
    const json = JSON.stringify(chunk.map((r) => ({ ...r, at: r.at.toISOString() })));
    await db.execute(sql`
      insert into gateway_exchanges (decision_id, at, caller, mode, profile, tier, reason, served_tier, served_upstream, stream, outcome, status, attempts,
        fallback, cascade, prompt_tokens, completion_tokens, cost_usd, counterfactual_usd)
      select * from json_to_recordset(${json}::json) as r("decisionId" text, at timestamptz, caller text, mode text, profile text, tier text, reason text,
        "servedTier" text, "servedUpstream" text, stream boolean, outcome text, status smallint, attempts smallint, fallback boolean, cascade text,
        "promptTokens" bigint, "completionTokens" bigint, "costUsd" float8, "counterfactualUsd" float8)
      on conflict do nothing`);
  }
  for (const chunk of chunks(attempts, CHUNK)) {
    await pause();
    const json = JSON.stringify(chunk.map((r) => ({ ...r, at: r.at.toISOString() })));
    await db.execute(sql`
      insert into gateway_attempts (decision_id, seq, at, kind, tier, upstream, model, outcome, status, ms, served, score, prompt_tokens, completion_tokens, cost_usd)
      select * from json_to_recordset(${json}::json) as r("decisionId" text, seq bigint, at timestamptz, kind text, tier text, upstream text, model text,
        outcome text, status smallint, ms real, served boolean, score real, "promptTokens" bigint, "completionTokens" bigint, "costUsd" float8)
      on conflict do nothing`);
  }
}

const total = (column: unknown) => sql<number>`coalesce(sum(${column}), 0)::float8`;
const count = sql<number>`count(*)::float8`;

export interface ExchangeGroup {
  mode: string;
  tier: string;
  servedTier: string | null;
  reason: string;
  outcome: string;
  cascade: string | null;
  fallback: boolean;
  requests: number;
  withUsage: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  counterfactualUsd: number;
}

/** Gateway requests in [from, to), grouped by what decided and what served them. */
export async function exchangeGroups(db: Database, from: Date, to: Date): Promise<ExchangeGroup[]> {
  const e = gatewayExchanges;
  return db
    .select({
      mode: e.mode,
      tier: e.tier,
      servedTier: e.servedTier,
      reason: e.reason,
      outcome: e.outcome,
      cascade: e.cascade,
      fallback: e.fallback,
      requests: count,
      withUsage: sql<number>`count(${e.promptTokens})::float8`,
      promptTokens: total(e.promptTokens),
      completionTokens: total(e.completionTokens),
      costUsd: total(e.costUsd),
      counterfactualUsd: total(e.counterfactualUsd),
    })
    .from(e)
    .where(and(gte(e.at, from), lt(e.at, to)))
    .groupBy(e.mode, e.tier, e.servedTier, e.reason, e.outcome, e.cascade, e.fallback);
}

export interface AttemptGroup {
  kind: string;
  tier: string;
  upstream: string;
  outcome: string;
  served: boolean;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Upstream attempts in [from, to) (answers, checks, ratings), grouped by upstream and outcome. */
export async function attemptGroups(db: Database, from: Date, to: Date): Promise<AttemptGroup[]> {
  const a = gatewayAttempts;
  return db
    .select({
      kind: a.kind,
      tier: a.tier,
      upstream: a.upstream,
      outcome: a.outcome,
      served: a.served,
      attempts: count,
      promptTokens: total(a.promptTokens),
      completionTokens: total(a.completionTokens),
      costUsd: total(a.costUsd),
    })
    .from(a)
    .where(and(gte(a.at, from), lt(a.at, to)))
    .groupBy(a.kind, a.tier, a.upstream, a.outcome, a.served);
}
