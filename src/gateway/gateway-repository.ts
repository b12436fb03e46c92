import { and, gte, lt, sql } from "drizzle-orm";
import { chunks } from "../db/chunks.js";
import type { Database } from "../db/client.js";
import { gatewayAttempts, gatewayExchanges } from "../db/gateway-schema.js";

export type ExchangeRow = typeof gatewayExchanges.$inferInsert;
export type AttemptRow = typeof gatewayAttempts.$inferInsert;

/**
 * Writes a flush of the attempt log in one transaction. Rows are keyed
 * (decision id, sequence), so a flush retried after an unknown outcome adds
 * nothing twice.
 */
export async function insertGatewayRows(db: Database, exchanges: readonly ExchangeRow[], attempts: readonly AttemptRow[]): Promise<void> {
  if (exchanges.length === 0 && attempts.length === 0) return;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(exchanges)) await tx.insert(gatewayExchanges).values([...chunk]).onConflictDoNothing();
    for (const chunk of chunks(attempts)) await tx.insert(gatewayAttempts).values([...chunk]).onConflictDoNothing();
  });
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
