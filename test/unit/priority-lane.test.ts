import { describe, expect, it } from "vitest";
import { BatchingEncoder } from "../../src/adapters/embeddings/batching-encoder.js";
import { PriorityEncoder } from "../../src/adapters/embeddings/priority-encoder.js";
import { MIN_TEXT_CHARS, sliceByWork } from "../../src/adapters/embeddings/slices.js";
import { BatchLaneFullError, DrainEstimate } from "../../src/adapters/embeddings/work-estimate.js";
import { createGatedEncoder } from "../helpers/gated-encoder.js";

const texts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const settle = <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );

describe("PriorityEncoder: interactive queries before batch items", () => {
  it("cuts a batch into slices and runs a query that arrives meanwhile before the next slice", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 4, batchSliceChars: 2 * MIN_TEXT_CHARS });
    const batch = lane.embed(texts("b", 6), { priority: "batch" });
    const query = lane.embed(["q"]);
    await model.releaseAll();
    const [vectors] = await Promise.all([batch, query]);
    expect(vectors).toHaveLength(6);
    expect(model.calls).toEqual([["b1", "b2"], ["q"], ["b3", "b4"], ["b5", "b6"]]);
  });

  it("serves batch slices before bulk slices, and neither starves under saturating traffic", async () => {
    const model = createGatedEncoder();
    const lane = new PriorityEncoder(model, { bulkSlice: 1, batchSliceChars: MIN_TEXT_CHARS, every: 2 });
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
    const lane = new PriorityEncoder(model, { bulkSlice: 4, batchSliceChars: 2 * MIN_TEXT_CHARS });
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
    expect(model.calls).toEqual([
      ["b1", "b2"],
      ["x1", "x2"],
    ]);
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
    const batching = new BatchingEncoder(new PriorityEncoder(model, { bulkSlice: 4, batchSliceChars: 2 * MIN_TEXT_CHARS }), { maxBatch: 8, maxWaitMs: 0 });
    const batch = batching.embed(texts("b", 3), { priority: "batch" });
    await model.releaseAll();
    await batch;
    expect(model.calls).toEqual([["b1", "b2"], ["b3"]]);
  });
});

describe("PriorityEncoder: a bounded batch lane", () => {
  // The fake model takes exactly 10 ms of its own clock per text.
  const bounded = (maxBatchQueueMs: number) => {
    const model = createGatedEncoder({ msPerText: 10 });
    return { model, lane: new PriorityEncoder(model, { bulkSlice: 4, batchSliceChars: 4 * MIN_TEXT_CHARS, maxBatchQueueMs, now: model.clock }) };
  };

  it("takes a batch when none waits, however large, and before a first slice has shown the pace lets only 32 texts wait", async () => {
    const { model, lane } = bounded(100);
    const huge = lane.embed(texts("h", 40), { priority: "batch" }); // 400 ms of work, more than the bound: nothing waits, so taken
    await model.passStarted(); // h1-h4 run, 36 texts wait
    const refused = await settle(lane.embed(["r"], { priority: "batch" }));
    expect((refused as { e: unknown }).e).toBeInstanceOf(BatchLaneFullError);
    expect((refused as { e: BatchLaneFullError }).e.retryAfterSeconds).toBe(1);
    await model.releaseAll();
    expect(await huge).toHaveLength(40);
    expect(model.calls.flat()).not.toContain("r");
  });

  it("takes small batches side by side before the pace is known, up to 32 texts waiting", async () => {
    const { model, lane } = bounded(100);
    const a = lane.embed(texts("a", 8), { priority: "batch" });
    await model.passStarted(); // a1-a4 run, 4 texts wait
    expect(() => lane.admitBatch(28)).not.toThrow();
    expect(() => lane.admitBatch(29)).toThrow(BatchLaneFullError);
    await model.releaseAll();
    await a;
  });

  it("refuses a batch that would wait behind more than maxBatchQueueMs at the measured pace, takes one that fits, never refuses a query", async () => {
    const { model, lane } = bounded(100);
    const a = lane.embed(texts("a", 12), { priority: "batch" });
    await model.release(); // a1-a4 done: 10 ms a text; a5-a8 run, 4 texts (40 ms) wait
    expect(() => lane.admitBatch(6)).not.toThrow(); // 40 + 60 ms
    expect(() => lane.admitBatch(7)).toThrow(BatchLaneFullError); // 40 + 70 ms
    const query = lane.embed(["q"]);
    await model.releaseAll();
    await Promise.all([a, query]);
    expect(lane.stats()).toMatchObject({ refused: 1, queued: { interactive: 0, batch: 0, bulk: 0 } });
  });

  it("counts the single queries served between batch slices in the lane's pace, and starts afresh after a cancelled backlog", async () => {
    const { model, lane } = bounded(100);
    const controller = new AbortController();
    const a = settle(lane.embed(texts("a", 8), { priority: "batch", signal: controller.signal }));
    await model.passStarted(); // a1-a4 run (0 -> 40 ms)
    const q1 = lane.embed(["q1"]);
    await model.release(); // pace 10 ms a text; q1 runs ahead of a5-a8 (40 -> 50 ms)
    controller.abort(new Error("deadline passed")); // a5-a8 dropped: nothing waits
    await model.release();
    await Promise.all([a, q1]);
    const b = lane.embed(texts("b", 8), { priority: "batch" }); // b1-b4 run 50 -> 90 ms
    const q2 = lane.embed(["q2"]);
    await model.release(); // pace from b1-b4's own start (10), not from a1-a4's end (12.5); q2 runs (90 -> 100)
    await model.release(); // b5-b8 run 100 -> 140 ms: pace 0.7 x 10 + 0.3 x (140 - 90) / 4 = 10.75 ms a text
    await model.releaseAll();
    await Promise.all([b, q2]);
    const c = lane.embed(texts("c", 8), { priority: "batch" });
    await model.passStarted(); // c1-c4 run, 4 texts wait: 43 ms at 10.75
    expect(() => lane.admitBatch(5)).not.toThrow(); // 43 + 53.75 ms
    expect(() => lane.admitBatch(6)).toThrow(BatchLaneFullError); // 43 + 64.5 ms
    await model.releaseAll();
    await c;
  });

  it("says in Retry-After about when the batch work already waiting is done", () => {
    expect(new BatchLaneFullError(7_200, 8_000).retryAfterSeconds).toBe(8);
    expect(new BatchLaneFullError(300, 8_000).retryAfterSeconds).toBe(1);
    expect(new BatchLaneFullError(Infinity, 8_000).retryAfterSeconds).toBe(1);
  });
});

describe("sliceByWork", () => {
  it("cuts a batch into passes of about equal work: a few long texts or many short ones, at least one text each", () => {
    const long = "x".repeat(3000); // counted as the 2,048 characters the model reads
    const short = "y".repeat(100);
    expect(sliceByWork([long, long, long, long, long], 4096, 2048).map((s) => s.length)).toEqual([2, 2, 1]);
    expect(sliceByWork(Array(100).fill(short), 4096, 2048).map((s) => s.length)).toEqual([40, 40, 20]);
    expect(sliceByWork(["a", "b", "c"], 2 * MIN_TEXT_CHARS, 2048).map((s) => s.length)).toEqual([2, 1]); // a short text costs MIN_TEXT_CHARS
    expect(sliceByWork([long], 100, 2048)).toEqual([[long]]);
  });
});

describe("DrainEstimate", () => {
  it("follows the pace of the slices, each counted from the end of the one before while work waited", () => {
    let now = 0;
    const estimate = new DrainEstimate(() => now);
    expect(estimate.measured).toBe(false);
    expect(estimate.msFor(10)).toBe(Infinity);
    for (let i = 0; i < 30; i++) {
      const started = estimate.start();
      now += 16 * 2; // 2 ms a text
      estimate.record(started, 16, true);
    }
    expect(estimate.msFor(10)).toBeCloseTo(20, 0);
    now += 100 * 16; // a long wait between two backlogged slices: 100 ms a text
    estimate.record(now - 32, 16, false);
    expect(estimate.msFor(1)).toBeCloseTo(0.7 * 2 + 0.3 * 100, 5);
  });
});
