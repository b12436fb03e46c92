import type { Neighbor } from "../../src/adapters/vector-index/exemplar-index.js";
import { routeNeighbors, type RoutingParams, type TierSetup } from "./knn-routing.js";
import { computeMetrics, type RoutingMetrics } from "./metrics.js";

type Tier = { name: string; pricePer1MTokens: number };

/** One point of a quality-versus-cost curve, with the setting that produced it. */
export interface CurvePoint {
  /** The swept parameter (the margin for the router, a target for fitted baselines). */
  at: number;
  quality: number;
  relativeCost: number;
  accuracy: number;
  macroF1: number;
  premiumRecall: number;
  traffic: Record<string, number>;
}

export function curvePoint(at: number, m: RoutingMetrics): CurvePoint {
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    at: round(at),
    quality: round(m.quality),
    relativeCost: round(m.relativeCost),
    accuracy: round(m.accuracy),
    macroF1: round(m.macroF1),
    premiumRecall: round(m.premiumRecall),
    traffic: Object.fromEntries(Object.entries(m.traffic).map(([t, s]) => [t, round(s)])),
  };
}

/** 0, step, 2·step, … 1 without float drift. */
export function unitGrid(step: number): number[] {
  const n = Math.round(1 / step);
  return Array.from({ length: n + 1 }, (_, i) => Math.round((i / n) * 1e6) / 1e6);
}

/**
 * The router's curve: the same neighbors re-voted at each margin (k and the
 * floor fixed). Margin 0 is the plain vote; margin 1 keeps only unanimous ones.
 */
export function sweepMargin(
  neighbors: readonly (readonly Neighbor[])[],
  labels: readonly string[],
  base: RoutingParams,
  setup: TierSetup,
  tiers: readonly Tier[],
  margins: readonly number[] = unitGrid(0.01),
): CurvePoint[] {
  return margins.map((margin) => {
    const routed = routeNeighbors(neighbors, { ...base, margin }, setup);
    return curvePoint(
      margin,
      computeMetrics(
        routed.map((r, i) => ({ label: labels[i]!, routed: r })),
        tiers,
      ),
    );
  });
}

/**
 * The best quality a curve reaches at a cost no higher than `cost` (null when
 * every point costs more). Used to compare methods at the same cost; taking
 * the best point is generous to the baseline.
 */
export function qualityAtCost(curve: readonly CurvePoint[], cost: number): number | null {
  const affordable = curve.filter((p) => p.relativeCost <= cost + 1e-9);
  return affordable.length === 0 ? null : Math.max(...affordable.map((p) => p.quality));
}

/** The lowest cost at which a curve reaches the quality (null when it never does). */
export function costAtQuality(curve: readonly CurvePoint[], quality: number): number | null {
  const enough = curve.filter((p) => p.quality >= quality - 1e-9);
  return enough.length === 0 ? null : Math.min(...enough.map((p) => p.relativeCost));
}
