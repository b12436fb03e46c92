import { describe, expect, it } from "vitest";
import { MemoryDecisionCache } from "../../src/stores/cache/cached-decisions.js";
import { parseConfig } from "../../src/base/config/load-config.js";
import { Router } from "../../src/routing/router.js";
import type { ComplexityRater } from "../../src/routing/steps/llm-rated.js";
import { ExemplarIndex, ExemplarIndexRef } from "../../src/adapters/vector-index/exemplar-index.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";
import { axis, createFakeEncoder } from "../helpers/fake-encoder.js";

const D = 8;
const { tiers } = parseConfig({});

/** A router whose "torn between" query always splits the vote, with the given rater behind it. */
async function routerWith(rater: ComplexityRater, timeoutMs = 100) {
  const encoder = createFakeEncoder({
    dimensions: D,
    vectors: {
      fast: axis(D, 0),
      "fast two": axis(D, 0, 3, 0.2),
      standard: axis(D, 1),
      premium: axis(D, 2),
      "torn between": axis(D, 0, 1, 1.9),
      "clearly fast": axis(D, 0, 1, 0.1),
    },
  });
  const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
  const texts = ["fast", "fast two", "standard", "premium"];
  const vectors = await encoder.embed(texts);
  texts.forEach((text, i) => index.put({ id: i + 1, tier: text.split(" ")[0]!, text }, vectors[i]!));
  const ref = new ExemplarIndexRef();
  ref.set(index);
  const cache = new MemoryDecisionCache({ modelId: encoder.modelId, memoryEntries: 100, storeText: false }, null);
  return new Router({
    encoder,
    index: ref,
    cache,
    options: { k: 3, margin: 0.2, minSimilarity: 0.5, fallbackTier: "premium", tiers },
    llmRating: { rater, timeoutMs, tierByRating: ["fast", "fast", "standard", "premium", "premium"] },
  });
}

describe("LLM-rated step", () => {
  it("rates only what the vote could not settle, picks the tier from the rating, and the cache keeps it", async () => {
    const asked: string[] = [];
    const router = await routerWith({ rate: async ({ text }) => (asked.push(text), 3) });
    expect(await router.route({ query: "clearly fast" })).toMatchObject({ tier: "fast", reason: "knn" });
    const rated = await router.route({ query: "torn between" });
    expect(rated).toMatchObject({ tier: "standard", reason: "llm_rated", cached: false });
    expect(rated.margin).toBeLessThan(0.2);
    expect(await router.route({ query: "torn between" })).toMatchObject({ tier: "standard", reason: "llm_rated", cached: true });
    expect(asked).toEqual(["torn between"]);
  });

  it("leaves the fallback in place when the rater fails, answers nothing usable, or is late (and aborts it)", async () => {
    const failing = await routerWith({ rate: async () => Promise.reject(new Error("down")) });
    expect(await failing.route({ query: "torn between" })).toMatchObject({ tier: "premium", reason: "low_margin_fallback" });
    const useless = await routerWith({ rate: async () => null });
    expect(await useless.route({ query: "torn between" })).toMatchObject({ tier: "premium", reason: "low_margin_fallback" });
    let aborted = false;
    // A rater that never answers and ignores its signal still cannot hold the decision.
    const hanging = await routerWith({
      rate: ({ signal }) => {
        signal.addEventListener("abort", () => (aborted = true));
        return new Promise<number>(() => {});
      },
    });
    expect(await hanging.route({ query: "torn between" })).toMatchObject({ tier: "premium", reason: "low_margin_fallback" });
    expect(aborted).toBe(true);
  });
});
