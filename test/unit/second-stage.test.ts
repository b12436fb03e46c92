import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fitLogistic } from "../../eval/lib/logistic.js";
import { crossFitRisks, defaultRecipe, fitSecondStage, type TrainingExample } from "../../eval/lib/second-stage-training.js";
import {
  chooseTier,
  exactTierLikelihoods,
  extractFeatures,
  legacyModelFormat,
  modelFormat,
  relativePrices,
  renameModelTiers,
  tierByThresholds,
  tierRisks,
  validateModel,
  type SecondStageModel,
} from "../../src/routing/second-stage/model.js";
import { loadSecondStageModel, SecondStageMismatchError } from "../../src/routing/second-stage/second-stage-file.js";
import { neighborFeatures } from "../../src/routing/second-stage/neighbor-features.js";
import { textFeatures } from "../../src/routing/second-stage/text-features.js";
import { mulberry32 } from "../../eval/lib/stratified-folds.js";
import { parseConfig } from "../../src/base/config/load-config.js";
import { decisionCacheScope, routingFingerprint } from "../../src/routing/settings-fingerprint.js";

const tiers = ["fast", "standard", "premium"];
const n = (tier: string, similarity: number) => ({ tier, similarity });

describe("second-stage features", () => {
  it("vote shares at each k, as the vote weighs them, and how close each tier comes", () => {
    const hood = [n("fast", 0.9), n("premium", 0.6), n("standard", 0.5), n("premium", -0.2)];
    const f = neighborFeatures(hood, tiers, [1, 3, 4]);
    expect(f["knn.1.standard"]).toBe(0);
    expect(f["knn.1.premium"]).toBe(0);
    expect(f["knn.3.premium"]).toBeCloseTo(0.6 / 2, 12);
    expect(f["knn.3.standard"]).toBeCloseTo(0.5 / 2, 12);
    // A negative similarity carries no weight.
    expect(f["knn.4.premium"]).toBeCloseTo(0.6 / 2, 12);
    expect(f["sim.mean.3"]).toBeCloseTo((0.9 + 0.6 + 0.5) / 3, 12);
    expect(f["sim.top1"]).toBe(0.9);
    expect(f["sim.best.standard"]).toBe(0.5);
    // A tier absent from the neighbors is at most as close as the last one.
    expect(neighborFeatures([n("fast", 0.8), n("fast", 0.4)], tiers, [2])["sim.best.premium"]).toBe(0.4);
  });

  it("text structure: length, code, maths, asks, constraints, output length, script", () => {
    const lookup = textFeatures("who played the lion in zookeeper");
    expect(lookup["text.lookup"]).toBe(1);
    expect(lookup["text.code"]).toBe(0);
    expect(lookup["text.words"]).toBeCloseTo(Math.log1p(6), 12);
    const code = textFeatures("Why does this fail? def f(x): return x[0] if x else None; print(f([]))");
    expect(code["text.code"]).toBeGreaterThan(0);
    expect(code["text.questions"]).toBeCloseTo(Math.log1p(1), 12);
    expect(textFeatures("Prove that the integral of x^2 from 0 to 1 equals 1/3")["text.math"]).toBeGreaterThan(0.4);
    const essay = textFeatures("Write a detailed 1500 words essay. It must include 1. a history 2. a critique 3. a table");
    expect(essay["text.longOutput"]).toBeGreaterThan(0);
    expect(essay["text.constraints"]).toBeGreaterThan(0);
    expect(essay["text.listItems"]).toBeGreaterThan(0);
    expect(essay["text.task"]).toBe(1);
    expect(textFeatures("Переведи на английский: доброе утро")["text.nonLatin"]).toBeGreaterThan(0.9);
    expect(textFeatures("Act as a [role] for [topic]")["text.placeholder"]).toBe(1);
  });
});

function model(overrides: Partial<SecondStageModel> = {}): SecondStageModel {
  return {
    format: modelFormat,
    tiers,
    ks: [3],
    features: [
      { name: "text.math", mean: 0.5, sd: 0.5 },
      { name: "knn.3.premium", mean: 0, sd: 1 },
    ],
    boundaries: [
      { above: "fast", bias: 0, weights: { "text.math": 2 } },
      { above: "standard", bias: -2, weights: { "text.math": 2, "knn.3.premium": 1 } },
    ],
    thresholds: [0.1, 0.3],
    voteGate: null,
    embeddingModel: "fake-32",
    training: {},
    ...overrides,
  };
}

describe("second-stage scoring", () => {
  it("turns standardised features into per-tier risks that never grow up the tiers", () => {
    const risks = tierRisks(model(), { "text.math": 0.5, "knn.3.premium": 0 });
    expect(risks[0]).toBeCloseTo(0.5, 12); // z = 0: sigmoid(0)
    expect(risks[1]).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
    expect(risks[2]).toBe(0);
    // A boundary above standard that says more than the one above fast lifts fast's risk with it.
    const lifted = tierRisks(
      model({
        boundaries: [
          { above: "fast", bias: -5, weights: {} },
          { above: "standard", bias: 3, weights: {} },
        ],
      }),
      {},
    );
    expect(lifted[0]).toBeCloseTo(lifted[1]!, 12);
  });

  it("routes to the cheapest tier whose risk is within its own threshold, so each tier opens on its own", () => {
    expect(tierByThresholds([0.08, 0.02, 0], [0.1, 0.3])).toBe(0);
    expect(tierByThresholds([0.5, 0.25, 0], [0.1, 0.3])).toBe(1);
    expect(tierByThresholds([0.9, 0.6, 0], [0.1, 0.3])).toBe(2);
    // Fast opens without the middle tier opening further: a threshold per tier, not one cost for all.
    expect(tierByThresholds([0.05, 0.04, 0], [0.06, 0])).toBe(0);
    expect(tierByThresholds([0.07, 0.04, 0], [0.06, 0])).toBe(2);
    // Confidence: P(needs exactly the tier), from the risks P(needs more than it).
    expect(exactTierLikelihoods([0.5, 0.2, 0])).toEqual([0.5, 0.3, 0.2]);
  });

  it("format 1 (older files): the tier with the lowest price plus downgrade cost x risk; ties go to the more capable tier", () => {
    const prices = relativePrices([{ pricePer1MTokens: 1 }, { pricePer1MTokens: 5 }, { pricePer1MTokens: 50 }]);
    expect(prices).toEqual([0.02, 0.1, 1]);
    expect(chooseTier([0.1, 0.05, 0], prices, 1)).toBe(0); // 0.12 < 0.15 < 1
    expect(chooseTier([0.5, 0.15, 0], prices, 2)).toBe(1); // 1.02 > 0.4 < 1
    expect(chooseTier([0.9, 0.6, 0], prices, 2)).toBe(2); // 1.82, 1.3, 1
    // A dearer mistake moves the same query up: standard at 2, premium at 10.
    expect(chooseTier([0.5, 0.15, 0], prices, 10)).toBe(2);
    expect(chooseTier([0, 0, 0], [1, 1, 1], 3)).toBe(2);
  });

  it("rejects models whose boundaries, features or operating point do not fit", () => {
    expect(() => validateModel(model({ thresholds: [0.1] }))).toThrow(/thresholds/);
    expect(() => validateModel(model({ format: legacyModelFormat, thresholds: undefined }))).toThrow(/downgradeCost/);
    expect(validateModel(model({ format: legacyModelFormat, thresholds: undefined, downgradeCost: 5 })).downgradeCost).toBe(5);
    expect(() => validateModel(model({ boundaries: [model().boundaries[0]!] }))).toThrow(/boundaries/);
    expect(() => validateModel(model({ features: [{ name: "text.nonsense", mean: 0, sd: 1 }] }))).toThrow(/unknown feature/);
    expect(() => validateModel(model({ boundaries: [{ above: "fast", bias: 0, weights: { "sim.top1": 1 } }, model().boundaries[1]!] }))).toThrow(/no feature entry/);
  });

  it("loads a model file for its number of tiers under any names, and only for the embedding model it was trained on", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "tierline-model-")), "m.json");
    writeFileSync(file, JSON.stringify(model()));
    expect(loadSecondStageModel(file, { tiers, embeddingModel: "fake-32" }).thresholds).toEqual([0.1, 0.3]);
    expect(() => loadSecondStageModel(file, { tiers, embeddingModel: "use-lite-onnx@x" })).toThrow(SecondStageMismatchError);
    expect(() => loadSecondStageModel(file, { tiers: ["fast", "premium"], embeddingModel: "fake-32" })).toThrow(SecondStageMismatchError);
    expect(() => loadSecondStageModel(file, { tiers: ["fast", "premium"], embeddingModel: "fake-32" })).toThrow(/trained for 3 tiers/);
    // Renamed tiers map by position, and so do the features named after a tier: the risks are the same.
    const renamed = loadSecondStageModel(file, { tiers: ["small", "medium", "large"], embeddingModel: "fake-32" });
    expect(renamed.tiers).toEqual(["small", "medium", "large"]);
    expect(renamed.boundaries.map((b) => b.above)).toEqual(["small", "medium"]);
    expect(renamed.features.map((f) => f.name)).toEqual(["text.math", "knn.3.large"]);
    expect(tierRisks(renamed, { "text.math": 1, "knn.3.large": 0.4 })).toEqual(tierRisks(model(), { "text.math": 1, "knn.3.premium": 0.4 }));
    expect(() => renameModelTiers(model(), ["a", "b"])).toThrow(/cannot rename/);
    expect(() => loadSecondStageModel(path.join(path.dirname(file), "missing.json"), { tiers, embeddingModel: "fake-32" })).toThrow(/cannot read/);
    writeFileSync(file, JSON.stringify({ ...model(), format: "something-else" }));
    expect(() => loadSecondStageModel(file, { tiers, embeddingModel: "fake-32" })).toThrow(/format/);
  });
});

describe("second-stage training", () => {
  it("logistic regression recovers the direction of a known relation", () => {
    const random = mulberry32(7);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = random() * 4 - 2;
      const b = random() * 4 - 2;
      x.push([a, b]);
      y.push(random() < 1 / (1 + Math.exp(-(0.5 + 2 * a - 1 * b))) ? 1 : 0);
    }
    const fit = fitLogistic(x, y, { l2: 0.01 });
    expect(fit.bias).toBeCloseTo(0.5, 0);
    expect(fit.weights[0]).toBeCloseTo(2, 0);
    expect(fit.weights[1]).toBeCloseTo(-1, 0);
  });

  it("stays finite on separable data", () => {
    const fit = fitLogistic([[-1], [-2], [1], [2]], [0, 0, 1, 1], { l2: 0.1 });
    expect(Number.isFinite(fit.weights[0]!)).toBe(true);
    expect(fit.weights[0]).toBeGreaterThan(0);
  });

  /** Rows whose tier is written in their neighborhood and maths content, with some noise. */
  function examples(count: number): TrainingExample[] {
    const random = mulberry32(3);
    return Array.from({ length: count }, (_, i) => {
      const tier = tiers[i % 3]!;
      const level = tiers.indexOf(tier) / 2 + (random() - 0.5) * 0.4;
      const text = tier === "premium" ? "prove the theorem and derive the integral" : tier === "standard" ? "write a detailed guide" : "who wrote hamlet";
      const hood = Array.from({ length: 7 }, (_, j) => n(j / 7 < level ? "premium" : "fast", 0.6));
      return { tier, features: extractFeatures(text, hood, tiers, [3, 7]), weight: 1 };
    });
  }

  it("fits a model the scorer reads, whose risks order the tiers", () => {
    const recipe = defaultRecipe(tiers, [3, 7]);
    const rows = examples(150);
    const m = validateModel(fitSecondStage(rows, recipe, "fake-32", [0.1, 0.2]));
    expect(m.thresholds).toEqual([0.1, 0.2]);
    expect(m.voteGate).toEqual(recipe.voteGate);
    expect(m.features.map((f) => f.name)).toEqual(recipe.features);
    const mean = (tier: string, b: number) => {
      const of = rows.filter((r) => r.tier === tier);
      return of.reduce((s, r) => s + tierRisks(m, r.features)[b]!, 0) / of.length;
    };
    expect(mean("premium", 1)).toBeGreaterThan(0.5);
    expect(mean("fast", 1)).toBeLessThan(0.2);
    expect(mean("standard", 0)).toBeGreaterThan(mean("fast", 0));
  });

  it("cross-fits: every row is scored by a model that did not see it", () => {
    const recipe = defaultRecipe(tiers, [3, 7]);
    const rows = examples(60);
    const risks = crossFitRisks(rows, [], recipe, 5, 1);
    expect(risks).toHaveLength(60);
    for (const r of risks) {
      expect(r).toHaveLength(3);
      expect(r[2]).toBe(0);
      expect(r[0]).toBeGreaterThanOrEqual(r[1]!);
    }
    // A row flipped to a wrong label does not score its own label in-sample.
    const flipped = rows.map((r, i) => (i === 0 ? { ...r, tier: "premium" } : r));
    expect(crossFitRisks(flipped, [], recipe, 5, 1)[0]![1]).toBeLessThan(0.5);
  });
});

describe("the routing fingerprint that scopes the decision cache", () => {
  it("changes with what changes decisions, and only with that", () => {
    const base = parseConfig({});
    const fp = (c: typeof base, m?: SecondStageModel) => routingFingerprint(c, m);
    expect(fp(base)).toBe(fp(parseConfig({})));
    expect(fp(parseConfig({ routing: { margin: 0.3 } }))).not.toBe(fp(base));
    expect(fp(parseConfig({ routing: { ood: { minNearest: 0.5 } } }))).not.toBe(fp(base));
    expect(fp(base, model())).not.toBe(fp(base));
    expect(fp(base, model({ thresholds: [0.1, 0.4] }))).not.toBe(fp(base, model()));
    expect(fp(base, model({ voteGate: { k: 3, minShare: 0.7, minMeanSimilarity: 0.5 } }))).not.toBe(fp(base, model()));
    // Where the model file lives, the port or the log level change nothing the router decides.
    expect(fp(parseConfig({ routing: { secondStage: { modelFile: "elsewhere.json" } } }), model())).toBe(fp(base, model()));
    expect(fp(parseConfig({ port: 9000, logLevel: "warn" }))).toBe(fp(base));
    expect(decisionCacheScope("m@1", base)).toBe(`m@1|routing-${fp(base)}`);
  });
});
