import { describe, expect, it } from "vitest";
import { computeMetrics } from "../../eval/lib/metrics.js";

const tiers = [
  { name: "fast", pricePer1MTokens: 0.2 },
  { name: "standard", pricePer1MTokens: 1 },
  { name: "premium", pricePer1MTokens: 10 },
];
const o = (label: string, routed: string) => ({ label, routed });

describe("computeMetrics", () => {
  const outcomes = [
    o("fast", "fast"),
    o("fast", "premium"), // over-served: quality yes, accuracy no
    o("standard", "fast"), // under-served
    o("standard", "standard"),
    o("premium", "standard"), // under-served premium
    o("premium", "premium"),
  ];
  const m = computeMetrics(outcomes, tiers);

  it("counts a query as served when routed at or above its label", () => {
    expect(m.accuracy).toBeCloseTo(3 / 6, 10);
    expect(m.quality).toBeCloseTo(4 / 6, 10);
    expect(m.premiumRecall).toBeCloseTo(1 / 2, 10);
  });

  it("prices the traffic against always-premium", () => {
    // routed: fast ×2, standard ×2, premium ×2
    expect(m.relativeCost).toBeCloseTo((2 * 0.2 + 2 * 1 + 2 * 10) / (6 * 10), 10);
    expect(m.traffic).toEqual({ fast: 2 / 6, standard: 2 / 6, premium: 2 / 6 });
  });

  it("builds the confusion matrix label × routed and a macro-F1 from it", () => {
    expect(m.confusion.standard).toEqual({ fast: 1, standard: 1, premium: 0 });
    // every tier: precision 1/2, recall 1/2 -> F1 1/2
    expect(m.macroF1).toBeCloseTo(0.5, 10);
  });

  it("gives always-premium quality 1 and cost 1", () => {
    const all = computeMetrics([o("fast", "premium"), o("premium", "premium")], tiers);
    expect(all).toMatchObject({ quality: 1, relativeCost: 1, premiumRecall: 1, accuracy: 0.5 });
  });
});
