import { describe, expect, it } from "vitest";
import { MemoryDecisionCache } from "../../src/stores/cache/cached-decisions.js";
import { parseConfig } from "../../src/base/config/load-config.js";
import { Router } from "../../src/routing/router.js";
import { EmptyQueryError } from "../../src/routing/steps/normalize-query.js";
import { ExemplarIndex, ExemplarIndexRef } from "../../src/adapters/vector-index/exemplar-index.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";
import { axis, createFakeEncoder } from "../helpers/fake-encoder.js";

const D = 8;
const { tiers } = parseConfig({});

/** Exemplars on axes 0 (fast), 1 (standard), 2 (premium); queries are pinned vectors between them. */
async function setup(opts: { withIndex?: boolean; failOn?: string } = {}) {
  const encoder = createFakeEncoder({
    dimensions: D,
    failOn: opts.failOn,
    vectors: {
      "fast one": axis(D, 0),
      "fast two": axis(D, 0, 3, 0.2),
      "standard one": axis(D, 1),
      "premium one": axis(D, 2),
      "clearly fast": axis(D, 0, 1, 0.1),
      "torn between": axis(D, 0, 1, 1.9),
      "from nowhere": axis(D, 7),
    },
  });
  const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
  const exemplars = [
    [1, "fast", "fast one"],
    [2, "fast", "fast two"],
    [3, "standard", "standard one"],
    [4, "premium", "premium one"],
  ] as const;
  const [vectors] = [await encoder.embed(exemplars.map((e) => e[2]))];
  exemplars.forEach(([id, tier, text], i) => index.put({ id, tier, text }, vectors[i]!));
  const cache = new MemoryDecisionCache({ modelId: encoder.modelId, memoryEntries: 100, storeText: false }, null);
  const ref = new ExemplarIndexRef();
  if (opts.withIndex !== false) ref.set(index);
  const router = new Router({
    encoder,
    index: ref,
    cache,
    options: { k: 3, margin: 0.2, minSimilarity: 0.5, fallbackTier: "premium", tiers },
  });
  return { router, index, encoder };
}

describe("Router", () => {
  it("routes by the neighbors' vote and names the tier's model", async () => {
    const { router } = await setup();
    const d = await router.route({ query: "clearly fast" });
    expect(d).toMatchObject({ tier: "fast", model: tiers[0]!.model, reason: "knn", cached: false, revision: 1, truncated: false });
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.decisionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("falls back to premium on a split vote and when nothing is close", async () => {
    const { router } = await setup();
    expect(await router.route({ query: "torn between" })).toMatchObject({ tier: "premium", reason: "low_margin_fallback" });
    expect(await router.route({ query: "from nowhere" })).toMatchObject({ tier: "premium", reason: "no_close_exemplar" });
  });

  it("serves the second identical query from the cache without the model, and recomputes after a revision change", async () => {
    const { router, index, encoder } = await setup();
    const first = await router.route({ query: "clearly fast" });
    const calls = encoder.calls;
    const second = await router.route({ query: "  clearly   fast " });
    expect(second).toMatchObject({ tier: first.tier, confidence: first.confidence, cached: true });
    expect(second.decisionId).not.toBe(first.decisionId);
    expect(encoder.calls).toBe(calls); // exact repeat: no forward pass
    expect(second.timings.embedMs).toBe(0);
    index.revision = 2;
    expect(await router.route({ query: "clearly fast" })).toMatchObject({ cached: false, revision: 2 });
  });

  it("serves a different text with the same embedding from the cache after embedding it", async () => {
    const { router, encoder } = await setup();
    await router.route({ query: "fast one?" });
    const calls = encoder.calls;
    // The fake encoder ignores case and punctuation: same vector, different text.
    const d = await router.route({ query: "FAST ONE" });
    expect(encoder.calls).toBe(calls + 1);
    expect(d.cached).toBe(true);
  });

  it("explains with the neighbors and vote shares", async () => {
    const { router } = await setup();
    const d = await router.route({ query: "clearly fast", explain: true });
    expect(d.neighbors).toHaveLength(3);
    expect(d.neighbors![0]).toMatchObject({ id: 1, tier: "fast", text: "fast one" });
    expect(d.neighbors![0]!.similarity).toBeGreaterThan(d.neighbors![1]!.similarity);
    expect(d.votes!.fast).toBeGreaterThan(d.votes!.standard!);
    expect(d.votedTier).toBe("fast");
  });

  it("answers premium instead of failing while warming up or when the encoder throws", async () => {
    expect(await (await setup({ withIndex: false })).router.route({ query: "clearly fast" })).toMatchObject({
      tier: "premium",
      reason: "warming_up",
    });
    expect(await (await setup({ failOn: "boom" })).router.route({ query: "boom now" })).toMatchObject({
      tier: "premium",
      reason: "encoder_error_fallback",
      cached: false,
    });
  });

  it("truncates a query longer than the model reads, and rejects an empty one", async () => {
    const { router } = await setup();
    const d = await router.route({ query: "word ".repeat(1000) });
    expect(d.truncated).toBe(true);
    await expect(router.route({ query: " \n\t " })).rejects.toBeInstanceOf(EmptyQueryError);
  });
});
