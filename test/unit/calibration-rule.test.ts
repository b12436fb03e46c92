import { describe, expect, it } from "vitest";
import { calibrateFromLabels } from "../../src/routing/calibration/calibrate-from-labels.js";
import { knnPaths, knnRouter } from "../../src/routing/calibration/knn-grid.js";
import { parseConfig } from "../../src/base/config/load-config.js";

// The rule itself (bounds, fixed-sequence selection, criteria) is tested in risk-control.test.ts and bounds.test.ts.
const priced = parseConfig({}).tiers;
const tiers = ["fast", "standard", "premium"];

describe("calibration on labelled neighborhoods (calibrate --from-feedback)", () => {
  const rows = [
    {
      label: "fast",
      neighbors: [
        { tier: "fast", similarity: 0.9 },
        { tier: "fast", similarity: 0.8 },
        { tier: "standard", similarity: 0.2 },
      ],
    },
    {
      label: "premium",
      neighbors: [
        { tier: "premium", similarity: 0.9 },
        { tier: "premium", similarity: 0.8 },
        { tier: "fast", similarity: 0.1 },
      ],
    },
    {
      label: "fast",
      neighbors: [
        { tier: "fast", similarity: 0.2 },
        { tier: "fast", similarity: 0.2 },
        { tier: "fast", similarity: 0.2 },
      ],
    },
  ];

  it("walks margins from 1 down per (k, floor), routing with the service's vote and guards", () => {
    const paths = knnPaths({ k: [1, 3], minSimilarity: [0, 0.3], margin: [0, 0.5, 1] });
    expect(paths).toHaveLength(4);
    expect(paths[0]!.map((p) => p.margin)).toEqual([1, 0.5, 0]);
    const route = knnRouter(rows, tiers, "premium");
    expect(route({ k: 3, margin: 0.1, minSimilarity: 0 })).toEqual(["fast", "premium", "fast"]);
    expect(route({ k: 3, margin: 0.1, minSimilarity: 0.3 })).toEqual(["fast", "premium", "premium"]); // nothing close: fallback
  });

  it("applies the OOD guard as the router does", () => {
    const route = knnRouter(rows, tiers, "premium", { enabled: true, minNearest: 0.5, minMeanSimilarity: 0, k: 3 });
    expect(route({ k: 3, margin: 0, minSimilarity: 0 })).toEqual(["fast", "premium", "premium"]);
  });

  it("picks the cheapest point whose bound reaches the target, and reports the current one on the same rows", () => {
    const result = calibrateFromLabels({
      rows,
      tiers: priced,
      fallbackTier: "premium",
      current: { k: 3, margin: 0.1, minSimilarity: 0.3 },
      target: { targetQuality: 0.2, confidence: 0.5, method: "clopper-pearson", criterion: "quality" },
      grid: { k: [3], minSimilarity: [0, 0.3], margin: [0, 0.1, 1] },
    });
    expect(result.labels).toEqual({ fast: 2, standard: 0, premium: 1 });
    expect(result.current.metrics.traffic.premium).toBeCloseTo(2 / 3, 10);
    expect(result.selection.chosen!.params).toMatchObject({ k: 3, minSimilarity: 0 });
    expect(result.selection.chosen!.metrics.quality).toBe(1);
    expect(result.downgrades.map((d) => d.tier)).toEqual(["standard", "premium"]);
  });
});
