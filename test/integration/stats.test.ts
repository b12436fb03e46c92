/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, startTestService, type TestService, defaultTestEncoder } from "../helpers/runtime.js";
import { isFallback } from "../../src/routing/decision.js";

const ANALYST = "analyst-token-0123456789";
const ADMIN = "admin-token-0123456789ab";
const env = { TIERLINE_ANALYST_TOKEN: ANALYST, TIERLINE_ADMIN_TOKEN: ADMIN };

/** q1 three times, q2 once, q3 twice: 6 requests, 3 hits, 3 misses, 3 distinct keys. */
const traffic = [
  "What is the capital city of Austria?",
  "What is the capital city of Austria?",
  "Prove that the sum of two odd integers is even, then generalise to modular arithmetic.",
  "Write a SQL query listing customers who ordered twice in one week",
  "What is the capital city of Austria?",
  "Write a SQL query listing customers who ordered twice in one week",
];

/** Parses one sample value out of the Prometheus text format. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const total = text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .filter((line) => line.slice(name.length).startsWith("{") || line.slice(name.length).startsWith(" "))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
  return total;
}

describe.each(databaseTargets())("statistics on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;
  const decisions: any[] = [];

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env, config: { cache: { storeText: true } } });
    for (const query of traffic) decisions.push(await (await service.route({ query })).json());
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const get = async (s: TestService, path: string, token = ANALYST) => {
    const res = await s.app.request(path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("GET /stats/cache counts hits, misses, distinct keys and the tier mix", async () => {
    expect(decisions.map((d) => d.cached)).toEqual([false, true, false, false, true, true]);
    const { status, body } = await get(service, "/stats/cache");
    expect(status).toBe(200);
    expect(body).toMatchObject({ requests: 6, hits: 3, misses: 3, hitRate: 0.5, distinctKeys: 3, droppedDecisions: 0 });
    const expectedByTier: Record<string, number> = {};
    for (const d of decisions) expectedByTier[d.tier] = (expectedByTier[d.tier] ?? 0) + 1;
    for (const [tier, n] of Object.entries(expectedByTier)) expect(body.byTier[tier].requests).toBe(n);
    const austria = decisions[0].tier;
    expect((await get(service, `/stats/cache?tier=${austria}`)).body).toMatchObject({ tier: austria, requests: expectedByTier[austria] });
  });

  it("GET /stats/series gives per-bucket points that add up to the window's totals", async () => {
    const { status, body } = await get(service, "/stats/series?bucket=hour");
    expect(status).toBe(200);
    expect(body.tiers).toEqual(["fast", "standard", "premium"]);
    const points = body.points as any[];
    expect(points.length).toBeGreaterThanOrEqual(1); // one hour, or two across an hour boundary
    const total = (f: (p: any) => number) => points.reduce((n, p) => n + f(p), 0);
    expect(total((p) => p.requests)).toBe(6);
    expect(total((p) => p.hits)).toBe(3);
    for (const p of points) {
      expect(p.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
      expect(Object.values(p.tiers as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(p.requests);
      expect(p.hitRate).toBeCloseTo(p.hits / p.requests, 10);
      expect(p.savings).toBeCloseTo(1 - p.relativeCost, 10);
    }
    const days = await get(service, "/stats/series?bucket=day&from=2020-01-01");
    expect(days.status).toBe(200);
    expect((days.body.points as any[]).every((p) => p.start.endsWith("T00:00:00Z"))).toBe(true);
    expect((await get(service, "/stats/series?bucket=hour&from=2020-01-01")).status).toBe(400); // too many hourly points
  });

  it("GET /stats/routing gives the mix, reasons, fallback rate and savings, for analyst and admin tokens", async () => {
    for (const token of [ANALYST, ADMIN]) {
      const { status, body } = await get(service, "/stats/routing", token);
      expect(status).toBe(200);
      expect(body.requests).toBe(6);
      expect(body.cacheHitRate).toBe(0.5);
      // Spend from each decision's estimated input tokens × its tier's price, against all at the most capable tier.
      const prices: Record<string, number> = { fast: 0.2, standard: 1, premium: 10 };
      const spend = decisions.reduce((c, d) => c + (d.estimatedInputTokens * prices[d.tier]!) / 1e6, 0);
      const allPremium = decisions.reduce((c, d) => c + (d.estimatedInputTokens * 10) / 1e6, 0);
      expect(body.estimatedCost.spend).toBeCloseTo(spend, 12);
      expect(body.estimatedCost.spendIfMostCapable).toBeCloseTo(allPremium, 12);
      expect(body.estimatedCost.saved).toBeCloseTo(allPremium - spend, 12);
      expect(body.estimatedCost.currency).toBe("USD");
      expect(body.estimatedCost.inputTokens).toBe(decisions.reduce((n, d) => n + d.estimatedInputTokens, 0));
      expect(body.estimatedCost.relativeToAlwaysPremium).toBeCloseTo(spend / allPremium, 10);
      expect(body.estimatedCost.savings).toBeCloseTo(1 - spend / allPremium, 10);
      expect(body.byProfile.default.requests).toBe(6);
      expect(Object.values(body.reasons as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(6);
      expect(body.fallbackRate).toBeCloseTo(decisions.filter((d) => isFallback(d.reason)).length / 6, 10);
    }
    expect((await get(service, "/stats/routing", "not-a-valid-token-at-all")).status).toBe(401);
    expect((await get(service, "/stats/routing?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z")).body.error.code).toBe("invalid_request");
    expect((await get(service, "/stats/routing?from=yesterday")).status).toBe(400);
  });

  it("the shipped SQL views answer the same numbers", async () => {
    const rows = async (query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as any).rows ?? (await database.db.execute(query));
    const [daily] = await rows(sql`select requests::int, hits::int, misses::int, hit_rate::float8 from v_daily_hit_rate`);
    expect(daily).toEqual({ requests: 6, hits: 3, misses: 3, hit_rate: 0.5 });
    const byTier = await rows(sql`select tier, requests::int from v_hit_rate_by_tier`);
    expect(byTier.reduce((n: number, r: any) => n + r.requests, 0)).toBe(6);
    const mix = await rows(sql`select sum(share)::float8 as total from v_tier_mix_daily`);
    expect(mix[0].total).toBeCloseTo(1, 3);
    const [top] = await rows(sql`select sample_text, hits::int, tier from v_top_repeated_queries limit 1`);
    expect(top).toEqual({ sample_text: traffic[0], hits: 2, tier: decisions[0].tier });
    const [spend] = await rows(sql`select requests::int, relative_cost::float8, savings::float8 from v_estimated_spend_daily`);
    const prices: Record<string, number> = { fast: 0.2, standard: 1, premium: 10 };
    const cost = decisions.reduce((c, d) => c + prices[d.tier]!, 0) / 60;
    expect(spend.requests).toBe(6);
    expect(spend.relative_cost).toBeCloseTo(cost, 4);
    const [fallback] = await rows(sql`select requests::int, all_fallbacks::int from v_fallback_rate_daily`);
    expect(fallback).toEqual({ requests: 6, all_fallbacks: decisions.filter((d) => isFallback(d.reason)).length });
  });

  it("GET /metrics exposes decisions, cache hits and misses, latency, index size and revision", async () => {
    const res = await service.app.request("/metrics");
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    expect(metric(text, "tierline_decisions_total")).toBe(6);
    expect(metric(text, "tierline_cache_lookups_total", { result: "hit" })).toBe(3);
    expect(metric(text, "tierline_cache_lookups_total", { result: "miss" })).toBe(3);
    expect(metric(text, "tierline_route_duration_seconds_count")).toBe(6);
    expect(metric(text, "tierline_route_duration_seconds_count", { cached: "true" })).toBe(3);
    expect(metric(text, "tierline_index_exemplars")).toBe(sampleExemplars.length);
    expect(metric(text, "tierline_exemplar_revision")).toBe(1);
    expect(metric(text, "tierline_embedding_batch_size_count")).toBeGreaterThan(0);
    expect(metric(text, "tierline_stats_dropped_decisions_total")).toBe(0);
    expect(text).toContain("process_resident_memory_bytes");
  });

  it("stats survive a graceful restart", async () => {
    const other = await target.open();
    const first = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env });
    await first.route({ query: "How many continents are there?" });
    await first.route({ query: "How many continents are there?" });
    await first.deps.lifecycle.stop(); // flushes counters written behind
    const second = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env });
    await second.route({ query: "How many continents are there?" });
    expect((await get(second, "/stats/cache")).body).toMatchObject({ requests: 3, hits: 2, misses: 1, distinctKeys: 1 });
    await second.deps.lifecycle.stop();
    await other.close();
  });

  it("a database outage drops nothing silently: counts are kept, and overflow is counted and exported", async () => {
    const scratch = await target.open();
    const s = await startTestService({
      database: scratch,
      encoder,
      exemplars: sampleExemplars,
      env,
      // Two distinct counters fit in the buffer; the third forces a drop.
      config: { stats: { maxPendingKeys: 2, flushIntervalMs: 60_000 } },
    });
    await scratch.close();
    await s.route({ query: "What is the capital city of Norway?" });
    await s.route({ query: "What is the capital city of Norway?" });
    const recorder = s.deps.statsRecorder;
    await recorder.flush();
    expect(recorder.failedFlushes).toBeGreaterThanOrEqual(1);
    expect(recorder.pendingCount).toBe(2); // (tier, knn, miss) and (tier, knn, hit), kept for later
    expect(recorder.dropped).toBe(0);

    await s.route({ query: "Design a consensus protocol for a partitioned satellite network and prove its safety" });
    const dropped = recorder.dropped;
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(recorder.recorded).toBe(3);
    expect(dropped + recorder.pendingRows().reduce((n: number, r: any) => n + r.count, 0)).toBe(3);
    const text = await (await s.app.request("/metrics")).text();
    expect(metric(text, "tierline_stats_dropped_decisions_total")).toBe(dropped);
    expect(metric(text, "tierline_database_errors_total", { operation: "stats_flush" })).toBeGreaterThanOrEqual(1);
    const stats = await get(s, "/stats/cache");
    expect(stats.status).toBe(503);
    expect(stats.body.error.code).toBe("database_unavailable");
  });
});
