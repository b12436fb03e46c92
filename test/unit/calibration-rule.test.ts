import { describe, expect, it } from "vitest";
import { interval, lowerBound } from "../../src/calibration/bounds.js";
import { calibrateFromLabels } from "../../src/calibration/calibrate-from-labels.js";
import { knnPaths, knnRouter } from "../../src/calibration/knn-grid.js";
import { evaluatePoint, selectRiskControlled } from "../../src/calibration/risk-rule.js";
import { parseConfig } from "../../src/config/load-config.js";

const priced = parseConfig({}).tiers;

describe("the risk-controlled rule", () => {
  it("Clopper–Pearson bounds match published values", () => {
    expect(lowerBound(10, 10, 0.95)).toBeCloseTo(0.7411, 4); // 0.05^(1/10)
    expect(lowerBound(0, 10, 0.95)).toBe(0);
    const [lo, hi] = interval(5, 10, 0.95);
    expect(lo).toBeCloseTo(0.1871, 4);
    expect(hi).toBeCloseTo(0.8129, 4);
  });

  it("takes the cheapest point whose lower bound reaches the target, walking each path only up to its first failure", () => {
    // Three rows that need premium, fast, fast; points route them as named.
    const labels = ["premium", "fast", "fast"];
    const routes: Record<string, string[]> = {
      safe: ["premium", "premium", "premium"],
      cheaper: ["premium", "fast", "standard"],
      broken: ["fast", "fast", "fast"],
      luckyButLate: ["premium", "fast", "fast"],
    };
    const target = { targetQuality: 0.6, confidence: 0.5 };
    const { chosen, tested } = selectRiskControlled([["safe", "cheaper", "broken", "luckyButLate"]], (p) => routes[p]!, labels, priced, target);
    expect(chosen!.params).toBe("cheaper");
    expect(tested.map((t) => t.params)).toEqual(["safe", "cheaper", "broken"]); // stops at the first failure
    expect(evaluatePoint("x", routes.broken!, labels, priced, target)).toMatchObject({ served: 2, n: 3 });
    expect(selectRiskControlled([["broken"]], (p) => routes[p]!, labels, priced, target).chosen).toBeNull();
  });

  it("on labelled neighbourhoods: margins from 1 down per (k, floor), routed with the service's vote and guards", () => {
    const paths = knnPaths({ k: [1, 3], minSimilarity: [0, 0.3], margin: [0, 0.5, 1] });
    expect(paths).toHaveLength(4);
    expect(paths[0]!.map((p) => p.margin)).toEqual([1, 0.5, 0]);
    const rows = [
      { label: "fast", neighbors: [{ tier: "fast", similarity: 0.9 }, { tier: "fast", similarity: 0.8 }, { tier: "standard", similarity: 0.2 }] },
      { label: "premium", neighbors: [{ tier: "premium", similarity: 0.9 }, { tier: "premium", similarity: 0.8 }, { tier: "fast", similarity: 0.1 }] },
      { label: "fast", neighbors: [{ tier: "fast", similarity: 0.2 }, { tier: "fast", similarity: 0.2 }, { tier: "fast", similarity: 0.2 }] },
    ];
    const route = knnRouter(rows, ["fast", "standard", "premium"], "premium");
    expect(route({ k: 3, margin: 0.1, minSimilarity: 0 })).toEqual(["fast", "premium", "fast"]);
    expect(route({ k: 3, margin: 0.1, minSimilarity: 0.3 })).toEqual(["fast", "premium", "premium"]); // nothing close: fallback
    const result = calibrateFromLabels({ rows, tiers: priced, fallbackTier: "premium", current: { k: 3, margin: 0.1, minSimilarity: 0.3 }, target: { targetQuality: 0.2, confidence: 0.5 }, grid: { k: [3], minSimilarity: [0, 0.3], margin: [0, 0.1, 1] } });
    expect(result.labels).toEqual({ fast: 2, standard: 0, premium: 1 });
    expect(result.current.traffic.premium).toBeCloseTo(2 / 3, 10);
    expect(result.selection.chosen!.params).toMatchObject({ k: 3, minSimilarity: 0 });
    expect(result.selection.chosen!.quality).toBe(1);
  });
});
