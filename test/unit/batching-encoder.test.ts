import { describe, expect, it } from "vitest";
import { BatchingEncoder } from "../../src/adapters/embeddings/batching-encoder.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";

/** Records each forward pass; vector[0] encodes the text's length so results can be matched. */
function recordingEncoder(options: { failOn?: string; delayMs?: number } = {}): Encoder & { calls: string[][] } {
  const enc = {
    modelId: "rec",
    dimensions: 2,
    maxInputChars: 100,
    calls: [] as string[][],
    async load() {},
    async embed(texts: readonly string[]) {
      enc.calls.push([...texts]);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 5));
      if (options.failOn && texts.includes(options.failOn)) throw new Error(`cannot embed ${options.failOn}`);
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
  };
  return enc;
}

describe("BatchingEncoder", () => {
  it("puts concurrent single-text calls into one forward pass and returns each caller its own vector", async () => {
    const inner = recordingEncoder();
    const enc = new BatchingEncoder(inner, { maxBatch: 32, maxWaitMs: 1 });
    const texts = ["a", "bb", "ccc", "dddd", "eeeee"];
    const out = await Promise.all(texts.map((t) => enc.embed([t])));
    expect(inner.calls).toEqual([texts]);
    expect(out.map(([v]) => v![0])).toEqual([1, 2, 3, 4, 5]);
  });

  it("queues texts that arrive while a batch runs into the next batch, never above maxBatch", async () => {
    const inner = recordingEncoder({ delayMs: 20 });
    const enc = new BatchingEncoder(inner, { maxBatch: 3, maxWaitMs: 0 });
    const first = enc.embed(["x"]);
    await new Promise((r) => setTimeout(r, 5)); // the first batch is running now
    const rest = Promise.all(["a", "b", "c", "d"].map((t) => enc.embed([t])));
    await Promise.all([first, rest]);
    expect(inner.calls).toEqual([["x"], ["a", "b", "c"], ["d"]]);
  });

  it("with maxWaitMs 0, runs a lone text on an idle model at once; those arriving meanwhile go together next", async () => {
    const inner = recordingEncoder({ delayMs: 10 });
    const enc = new BatchingEncoder(inner, { maxBatch: 8, maxWaitMs: 0 });
    const first = enc.embed(["x"]);
    // No turn of the event loop has passed: the forward pass has started already.
    expect(inner.calls).toEqual([["x"]]);
    const rest = Promise.all(["a", "b", "c"].map((t) => enc.embed([t])));
    await Promise.all([first, rest]);
    expect(inner.calls).toEqual([["x"], ["a", "b", "c"]]);
  });

  it("sends bulk calls straight through", async () => {
    const inner = recordingEncoder();
    const enc = new BatchingEncoder(inner, { maxBatch: 2, maxWaitMs: 1 });
    await enc.embed(["a", "b", "c"]);
    expect(inner.calls).toEqual([["a", "b", "c"]]);
  });

  it("fails only the text the model cannot handle", async () => {
    const inner = recordingEncoder({ failOn: "bad" });
    const enc = new BatchingEncoder(inner, { maxBatch: 8, maxWaitMs: 1 });
    const results = await Promise.allSettled(["ok1", "bad", "ok2"].map((t) => enc.embed([t])));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("cannot embed bad");
  });
});
