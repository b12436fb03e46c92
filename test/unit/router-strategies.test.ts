import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/base/config/load-config.js";
import { isFallback } from "../../src/routing/decision.js";
import { Router, type RouterOptions } from "../../src/routing/router.js";
import { legacyModelFormat, modelFormat, type SecondStageModel, type VoteGate } from "../../src/routing/second-stage/model.js";
import { ExemplarIndex, ExemplarIndexRef } from "../../src/adapters/vector-index/exemplar-index.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";
import { axis, createFakeEncoder } from "../helpers/fake-encoder.js";

const D = 8;
const { tiers } = parseConfig({});

/** Four exemplars on axes 0-2 (fast, fast, standard, premium); "far away" points along axis 7, unlike any of them. */
async function router(extra: Partial<RouterOptions>) {
  const encoder = createFakeEncoder({
    dimensions: D,
    vectors: {
      "fast one": axis(D, 0),
      "fast two": axis(D, 0, 3, 0.2),
      "standard one": axis(D, 1),
      "premium one": axis(D, 2),
      "clearly fast": axis(D, 0, 1, 0.1),
      "prove the theorem, derive the integral, solve the equation": axis(D, 0, 1, 0.1),
      "far away": axis(D, 7, 0, 0.05),
    },
  });
  const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
  const exemplars = [
    [1, "fast", "fast one"],
    [2, "fast", "fast two"],
    [3, "standard", "standard one"],
    [4, "premium", "premium one"],
  ] as const;
  const vectors = await encoder.embed(exemplars.map((e) => e[2]));
  exemplars.forEach(([id, tier, text], i) => index.put({ id, tier, text }, vectors[i]!));
  const ref = new ExemplarIndexRef();
  ref.set(index);
  return new Router({ encoder, index: ref, cache: null, options: { k: 3, margin: 0.2, minSimilarity: 0, fallbackTier: "premium", tiers, ...extra } });
}

const ood = { enabled: true, minNearest: 0.5, minMeanSimilarity: -1, k: 3 };

/** A model that reads only the maths flag: premium risk high for maths (~0.88), low otherwise (~0.018). */
const prices = [0.02, 0.1, 1];
const mathsModel = (thresholds: number[], voteGate: VoteGate | null = null): SecondStageModel => ({
  format: modelFormat,
  tiers: tiers.map((t) => t.name),
  ks: [3, 4],
  features: [{ name: "text.math", mean: 0, sd: 1 }],
  boundaries: [
    { above: "fast", bias: -4, weights: { "text.math": 8 } },
    { above: "standard", bias: -4, weights: { "text.math": 6 } },
  ],
  thresholds,
  voteGate,
  embeddingModel: "fake-8",
  training: {},
});

describe("the OOD guard", () => {
  it("sends a query whose neighborhood is unlike the calibration data to the fallback tier, with its own reason", async () => {
    const r = await router({ ood });
    const d = await r.route({ query: "far away", explain: true });
    expect(d).toMatchObject({ tier: "premium", reason: "out_of_distribution" });
    expect(isFallback(d.reason)).toBe(true);
    // Explain still shows what the vote said.
    expect(d.votedTier).toBe("fast");
    expect(d.neighbors).toHaveLength(3);
    expect(await r.route({ query: "clearly fast" })).toMatchObject({ tier: "fast", reason: "knn" });
  });

  it("is off when disabled, and says nothing about an empty index", async () => {
    const off = await router({ ood: { ...ood, enabled: false } });
    expect((await off.route({ query: "far away" })).reason).toBe("knn");
    const encoder = createFakeEncoder({ dimensions: D });
    const ref = new ExemplarIndexRef();
    ref.set(new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1));
    const empty = new Router({ encoder, index: ref, cache: null, options: { k: 3, margin: 0.2, minSimilarity: 0, fallbackTier: "premium", tiers, ood } });
    expect((await empty.route({ query: "anything" })).reason).toBe("empty_index");
  });
});

describe("the second-stage strategy", () => {
  it("decides by the model: the cheapest tier within its risk threshold, the vote kept for explain", async () => {
    const r = await router({ secondStage: { model: mathsModel([0.05, 0.05]), relativePrices: prices } });
    const easy = await r.route({ query: "clearly fast", explain: true });
    expect(easy).toMatchObject({ tier: "fast", reason: "second_stage", votedTier: "fast" });
    // P(needs exactly fast) = 1 - risk(fast) ~ 0.98.
    expect(easy.confidence).toBeGreaterThan(0.95);
    expect(easy.neighbors).toHaveLength(3); // k, though the model searched max(ks) = 4
    const hard = await r.route({ query: "prove the theorem, derive the integral, solve the equation" });
    expect(hard).toMatchObject({ tier: "premium", reason: "second_stage" });
    expect(isFallback("second_stage")).toBe(false);
  });

  it("its own choice of premium is a choice, not a fallback, and its confidence is about the tier answered", async () => {
    // Thresholds of 0: nothing leaves premium unless certain. Risks ~0.018 for both boundaries: P(exactly premium) ~ 0.018.
    const r = await router({ secondStage: { model: mathsModel([0, 0]), relativePrices: prices } });
    const d = await r.route({ query: "clearly fast" });
    expect(d).toMatchObject({ tier: "premium", reason: "second_stage" });
    expect(d.confidence).toBeLessThan(0.05);
  });

  it("a middle threshold opens the middle tier alone", async () => {
    const r = await router({ secondStage: { model: mathsModel([0, 0.05]), relativePrices: prices } });
    expect(await r.route({ query: "clearly fast" })).toMatchObject({ tier: "standard", reason: "second_stage" });
  });

  it("the vote gate settles what the nearest exemplars agree on, before the model (reason knn)", async () => {
    // Nearest three to "clearly fast": fast one, fast two, then standard/premium far behind; the model alone would say premium.
    const gate = { k: 2, minShare: 0.9, minMeanSimilarity: 0.5 };
    const r = await router({ secondStage: { model: mathsModel([0, 0], gate), relativePrices: prices } });
    const d = await r.route({ query: "clearly fast" });
    expect(d).toMatchObject({ tier: "fast", reason: "knn" });
    expect(d.confidence).toBe(1);
    // Too strict a gate leaves it to the model.
    const strict = await router({ secondStage: { model: mathsModel([0, 0], { ...gate, minMeanSimilarity: 0.999 }), relativePrices: prices } });
    expect(await strict.route({ query: "clearly fast" })).toMatchObject({ tier: "premium", reason: "second_stage" });
  });

  it("still reads format-1 files: lowest price plus downgrade cost x risk", async () => {
    const legacy = { ...mathsModel([0, 0]), format: legacyModelFormat, thresholds: undefined, downgradeCost: 5 } as SecondStageModel;
    const cheap = await router({ secondStage: { model: legacy, relativePrices: prices } });
    expect(await cheap.route({ query: "clearly fast" })).toMatchObject({ tier: "fast", reason: "second_stage" });
    const dear = await router({ secondStage: { model: { ...legacy, downgradeCost: 1000 }, relativePrices: prices } });
    expect(await dear.route({ query: "clearly fast" })).toMatchObject({ tier: "premium", reason: "second_stage" });
  });

  it("still goes through the OOD guard first", async () => {
    const r = await router({ ood, secondStage: { model: mathsModel([0.05, 0.05]), relativePrices: prices } });
    expect(await r.route({ query: "far away" })).toMatchObject({ tier: "premium", reason: "out_of_distribution" });
  });
});
