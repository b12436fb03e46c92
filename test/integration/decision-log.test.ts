/* eslint-disable @typescript-eslint/no-explicit-any -- rows and bodies are checked field by field */
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { decisionLog } from "../../src/adapters/db/decision-log-table.js";
import { addDays, dayOf, listPartitions, partitionName } from "../../src/adapters/db/partitions.js";
import { DecisionLogStore } from "../../src/stores/decision-log/decision-log-repository.js";
import { decisionFeedback, reviewItems } from "../../src/adapters/db/feedback-schema.js";
import { textHash } from "../../src/base/text/normalize.js";
import { databaseTargets } from "../helpers/databases.js";
import { call, metric } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ROUTE = "route-token-0123456789ab";
const FEEDBACK = "feedback-token-0123456789";
const env = { TIERLINE_ROUTE_TOKENS: `checkout:${ROUTE}`, TIERLINE_FEEDBACK_TOKEN: FEEDBACK };

// The decision log: every decision written behind with its id, partitioned by day, loss counted.
describe.each(databaseTargets())("decision log on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const route = (s: TestService, json: unknown, headers: Record<string, string> = {}) => call(s.app, "POST", "/route", { token: ROUTE, json, headers });
  const logged = async (s: TestService, ids: string[]) => {
    await s.deps.decisionLog.flush();
    const rows = await database.db.select().from(decisionLog).orderBy(asc(decisionLog.at));
    return ids.map((id) => rows.find((r) => r.decisionId === id));
  };

  it("writes every decision, cached or not, with the id the caller got, its verdict, key, caller, session and tags; no text by default", async () => {
    const a = await route(service, { query: "What is the capital city of Portugal?", sessionId: "sess-1", tags: ["checkout", "eu"] });
    const b = await route(service, { query: "What is the capital city of Portugal?" }, { "x-session-id": "sess-2" });
    const c = await route(service, { query: "Prove that the square root of two is irrational and generalise to any non-square integer" });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(b.body.cached).toBe(true);
    const [ra, rb, rc] = await logged(service, [a.body.decisionId, b.body.decisionId, c.body.decisionId]);
    for (const [row, d] of [
      [ra, a.body],
      [rb, b.body],
      [rc, c.body],
    ] as const) {
      expect(row).toMatchObject({
        decisionId: d.decisionId,
        tier: d.tier,
        reason: d.reason,
        revision: d.revision,
        cached: d.cached,
        caller: "checkout",
        queryText: null,
        shadowOf: null,
      });
      expect(row!.margin).toBeCloseTo(d.margin, 5);
      expect(row!.confidence).toBeCloseTo(d.confidence, 5);
      expect(row!.embeddingKey).toMatch(/^[0-9a-f]{64}$/);
      expect(row!.at.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect(ra).toMatchObject({ sessionId: "sess-1", tags: ["checkout", "eu"], textHash: textHash("What is the capital city of Portugal?") });
    expect(rb).toMatchObject({ sessionId: "sess-2", tags: null, embeddingKey: ra!.embeddingKey });
    // The nearest similarity comes from the search: a cache replay carries none.
    expect(ra!.nearestSimilarity).toBeGreaterThan(0.3);
    expect(rb!.nearestSimilarity).toBeNull();
    expect(service.deps.decisionLogWriter!.recorded).toBeGreaterThanOrEqual(3);
    // The response is unchanged by the log: no internal fields leak.
    expect(Object.keys(a.body)).not.toContain("nearest");
  });

  it("keeps the query text only with decisions.storeText", async () => {
    const other = await target.open();
    const s = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env, config: { decisions: { storeText: true } } });
    const d = await route(s, { query: "  Convert 10   miles to kilometres  " });
    await s.deps.decisionLog.flush();
    const [row] = await other.db.select().from(decisionLog).where(eq(decisionLog.decisionId, d.body.decisionId));
    expect(row!.queryText).toBe("Convert 10 miles to kilometres");
    await s.deps.lifecycle.stop();
    await other.close();
  });

  it("creates day partitions ahead at start and on demand, and drops those past retention with their feedback", async () => {
    const today = dayOf(new Date());
    const names = (await listPartitions(database.db)).map((p) => p.name);
    for (const d of [-1, 0, 1, 2]) expect(names).toContain(partitionName(addDays(today, d)));

    // A decision 40 days old (retention is 30): its day is created on demand, and it takes feedback.
    const old = addDays(new Date(), -40);
    const id = "00000000-0000-4000-8000-000000000040";
    await new DecisionLogStore(database).write([
      {
        decisionId: id,
        at: old,
        tier: "fast",
        reason: "knn",
        confidence: 1,
        margin: 1,
        revision: 1,
        cached: false,
        shadowOf: null,
        shadowReason: null,
        embeddingKey: null,
        textHash: textHash("old"),
        nearestSimilarity: 0.9,
        profile: "default",
        constrainedBy: null,
        caller: "anonymous",
        sessionId: null,
        tags: null,
        queryText: null,
      },
    ]);
    expect((await listPartitions(database.db)).map((p) => p.name)).toContain(partitionName(dayOf(old)));
    const fb = await call(service.app, "POST", `/decisions/${id}/feedback`, { token: FEEDBACK, json: { verdict: "too_weak", query: "old" } });
    expect(fb.status).toBe(201);
    expect(fb.body.reviewId).toEqual(expect.any(Number));

    const { created, dropped, cutoff } = await service.deps.decisionLog.maintain();
    expect(created).toEqual([]);
    expect(dropped).toEqual([partitionName(dayOf(old))]);
    expect(cutoff.getTime()).toBe(addDays(today, -29).getTime());
    await service.deps.housekeeping.maintainDecisionLog(); // the housekeeping pass: also purges the feedback of those days
    expect(await database.db.select().from(decisionLog).where(eq(decisionLog.decisionId, id))).toEqual([]);
    expect(await database.db.select().from(decisionFeedback).where(eq(decisionFeedback.decisionId, id))).toEqual([]);
    expect(await database.db.select().from(reviewItems).where(eq(reviewItems.decisionId, id))).toEqual([]);
    // Today's decisions are untouched, and so are the partitions ahead.
    expect((await database.db.select().from(decisionLog)).length).toBeGreaterThanOrEqual(3);

    // A week on, housekeeping makes the new days ahead.
    const later = addDays(today, 7);
    const ahead = await service.deps.decisionLog.maintain(later);
    expect(ahead.created).toEqual(expect.arrayContaining([partitionName(addDays(later, 1)), partitionName(addDays(later, 2))]));
  });

  it("writes with COPY; odd text survives it, and a retried flush writes nothing twice", async () => {
    const store = new DecisionLogStore(database);
    const at = new Date();
    const rows = ["a", "b"].map((n) => ({
      decisionId: `00000000-0000-4000-8000-00000000000${n === "a" ? 1 : 2}`,
      at,
      tier: "standard",
      reason: "knn",
      confidence: 0.5,
      margin: 0.25,
      revision: 1,
      cached: false,
      shadowOf: null,
      shadowReason: null,
      embeddingKey: null,
      textHash: textHash(n),
      nearestSimilarity: 0.123456,
      profile: "default",
      constrainedBy: null,
      caller: "anonymous",
      sessionId: n === "a" ? "" : null,
      tags: n === "a" ? ['with "quotes"', "comma, and \\ backslash", "{braces}"] : null,
      queryText: n === "a" ? 'Line one, "quoted"\nline two; DROP TABLE x; -- \\N' : null,
    }));
    await store.write(rows);
    await store.write(rows); // the same flush again: every row is there already
    const back = await database.db
      .select()
      .from(decisionLog)
      .where(eq(decisionLog.textHash, textHash("a")));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ tags: rows[0]!.tags, queryText: rows[0]!.queryText, sessionId: "", nearestSimilarity: expect.closeTo(0.123456, 5) });
    expect(
      (
        await database.db
          .select()
          .from(decisionLog)
          .where(eq(decisionLog.textHash, textHash("b")))
      )[0],
    ).toMatchObject({ tags: null, queryText: null, sessionId: null });
  });

  it("while the database is away the buffer is bounded and every lost decision is counted, in /metrics too", async () => {
    const scratch = await target.open();
    const s = await startTestService({ database: scratch, encoder, exemplars: sampleExemplars, env, config: { decisions: { queueLimit: 2, flushIntervalMs: 60_000 } } });
    const writer = s.deps.decisionLogWriter!;
    await scratch.close();
    const ids: string[] = [];
    for (const q of [
      "What is the capital city of Norway?",
      "What is the capital city of Norway?",
      "Design a consensus protocol for a partitioned satellite network and prove its safety",
    ]) {
      ids.push((await route(s, { query: q })).body.decisionId);
    }
    await writer.flush();
    expect(writer.failedFlushes).toBeGreaterThanOrEqual(1);
    expect(writer.recorded).toBe(3);
    expect(writer.dropped).toBe(1); // the oldest decision, one of three
    expect(writer.dropped + writer.pendingCount).toBe(writer.recorded);
    expect(writer.peek(ids[0]!)).toBeUndefined();
    expect(writer.peek(ids[2]!)?.decisionId).toBe(ids[2]);
    const text = (await call(s.app, "GET", "/metrics")).body as string;
    expect(metric(text, "tierline_decision_log_dropped_total")).toBe(1);
    expect(metric(text, "tierline_database_errors_total", { operation: "decision_log_flush" })).toBeGreaterThanOrEqual(1);
    // Shutdown cannot write the rest: they are counted as lost, never silently.
    await s.deps.lifecycle.stop();
    expect(writer.dropped).toBe(3);
  });

  it("with decisions.enabled false nothing is logged and feedback finds nothing", async () => {
    const other = await target.open();
    const s = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env, config: { decisions: { enabled: false } } });
    const d = await route(s, { query: "What is the capital city of Chile?" });
    expect(d.status).toBe(200);
    expect(s.deps.decisionLogWriter).toBeNull();
    expect(await other.db.select().from(decisionLog)).toEqual([]);
    const fb = await call(s.app, "POST", `/decisions/${d.body.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } });
    expect(fb.status).toBe(404);
    expect(fb.body.error.message).toMatch(/decision log is disabled/);
    await s.deps.lifecycle.stop();
    await other.close();
  });
});
