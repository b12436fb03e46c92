/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddingCacheKey } from "../../src/stores/cache/cache-key.js";
import { decisionCacheScope } from "../../src/routing/settings-fingerprint.js";
import { normalizeQuery } from "../../src/base/text/normalize.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { decisionCache, exemplars, exemplarVectors } from "../../src/adapters/db/schema.js";
import { withEmbed, type Encoder } from "../../src/adapters/embeddings/encoder.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, startTestService, defaultTestEncoder } from "../helpers/runtime.js";

/** Counts the exemplar texts the real model is asked to embed. */
function countingEncoder(inner: Encoder): Encoder & { texts: number } {
  const counter = { texts: 0 };
  const wrapped = withEmbed(inner, (texts) => {
    counter.texts += texts.filter((t) => exemplarTexts.has(t)).length;
    return inner.embed(texts);
  });
  return Object.defineProperty(wrapped, "texts", { get: () => counter.texts }) as Encoder & { texts: number };
}

const exemplarTexts = new Set(sampleExemplars.map((e) => e.text));

describe.each(databaseTargets())("decision cache and seeding on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;

  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => {
    await database.close();
  });

  it("seeds the shipped exemplars once, stores their vectors, and never reseeds", async () => {
    const first = countingEncoder(encoder);
    const a = await startTestService({ database, encoder: first, exemplars: sampleExemplars });
    expect(first.texts).toBe(sampleExemplars.length);
    const [{ count: vectors }] = (await database.db.select({ count: sql<number>`count(*)::int` }).from(exemplarVectors)) as [{ count: number }];
    expect(vectors).toBe(sampleExemplars.length);
    await a.deps.lifecycle.stop();

    // A curator's deletion must survive a restart: the shipped set is not seeded again.
    await database.db.delete(exemplars).where(eq(exemplars.text, sampleExemplars[0]!.text));
    const second = countingEncoder(encoder);
    const b = await startTestService({ database, encoder: second, exemplars: sampleExemplars });
    expect(second.texts).toBe(0); // warm start: every vector came from the database
    expect(b.deps.index.get()!.size).toBe(sampleExemplars.length - 1);
    await b.deps.lifecycle.stop();
  });

  it("counts hits in the table, keyed by the embedding hash with model and revision", async () => {
    const service = await startTestService({ database, encoder, exemplars: sampleExemplars });
    const query = "Who wrote the novel Pride and Prejudice?";
    const first: any = await (await service.route({ query })).json();
    const second: any = await (await service.route({ query: `  ${query}` })).json();
    const third: any = await (await service.route({ query })).json();
    expect([first.cached, second.cached, third.cached]).toEqual([false, true, true]);
    await service.deps.cacheWriter!.flush();

    const [vector] = await encoder.embed([normalizeQuery(query)]);
    // Keyed and stored under the model id and the routing settings' fingerprint.
    const scope = decisionCacheScope(encoder.modelId, service.config);
    expect(scope.startsWith(`${encoder.modelId}|routing-`)).toBe(true);
    const key = embeddingCacheKey(scope, vector!);
    const rows = await database.db.select().from(decisionCache).where(eq(decisionCache.key, key));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ modelId: scope, revision: 1, tier: first.tier, reason: first.reason, hits: 2, queryText: null });
    expect(rows[0]!.confidence).toBeCloseTo(first.confidence, 5);
    expect(rows[0]!.lastSeen.getTime()).toBeGreaterThanOrEqual(rows[0]!.firstSeen.getTime());
    await service.deps.lifecycle.stop();
  });

  it("gives the same key to a text embedded alone or inside a batch", async () => {
    const texts = ["What time zone is Tokyo in?", "Summarise this contract clause for a layperson", "Design a CRDT for collaborative spreadsheets"];
    const batch = await encoder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await encoder.embed([text]);
      expect(embeddingCacheKey(encoder.modelId, alone!)).toBe(embeddingCacheKey(encoder.modelId, batch[i]!));
    }
  });

  it("serves persisted decisions after a restart, but never from another revision", async () => {
    const a = await startTestService({ database, encoder, exemplars: sampleExemplars });
    await a.route({ query: "How many legs does a spider have?" });
    await a.route({ query: "What is the boiling point of water in Fahrenheit?" });
    await a.deps.lifecycle.stop(); // graceful stop flushes the write-behind queue

    const [v] = await encoder.embed(["What is the boiling point of water in Fahrenheit?"]);
    await database.db
      .update(decisionCache)
      .set({ revision: 0 })
      .where(eq(decisionCache.key, embeddingCacheKey(decisionCacheScope(encoder.modelId, a.config), v!)));

    const b = await startTestService({ database, encoder, exemplars: sampleExemplars });
    expect((await (await b.route({ query: "How many legs does a spider have?" })).json()) as any).toMatchObject({ cached: true });
    expect((await (await b.route({ query: "What is the boiling point of water in Fahrenheit?" })).json()) as any).toMatchObject({
      cached: false,
      revision: 1,
    });
    await b.deps.lifecycle.stop();
  });

  it("never serves a decision remembered under other routing settings (a recalibration starts afresh)", async () => {
    const query = "Name the largest planet in the solar system";
    const a = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { routing: { margin: 0.17 } } });
    await a.route({ query });
    await a.deps.lifecycle.stop();
    const same = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { routing: { margin: 0.17 } } });
    expect(((await (await same.route({ query })).json()) as any).cached).toBe(true);
    await same.deps.lifecycle.stop();
    const recalibrated = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { routing: { margin: 0.3 } } });
    expect(((await (await recalibrated.route({ query })).json()) as any).cached).toBe(false);
    await recalibrated.deps.lifecycle.stop();
  });

  it("keeps routing when the database goes away, reports degraded, and loses no cache write silently", async () => {
    const scratch = await target.open();
    const service = await startTestService({ database: scratch, encoder, exemplars: sampleExemplars });
    await scratch.close();

    const res = await service.route({ query: "What is the capital city of Portugal?" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).tier).toBe("fast");
    const ready = await service.app.request("/readyz");
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as any;
    expect(report).toMatchObject({ status: "degraded", checks: { database: { reachable: false } } });
    expect(report.checks.database).not.toHaveProperty("error"); // the driver's error text stays in the log

    const writer = service.deps.cacheWriter!;
    await writer.flush();
    expect(writer.failedFlushes).toBeGreaterThanOrEqual(1);
    expect(writer.pendingCount).toBe(1); // kept for the next attempt, not dropped
  });
});
