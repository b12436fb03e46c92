import { describe, expect, it } from "vitest";
import { BatchingEncoder } from "../../src/embeddings/batching-encoder.js";
import { PriorityEncoder } from "../../src/embeddings/priority-encoder.js";
import { BatchLaneFullError, WorkEstimate } from "../../src/embeddings/work-estimate.js";
import { createGatedEncoder } from "../helpers/gated-encoder.js";

const texts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));

describe("PriorityEncoder: interactive queries before batch items", () => {
  it("cuts a batch into slices and runs a query that arrives meanwhile before the next slice", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 4, batchSlice: 2 });
    const batch = lane.embed(texts("b", 6), { priority: "batch" });
    const query = lane.embed(["q"]);
    await model.releaseAll();
    const [vectors] = await Promise.all([batch, query]);
    expect(vectors).toHaveLength(6);
    expect(model.calls).toEqual([["b1", "b2"], ["q"], ["b3", "b4"], ["b5", "b6"]]);
  });

  it("serves batch slices before bulk slices, and neither starves under saturating traffic", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 1, batchSlice: 1, every: 2 });
    const first = lane.embed(["q0"]); // holds the model while the rest queue
    const bulk = lane.embed(["u1", "u2"], { priority: "bulk" });
    const batch = lane.embed(["b1", "b2"], { priority: "batch" });
    const queries = texts("q", 6).map((t) => lane.embed([t]));
    await model.releaseAll();
    await Promise.all([first, bulk, batch, ...queries]);
    // A lower lane gets a slice after every `every` jobs of the lanes above it.
    expect(model.calls.flat()).toEqual(["q0", "q1", "b1", "u1", "q2", "q3", "b2", "u2", "q4", "q5", "q6"]);
  });
});

describe("PriorityEncoder: work ends with its request", () => {
  it("drops the queued slices of a call whose signal aborts: the model never sees them and the call rejects with the reason", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 4, batchSlice: 2 });
    const controller = new AbortController();
    const batch = settle(lane.embed(texts("b", 6), { priority: "batch", signal: controller.signal }));
    const other = lane.embed(["x1", "x2"], { priority: "batch" });
    await model.passStarted(); // the first slice is running now
    const reason = new Error("deadline passed");
    controller.abort(reason);
    expect(lane.stats().queued.batch).toBe(2); // only the other call's texts wait
    await model.releaseAll();
    expect(await batch).toEqual({ ok: false, e: reason });
    expect(await other).toHaveLength(2);
    expect(model.calls).toEqual([["b1", "b2"], ["x1", "x2"]]);
    expect(lane.stats().cancelled).toBe(4);
  });

  it("refuses at once, queueing nothing, a call whose signal has already aborted", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 4 });
    const reason = new Error("client gone");
    await expect(lane.embed(["q"], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(model.calls).toEqual([]);
  });

  it("drops a query still waiting for company in the micro-batcher", async () => {
    const model = createGatedEncoder();
    const batching = new BatchingEncoder(new PriorityEncoder(model, { bulkSlice: 4 }), { maxBatch: 8, maxWaitMs: 0 });
    const first = batching.embed(["x"]); // its pass holds the model; the next texts queue in the batcher
    await model.passStarted();
    const controller = new AbortController();
    const gone = settle(batching.embed(["a"], { signal: controller.signal }));
    const kept = batching.embed(["b"]);
    controller.abort(new Error("deadline passed"));
    await model.releaseAll();
    await Promise.all([first, kept]);
    expect((await gone).ok).toBe(false);
    expect(model.calls).toEqual([["x"], ["b"]]);
  });

  it("sends batch calls past the micro-batcher, to be sliced in the lane", async () => {
    const model = createGatedEncoder();
    const batching = new BatchingEncoder(new PriorityEncoder(model, { bulkSlice: 4, batchSlice: 2 }), { maxBatch: 8, maxWaitMs: 0 });
    const batch = batching.embed(texts("b", 3), { priority: "batch" });
    await model.releaseAll();
    await batch;
    expect(model.calls).toEqual([["b1", "b2"], ["b3"]]);
  });
});

describe("PriorityEncoder: a bounded batch lane", () => {
  it("refuses a batch that would queue more than maxBatchQueueMs of work, takes one that fits, and always takes one when none waits", async () => {
    // The estimate starts at 10 ms a text; the fake model takes exactly that.
    const model = createGatedEncoder({ msPerText: 10 });
    const lane = new PriorityEncoder(model, { bulkSlice: 4, batchSlice: 4, maxBatchQueueMs: 100, now: model.clock });
    const huge = lane.embed(texts("h", 20), { priority: "batch" }); // 200 ms of work: taken, nothing waits
    await model.passStarted();
    // 16 texts wait (160 ms): a 1-text batch no longer fits.
    const refused = await settle(lane.embed(["r"], { priority: "batch" }));
    expect(refused.ok).toBe(false);
    expect((refused as { e: unknown }).e).toBeInstanceOf(BatchLaneFullError);
    expect((refused as { e: BatchLaneFullError }).e.retryAfterSeconds).toBe(1);
    expect(() => lane.admitBatch(1)).toThrow(BatchLaneFullError);
    // Interactive queries are never refused.
    const query = lane.embed(["q"]);
    await model.release(); // h1-h4 done, q runs
    await model.release(); // q done, h5-h8 run
    await model.release(); // h5-h8 done, h9-h12 run: 8 texts (80 ms) wait
    expect(() => lane.admitBatch(2)).not.toThrow();
    expect(() => lane.admitBatch(3)).toThrow(BatchLaneFullError);
    await model.releaseAll();
    await Promise.all([huge, query]);
    expect(lane.stats()).toMatchObject({ refused: 3, queued: { interactive: 0, batch: 0, bulk: 0 } });
    expect(model.calls.flat()).not.toContain("r");
  });

  it("says in Retry-After about when the batch work already waiting is done", () => {
    expect(new BatchLaneFullError(7_200, 8_000).retryAfterSeconds).toBe(8);
    expect(new BatchLaneFullError(300, 8_000).retryAfterSeconds).toBe(1);
  });
});

describe("WorkEstimate", () => {
  it("follows the measured time per text of the slices", () => {
    let now = 0;
    const estimate = new WorkEstimate(() => now);
    expect(estimate.msFor(10)).toBe(100); // the prior: 10 ms a text
    for (let i = 0; i < 30; i++) {
      const started = estimate.start();
      now += 16 * 2; // 2 ms a text
      estimate.record(started, 16);
    }
    expect(estimate.msFor(10)).toBeCloseTo(20, 0);
  });
});
