import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Database } from "../../adapters/db/client.js";
import { decisionCache, routingStats, tierPrices } from "../../adapters/db/schema.js";
import type { StatsRow } from "./stats-recorder.js";
import { chunks } from "../../adapters/db/chunks.js";

/** One transaction: counts add up, so a flush must apply entirely or not at all (a retry would double-count). */
export async function upsertStats(db: Database, rows: readonly StatsRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(rows)) {
      await tx
        .insert(routingStats)
        .values(chunk.map((r) => ({ ...r })))
        .onConflictDoUpdate({
          target: [routingStats.bucket, routingStats.profile, routingStats.tier, routingStats.reason, routingStats.cached],
          set: {
            count: sql`${routingStats.count} + excluded.count`,
            inputTokens: sql`${routingStats.inputTokens} + excluded.input_tokens`,
            cost: sql`${routingStats.cost} + excluded.cost`,
            costIfMostCapable: sql`${routingStats.costIfMostCapable} + excluded.cost_if_most_capable`,
          },
        });
    }
  });
}

/** Arbitrary constant: serialises the replacement of tier_prices across replicas (transaction-scoped). */
const TIER_PRICES_LOCK = 7_461_333;

/**
 * Mirrors the configured tiers into tier_prices so the spend view can price
 * traffic. Replicas starting together take turns: two deletes-and-inserts
 * running side by side collide on the primary key, and that replica's start fails.
 */
export async function syncTierPrices(db: Database, tiers: ReadonlyArray<{ name: string; model: string; pricePer1MTokens: number }>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${TIER_PRICES_LOCK})`);
    await tx.delete(tierPrices);
    await tx.insert(tierPrices).values(tiers.map((t, rank) => ({ tier: t.name, model: t.model, pricePer1MTokens: t.pricePer1MTokens, rank })));
  });
}

export interface StatsGroup {
  profile: string;
  tier: string;
  reason: string;
  cached: boolean;
  count: number;
  inputTokens: number;
  cost: number;
  costIfMostCapable: number;
}

const sums = {
  count: sql<number>`sum(${routingStats.count})::float8`,
  inputTokens: sql<number>`sum(${routingStats.inputTokens})::float8`,
  cost: sql<number>`sum(${routingStats.cost})::float8`,
  costIfMostCapable: sql<number>`sum(${routingStats.costIfMostCapable})::float8`,
};

/** Counts and estimated costs in [from, to) grouped by profile, tier, reason and cache outcome; one profile if given. */
export async function statsBetween(db: Database, from: Date, to: Date, profile?: string): Promise<StatsGroup[]> {
  return db
    .select({ profile: routingStats.profile, tier: routingStats.tier, reason: routingStats.reason, cached: routingStats.cached, ...sums })
    .from(routingStats)
    .where(and(gte(routingStats.bucket, from), lt(routingStats.bucket, to), profile === undefined ? undefined : eq(routingStats.profile, profile)))
    .groupBy(routingStats.profile, routingStats.tier, routingStats.reason, routingStats.cached);
}

/** Distinct query embeddings seen in [from, to) (their cache rows overlap the window), optionally one tier. */
export async function distinctKeysBetween(db: Database, from: Date, to: Date, tier?: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::float8` })
    .from(decisionCache)
    .where(and(gte(decisionCache.lastSeen, from), lt(decisionCache.firstSeen, to), tier === undefined ? undefined : sql`${decisionCache.tier} = ${tier}`));
  return row?.n ?? 0;
}

export interface BucketGroup extends StatsGroup {
  /** Start of the hour or day (UTC), ISO 8601. */
  start: string;
}

/** Counts in [from, to) per hour or day (UTC), tier, reason and cache outcome. */
export async function statsByBucket(db: Database, from: Date, to: Date, unit: "hour" | "day"): Promise<BucketGroup[]> {
  // The unit is inlined (one of two literals, never user text) so the select and group-by expressions are one and the same.
  const start = sql<string>`to_char(date_trunc(${sql.raw(unit === "day" ? "'day'" : "'hour'")}, ${routingStats.bucket} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  return db
    .select({ start, profile: routingStats.profile, tier: routingStats.tier, reason: routingStats.reason, cached: routingStats.cached, ...sums })
    .from(routingStats)
    .where(and(gte(routingStats.bucket, from), lt(routingStats.bucket, to)))
    .groupBy(start, routingStats.profile, routingStats.tier, routingStats.reason, routingStats.cached)
    .orderBy(start);
}
