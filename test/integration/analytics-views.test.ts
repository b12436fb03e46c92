/* eslint-disable @typescript-eslint/no-explicit-any -- rows are checked field by field */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { migrateDatabase } from "../../src/adapters/db/migrate.js";
import { decidedReasons, decisionReasons, isFallback } from "../../src/routing/decision.js";
import { databaseTargets } from "../helpers/databases.js";

// Issue 16: v_hit_rate_by_tier (and v_daily_hit_rate) showed hits NULL instead of 0 for a group without a hit.
describe.each(databaseTargets())("analytics views on $name", (target) => {
  let database: DatabaseHandle;
  const rows = async (query: ReturnType<typeof sql>): Promise<any[]> => {
    const result = (await database.db.execute(query)) as any;
    return result.rows ?? result;
  };

  beforeAll(async () => {
    database = await target.open();
    await migrateDatabase(database);
    // Day 1: premium only missed, fast only hit. Day 2: only misses.
    await database.db.execute(sql`insert into routing_stats (bucket, tier, reason, cached, count) values
      ('2026-11-01T10:00:00Z', 'premium', 'low_margin_fallback', false, 4),
      ('2026-11-01T10:01:00Z', 'fast', 'knn', true, 3),
      ('2026-11-02T09:00:00Z', 'standard', 'knn', false, 2)`);
  });
  afterAll(() => database.close());

  it("the database's fallback definition is the router's: decided_reasons holds decidedReasons, is_fallback agrees on every reason", async () => {
    const stored = await rows(sql`select reason from decided_reasons order by reason`);
    expect(stored.map((r) => r.reason)).toEqual([...decidedReasons].sort());
    for (const reason of [...decisionReasons, "a_reason_of_a_later_version"]) {
      const [row] = await rows(sql`select is_fallback(${reason}) as fallback`);
      expect(row.fallback, reason).toBe(isFallback(reason));
    }
  });

  it("v_hit_rate_by_tier counts 0 hits, not NULL, for a tier that never hit the cache", async () => {
    const byTier = await rows(sql`select tier, requests::int, hits, hit_rate::float8 from v_hit_rate_by_tier order by tier`);
    expect(byTier.map((r) => ({ ...r, hits: r.hits === null ? null : Number(r.hits) }))).toEqual([
      { tier: "fast", requests: 3, hits: 3, hit_rate: 1 },
      { tier: "premium", requests: 4, hits: 0, hit_rate: 0 },
      { tier: "standard", requests: 2, hits: 0, hit_rate: 0 },
    ]);
  });

  it("v_daily_hit_rate counts 0 hits and 0 misses, not NULL", async () => {
    const daily = await rows(sql`select to_char(day, 'YYYY-MM-DD') as day, requests::int, hits, misses from v_daily_hit_rate order by day`);
    expect(daily.map((r) => ({ day: r.day, requests: r.requests, hits: r.hits === null ? null : Number(r.hits), misses: r.misses === null ? null : Number(r.misses) }))).toEqual([
      { day: "2026-11-01", requests: 7, hits: 3, misses: 4 },
      { day: "2026-11-02", requests: 2, hits: 0, misses: 2 },
    ]);
  });
});
