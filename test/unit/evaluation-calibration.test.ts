import { describe, expect, it } from "vitest";
import { evaluateGrid, selectCalibration, type GridResult } from "../../eval/lib/calibration.js";
import { costAtQuality, qualityAtCost, sweepMargin, unitGrid } from "../../eval/lib/margin-sweep.js";
import type { RoutingMetrics } from "../../eval/lib/metrics.js";

const tiers = [
  { name: "fast", pricePer1MTokens: 0.2 },
  { name: "standard", pricePer1MTokens: 1 },
  { name: "premium", pricePer1MTokens: 10 },
];
const setup = { tiers: tiers.map((t) => t.name), fallbackTier: "premium" };
const metrics = (quality: number, relativeCost: number, accuracy = 0.5): RoutingMetrics => ({
  n: 100,
  quality,
  relativeCost,
  accuracy,
  macroF1: accuracy,
  premiumRecall: 1,
  traffic: {},
  confusion: {},
});
const row = (k: number, margin: number, minSimilarity: number, m: RoutingMetrics): GridResult => ({ k, margin, minSimilarity, metrics: m });

describe("selectCalibration", () => {
  it("takes the cheapest setting that reaches the target, not the best quality", () => {
    const rows = [row(3, 0.1, 0.3, metrics(0.93, 0.3)), row(5, 0.2, 0.3, metrics(0.96, 0.5)), row(7, 0.2, 0.3, metrics(0.99, 0.8))];
    expect(selectCalibration(rows, 0.95)).toMatchObject({ k: 5, margin: 0.2 });
  });

  it("returns null when nothing reaches the target", () => {
    expect(selectCalibration([row(3, 0.1, 0.3, metrics(0.9, 0.3))], 0.95)).toBeNull();
  });

  it("breaks cost ties by quality, then by closeness to the current k and floor", () => {
    const rows = [row(3, 0.1, 0, metrics(0.95, 0.4)), row(9, 0.1, 0.3, metrics(0.97, 0.4)), row(7, 0.1, 0.3, metrics(0.97, 0.4))];
    expect(selectCalibration(rows, 0.95)).toMatchObject({ k: 7 });
    const tied = [row(5, 0.1, 0.3, metrics(0.97, 0.4)), row(9, 0.1, 0.3, metrics(0.97, 0.4))];
    expect(selectCalibration(tied, 0.95, { k: 9, margin: 0.15, minSimilarity: 0.3 })).toMatchObject({ k: 9 });
  });

  it("takes the middle of a run of margins that route identically", () => {
    const same = metrics(0.96, 0.45);
    const rows = [0.1, 0.11, 0.12, 0.13, 0.14].map((m) => row(7, m, 0.3, same));
    expect(selectCalibration(rows, 0.95)!.margin).toBe(0.12);
  });
});

describe("evaluateGrid and sweepMargin with the service's vote", () => {
  // Query 0 is easy (clear fast vote); query 1 is hard but its vote leans fast: only a margin saves it.
  const n = (tier: string, similarity: number) => ({ id: 0, text: "", tier, similarity });
  const neighbors = [
    [n("fast", 0.9), n("fast", 0.85), n("fast", 0.8)],
    [n("fast", 0.6), n("fast", 0.55), n("premium", 0.5)],
  ];
  const labels = ["fast", "premium"];

  it("finds the margin that sends the split vote to premium and keeps the clear one cheap", () => {
    const grid = evaluateGrid(neighbors, labels, { k: [3], margin: unitGrid(0.05), minSimilarity: [0.3] }, setup, tiers);
    const chosen = selectCalibration(grid, 1)!;
    expect(chosen.metrics.quality).toBe(1);
    expect(chosen.metrics.relativeCost).toBeCloseTo((0.2 + 10) / 20, 10);
    // The split vote's lead is (1.15 - 0.5) / 1.65 ≈ 0.39: the margin must exceed it, and stay ≤ 1 for the clear vote.
    expect(chosen.margin).toBeGreaterThan(0.39);
  });

  it("traces quality rising with cost as the margin grows", () => {
    const curve = sweepMargin(neighbors, labels, { k: 3, margin: 0, minSimilarity: 0.3 }, setup, tiers, [0, 0.5, 1]);
    expect(curve.map((p) => p.quality)).toEqual([0.5, 1, 1]);
    expect(curve[0]!.relativeCost).toBeLessThan(curve[1]!.relativeCost);
    expect(qualityAtCost(curve, curve[0]!.relativeCost)).toBe(0.5);
    expect(costAtQuality(curve, 1)).toBeCloseTo(curve[1]!.relativeCost, 10);
    expect(qualityAtCost(curve, 0)).toBeNull();
  });
});
