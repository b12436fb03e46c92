/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { createGatedEncoder } from "../helpers/gated-encoder.js";
import { sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

// Issue 20, fault 2, through app.request(): single queries before batch items, a bounded batch lane that
// refuses with 503 overloaded and Retry-After, and work that ends with its request (deadline or client gone).
// The model is gated: each forward pass waits until the test releases it, so no assertion depends on timing.
// Slices of 128 characters: two of the short queries below (each counted as 64).
describe.each(databaseTargets())("batch work on the model ($name)", (target) => {
  let database: DatabaseHandle | undefined;
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
  });

  async function start(config: Record<string, unknown>) {
    const model = createGatedEncoder({ open: true, msPerText: 10 });
    database = await target.open();
    service = await startTestService({ database, encoder: model, exemplars: sampleExemplars, config });
    model.hold();
    return { model, s: service };
  }
  const queries = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ query: `${tag} question number ${i + 1} about tidal power` }));
  const batch = (s: TestService, body: unknown, init: RequestInit = {}) =>
    Promise.resolve(s.app.request("/route/batch", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...init }));
  const metric = async (s: TestService, name: string) => {
    const text = await (await s.app.request("/metrics")).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  };
  const seen = (model: { calls: string[][] }, tag: string) => model.calls.flat().filter((t) => t.startsWith(tag)).length;
  const queued = async (s: TestService, lane: string) =>
    (await s.deps.metrics.registry.getSingleMetric("tierline_embedding_queued_texts")!.get()).values.find((v) => v.labels.lane === lane)?.value ?? 0;
  /** Turns of the event loop (not time) until the condition holds: a request reaches the model's queue after several. */
  async function until(check: () => Promise<boolean>) {
    for (let turn = 0; turn < 10_000; turn++) {
      if (await check()) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error("the condition never held");
  }

  it("routes a single query before the batch items queued ahead of it, and refuses a batch the full lane cannot take", async () => {
    // A bound of 0: while any batch work waits, the next batch is refused (real time is not the test's to fix).
    const { model, s } = await start({ embedding: { batchSliceChars: 128, maxBatchQueueMs: 0 } });
    const first = batch(s, { queries: queries("alpha", 12) });
    await model.passStarted(); // alpha 1-2 run; 10 texts wait
    const refused = await batch(s, { queries: queries("beta", 1) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    const body: any = await refused.json();
    expect(body.error).toMatchObject({ code: "overloaded", requestId: expect.any(String) });
    expect(body.error.message).toMatch(/batch lane is full/);
    // Refused before its body is parsed: even a malformed one is told to come back, not read.
    const unread = await s.app.request("/route/batch", { method: "POST", headers: { "content-type": "application/json" }, body: '{"queries": [' });
    expect([unread.status, ((await unread.json()) as any).error.code]).toEqual([503, "overloaded"]);

    const single = s.route({ query: "What is the capital of Germany today?" });
    await until(async () => (await queued(s, "interactive")) === 1);
    await model.release(); // alpha 1-2 done: the single query goes next, ahead of alpha 3-12
    expect(model.calls.at(-1)).toEqual(["What is the capital of Germany today?"]);
    await model.releaseAll();
    expect((await single).status).toBe(200);
    const answered: any = await (await first).json();
    expect(answered.results.map((r: any) => typeof r.tier)).toEqual(Array(12).fill("string"));
    expect(seen(model, "beta")).toBe(0);
    expect(await metric(s, "tierline_batches_refused_total")).toBe(2);
  });

  it("drops the queued work of a batch whose deadline answered 503, and records no decision for it", async () => {
    const { model, s } = await start({ embedding: { batchSliceChars: 128, maxBatchQueueMs: 100 }, http: { requestTimeoutMs: 200 } });
    const decisionsBefore = await metric(s, "tierline_decisions_total");
    const late = batch(s, { queries: queries("gamma", 6) });
    await model.passStarted(); // gamma 1-2 hold the model past the deadline
    const res = await late;
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.code).toBe("deadline_exceeded");
    await model.releaseAll();
    expect(seen(model, "gamma")).toBe(2);
    expect(await metric(s, "tierline_embedding_cancelled_texts_total")).toBe(4);
    expect(await metric(s, "tierline_decisions_total")).toBe(decisionsBefore);
  });

  it("drops a single query whose deadline passed while it waited behind a batch slice", async () => {
    const { model, s } = await start({ embedding: { batchSliceChars: 128, maxBatchQueueMs: 100 }, http: { requestTimeoutMs: 200 } });
    const held = batch(s, { queries: queries("delta", 2) });
    await model.passStarted();
    const res = await s.route({ query: "epsilon: how long does a kettle take to boil?" });
    expect(res.status).toBe(503);
    await model.releaseAll();
    await held;
    expect(seen(model, "epsilon")).toBe(0);
  });

  it("drops the queued work of a batch whose client went away", async () => {
    const { model, s } = await start({ embedding: { batchSliceChars: 128, maxBatchQueueMs: 100 } });
    const client = new AbortController();
    const gone = batch(s, { queries: queries("zeta", 6) }, { signal: client.signal });
    await model.passStarted();
    client.abort();
    await gone.catch(() => undefined);
    await model.releaseAll();
    expect(seen(model, "zeta")).toBe(2);
    expect(await metric(s, "tierline_embedding_cancelled_texts_total")).toBe(4);
  });
});
