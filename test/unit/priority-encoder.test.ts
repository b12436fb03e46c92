import { describe, expect, it } from "vitest";
import { PriorityEncoder } from "../../src/adapters/embeddings/priority-encoder.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";

describe("PriorityEncoder", () => {
  it("runs one forward pass at a time, slices bulk work, and lets an interactive query jump the bulk queue", async () => {
    const fake = createFakeEncoder({ dimensions: 8 });
    const calls: string[][] = [];
    const inner = { ...fake, embed: async (texts: readonly string[]) => (calls.push([...texts]), fake.embed(texts)) };
    const lane = new PriorityEncoder(inner, { bulkSlice: 2 });
    const bulk = lane.embed(["b1", "b2", "b3", "b4", "b5", "b6"], { priority: "bulk" });
    const query = lane.embed(["q"]);
    const [bulkVectors, [queryVector]] = await Promise.all([bulk, query]);
    expect(bulkVectors).toHaveLength(6);
    expect(queryVector).toHaveLength(8);
    expect(calls[0]).toEqual(["b1", "b2"]); // already running when the query arrived
    expect(calls[1]).toEqual(["q"]); // next, ahead of the rest of the bulk work
    expect(calls.slice(2)).toEqual([
      ["b3", "b4"],
      ["b5", "b6"],
    ]);
  });
});

describe("PriorityEncoder under saturating traffic", () => {
  it("runs a bulk slice after every few interactive jobs, so curation is slowed but never starved", async () => {
    const fake = createFakeEncoder({ dimensions: 8 });
    const calls: string[] = [];
    const inner = { ...fake, embed: async (texts: readonly string[]) => (calls.push(texts[0]!), fake.embed(texts)) };
    const lane = new PriorityEncoder(inner, { bulkSlice: 1, every: 3 });
    const first = lane.embed(["q0"]); // the lane is busy with it while the rest queue
    const bulk = lane.embed(["b1", "b2"], { priority: "bulk" });
    const queries = Array.from({ length: 7 }, (_, i) => lane.embed([`q${i + 1}`]));
    await Promise.all([first, bulk, ...queries]);
    expect(calls).toEqual(["q0", "q1", "q2", "b1", "q3", "q4", "q5", "b2", "q6", "q7"]);
  });
});
