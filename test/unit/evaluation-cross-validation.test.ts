import { describe, expect, it } from "vitest";
import { normalizeInPlace } from "../../src/adapters/embeddings/encoder.js";
import { crossValidate } from "../../eval/lib/cross-validation.js";
import type { LabelledQueryVectors } from "../../eval/lib/evaluation-data.js";

const tiers = [
  { name: "fast", model: "s", pricePer1MTokens: 0.2 },
  { name: "standard", model: "m", pricePer1MTokens: 1 },
  { name: "premium", model: "l", pricePer1MTokens: 10 },
];
const D = 16;
const axisOf = { fast: 0, standard: 1, premium: 2 } as const;

/** A query on its tier's axis, nudged along a second axis (and by i) so every vector is distinct. */
function item(tier: keyof typeof axisOf, i: number, onAxis: keyof typeof axisOf = tier, nudgeAxis = 3 + (i % 10)): LabelledQueryVectors {
  const v = new Float32Array(D);
  v[axisOf[onAxis]] = 1;
  v[nudgeAxis] = 0.2 + i * 0.001;
  const vector = normalizeInPlace(v);
  const query = `${tier} query ${i}`;
  return { query, tier, queryText: query, queryVector: vector, asExemplar: { tier, text: query, vector } };
}

const items = [
  ...Array.from({ length: 10 }, (_, i) => item("fast", i)),
  ...Array.from({ length: 10 }, (_, i) => item("standard", 10 + i)),
  ...Array.from({ length: 10 }, (_, i) => item("premium", 20 + i)),
  // Labelled premium but embedded among the fast queries: only a leak of the test query into the index would route it right.
  item("premium", 40, "fast", D - 1),
];

const options = {
  folds: 5,
  seed: 1,
  params: { k: 1, margin: 0, minSimilarity: 0 },
  setup: { tiers: tiers.map((t) => t.name), fallbackTier: "premium" },
  tiers,
  index: { M: 16, efConstruction: 100, ef: 100 },
  dimensions: D,
  targetQuality: 0.95,
};

describe("crossValidate", () => {
  const cv = crossValidate(items, options);
  const router = cv.methods.find((m) => m.name === "router")!;

  it("routes every query once, from an index of the other folds only", () => {
    expect(router.pooled.n).toBe(items.length);
    expect(router.perFold).toHaveLength(5);
    expect(router.pooled.confusion.premium!.fast).toBe(1);
    expect(router.pooled.accuracy).toBeCloseTo(30 / 31, 10);
  });

  it("scores the baselines on the same held-out queries", () => {
    const names = cv.methods.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["always premium", "random, training mix", "random, router's mix", "length, fit for accuracy"]));
    for (const m of cv.methods) expect(m.pooled.n).toBe(items.length);
    expect(cv.methods.find((m) => m.name === "always premium")!.pooled.relativeCost).toBe(1);
  });

  it("adds pooled quality-cost curves only when asked", () => {
    expect(cv.sweep).toBeUndefined();
    expect(cv.lengthCurve).toBeUndefined();
    const swept = crossValidate(items, { ...options, params: { ...options.params, k: 3 }, sweepMargins: [0, 1], lengthTargets: [0.9, 1] });
    expect(swept.sweep!.router.map((p) => p.at)).toEqual([0, 1]);
    expect(swept.sweep!.random).toHaveLength(2);
    expect(swept.lengthCurve!.length).toBeGreaterThan(0);
    expect(swept.lengthCurve!.every((p) => p.quality >= 0.5)).toBe(true);
    // The margin can only add fallbacks: cost never falls as it grows.
    expect(swept.sweep!.router[1]!.relativeCost).toBeGreaterThanOrEqual(swept.sweep!.router[0]!.relativeCost);
  });
});
