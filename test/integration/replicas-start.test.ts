import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../src/adapters/db/migrate.js";
import { syncTierPrices } from "../../src/stores/stats/stats-repository.js";
import { openReplicaDatabases } from "../helpers/databases.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";
import { sampleExemplars, startTestService } from "../helpers/runtime.js";

const forPrices = await openReplicaDatabases();
const forStarts = await openReplicaDatabases();
const tiers = [
  { name: "fast", model: "small", pricePer1MTokens: 0.2 },
  { name: "standard", model: "medium", pricePer1MTokens: 1 },
  { name: "premium", model: "large", pricePer1MTokens: 10 },
];

// Issue 20: replicas started together on one PostgreSQL (a rolling deploy, `docker compose --profile replicas up`).
describe.skipIf(forPrices === null)("replicas starting together on one PostgreSQL", () => {
  afterAll(async () => {
    await Promise.all([forPrices?.drop(), forStarts?.drop()]);
  });

  // Each mirrors the configured tiers into tier_prices at start; a delete-and-insert raced into a duplicate key,
  // and that replica failed to start.
  it("mirror the tier prices side by side, every one of them successfully", async () => {
    await migrateDatabase(forPrices!.a);
    for (let round = 0; round < 5; round++) {
      const starts = Array.from({ length: 8 }, (_, i) => syncTierPrices((i % 2 === 0 ? forPrices!.a : forPrices!.b).db, tiers));
      const outcomes = await Promise.allSettled(starts);
      expect(outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason.cause ?? o))).toEqual([]);
    }
    const sql = postgres(forPrices!.url, { max: 1, onnotice: () => {} });
    const rows = await sql<Array<{ tier: string; rank: number }>>`select tier, rank from tier_prices order by rank`;
    await sql.end();
    expect(rows).toEqual(tiers.map((t, rank) => ({ tier: t.name, rank })));
  });

  it("start side by side on an empty database: one seeds, both serve the same exemplars", async () => {
    const options = { encoder: createFakeEncoder(), exemplars: sampleExemplars };
    const [a, b] = await Promise.all([startTestService({ database: forStarts!.a, ...options }), startTestService({ database: forStarts!.b, ...options })]);
    try {
      expect(a.deps.index.get()!.size).toBe(sampleExemplars.length);
      expect(b.deps.index.get()!.size).toBe(sampleExemplars.length);
      expect(a.deps.index.get()!.revision).toBe(b.deps.index.get()!.revision);
    } finally {
      await Promise.all([a.deps.lifecycle.stop(), b.deps.lifecycle.stop()]);
    }
  });
});
