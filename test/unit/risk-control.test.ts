import { describe, expect, it } from "vitest";
import { lowerBound } from "../../eval/lib/bounds.js";
import { downgradeRates, qualityLowerBound, selectRiskControlled, type RiskTarget } from "../../eval/lib/risk-control.js";
import { knnPaths, thresholdPaths } from "../../eval/lib/strategies.js";

const tiers = [
  { name: "fast", pricePer1MTokens: 1 },
  { name: "standard", pricePer1MTokens: 5 },
  { name: "premium", pricePer1MTokens: 50 },
];
const names = tiers.map((t) => t.name);
const target = (criterion: RiskTarget["criterion"] = "quality", targetQuality = 0.9): RiskTarget => ({ targetQuality, confidence: 0.95, method: "clopper-pearson", criterion });

/** 100 rows: 60 fast, 30 standard, 10 premium. */
const labels = [...Array(60).fill("fast"), ...Array(30).fill("standard"), ...Array(10).fill("premium")] as string[];
/** Routes everything correctly, except `wrong` standard rows sent to fast and `wrongPremium` premium rows sent to standard. */
function routing(wrong: number, wrongPremium = 0): string[] {
  return labels.map((l, i) => (l === "standard" && i - 60 < wrong ? "fast" : l === "premium" && i - 90 < wrongPremium ? "standard" : l));
}

describe("risk-controlled selection", () => {
  it("takes the cheapest point whose lower bound reaches the target, not the cheapest whose observed quality does", () => {
    // Points: p = number of standard rows downgraded (cheaper as p grows). Observed quality 1 - p/100.
    const path = [0, 2, 4, 6, 9];
    const sel = selectRiskControlled([path], (p) => routing(p), labels, tiers, target("quality", 0.9));
    // 0.91 observed (p = 9) reaches 0.9, but its bound does not; p = 4 (0.96) does: lowerBound(96, 100) = 0.910.
    expect(lowerBound(96, 100, 0.95)).toBeGreaterThan(0.9);
    expect(lowerBound(94, 100, 0.95)).toBeLessThan(0.9);
    expect(sel.chosen?.params).toBe(4);
    expect(sel.chosen?.lower).toBeCloseTo(lowerBound(96, 100, 0.95), 12);
  });

  it("stops a path at its first failing point, so a lucky cheaper point beyond it is never taken", () => {
    // Point 2 fails (10 standard rows downgraded); point 3 would pass and be cheaper than point 1, but is never tested.
    const downgraded = [0, 2, 10, 4];
    const sel = selectRiskControlled([[0, 1, 2, 3]], (p) => routing(downgraded[p]!), labels, tiers, target("quality", 0.9));
    expect(sel.tested.map((t) => t.params)).toEqual([0, 1, 2]);
    expect(sel.chosen?.params).toBe(1);
  });

  it("returns null when nothing passes, and compares across paths by cost", () => {
    expect(selectRiskControlled([[9, 10]], (p) => routing(p), labels, tiers, target("quality", 0.99)).chosen).toBeNull();
    const sel = selectRiskControlled(
      [
        [0, 1],
        [0, 3],
      ],
      (p) => routing(p),
      labels,
      tiers,
      target("quality", 0.9),
    );
    expect(sel.chosen?.params).toBe(3);
    expect(sel.tested).toHaveLength(4);
  });

  it("guards against label shift: the uniform-mix and any-mix criteria weigh each tier's downgrade rate, not the rows' mix", () => {
    // 3 of 10 premium rows downgraded: 97% observed quality, but 30% of premium traffic fails.
    const routed = routing(0, 3);
    expect(qualityLowerBound(routed, labels, names, target("quality"))).toBeGreaterThan(0.9);
    expect(qualityLowerBound(routed, labels, names, target("uniform-mix"))).toBeLessThan(0.9);
    expect(qualityLowerBound(routed, labels, names, target("any-mix"))).toBeLessThan(0.5);
    // Nothing downgraded: any-mix is 1 minus the largest per-tier upper bound (10 premium rows are not many).
    const perfect = qualityLowerBound(routing(0), labels, names, target("any-mix"));
    expect(perfect).toBeCloseTo(1 - (1 - 0.025 ** (1 / 10)), 6);
  });

  it("reports each tier's downgrade rate with its upper bound", () => {
    const d = downgradeRates(routing(6, 1), labels, names, 0.95);
    expect(d.map((x) => [x.tier, x.n, x.downgraded])).toEqual([
      ["standard", 30, 6],
      ["premium", 10, 1],
    ]);
    expect(d[0]!.rate).toBeCloseTo(0.2, 12);
    expect(d[0]!.upper).toBeGreaterThan(0.2);
  });
});

describe("operating-point paths", () => {
  it("walk each (k, floor) from the most conservative margin down, and risk thresholds up from closed along each direction", () => {
    const paths = knnPaths({ k: [3, 5], minSimilarity: [0, 0.3], margin: [0, 0.5, 1] });
    expect(paths).toHaveLength(4);
    expect(paths[0]!.map((p) => p.margin)).toEqual([1, 0.5, 0]);
    const thresholds = thresholdPaths(3, 0.1, 0.2);
    // Directions with components in {0, 1/4, 1/2, 1} and at least one 1: 7 for two thresholds.
    expect(thresholds).toHaveLength(7);
    for (const path of thresholds) {
      expect(path[0]!.thresholds).toEqual([0, 0]);
      for (let i = 1; i < path.length; i++) path[i]!.thresholds.forEach((t, j) => expect(t).toBeGreaterThanOrEqual(path[i - 1]!.thresholds[j]!));
    }
    expect(thresholds.map((p) => p.at(-1)!.thresholds)).toContainEqual([0.2, 0]);
    expect(thresholds.map((p) => p.at(-1)!.thresholds)).toContainEqual([0, 0.2]);
    expect(thresholdPaths(2, 0.1, 0.2)).toEqual([[{ thresholds: [0] }, { thresholds: [0.1] }, { thresholds: [0.2] }]]);
  });
});

describe("the per-source criterion", () => {
  it("holds the weakest source to the target: a point pooled quality would pass fails when one source falls short", () => {
    const labels = [...Array(60).fill("fast"), ...Array(40).fill("premium")];
    // Source a: 60 fast-labelled rows, all served. Source b: 40 premium-labelled rows, 8 sent to fast.
    const routed = [...Array(60).fill("fast"), ...Array(32).fill("premium"), ...Array(8).fill("fast")];
    const groups = [...Array(60).fill("a"), ...Array(40).fill("b")];
    const pooled: RiskTarget = { targetQuality: 0.9, confidence: 0.5, method: "wilson", criterion: "quality" };
    expect(
      qualityLowerBound(
        routed,
        labels,
        tiers.map((t) => t.name),
        pooled,
      ),
    ).toBeGreaterThan(0.9);
    const perSource: RiskTarget = { ...pooled, criterion: "per-source", groups };
    const bound = qualityLowerBound(
      routed,
      labels,
      tiers.map((t) => t.name),
      perSource,
    );
    expect(bound).toBeLessThan(0.85);
    expect(bound).toBeCloseTo(
      qualityLowerBound(
        routed.slice(60),
        labels.slice(60),
        tiers.map((t) => t.name),
        pooled,
      ),
      12,
    );
  });
});
