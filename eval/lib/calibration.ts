import type { Neighbor } from "../../src/vector-index/exemplar-index.js";
import { routeNeighbors, type RoutingParams, type TierSetup } from "./knn-routing.js";
import { computeMetrics, type RoutingMetrics } from "./metrics.js";
import { unitGrid } from "./margin-sweep.js";

type Tier = { name: string; pricePer1MTokens: number };

export interface CalibrationGrid {
  k: number[];
  margin: number[];
  minSimilarity: number[];
}

/** Odd k avoid exact ties of equal-weight votes; the floor stops where USE-lite similarities of related texts live. */
export const defaultCalibrationGrid: CalibrationGrid = {
  k: [1, 3, 5, 7, 9, 11, 13, 15, 19, 25, 31],
  margin: unitGrid(0.01),
  minSimilarity: [0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
};

export interface GridResult extends RoutingParams {
  metrics: RoutingMetrics;
}

/** Every grid point's metrics; neighbours must hold at least max(grid.k) hits per query. */
export function evaluateGrid(
  neighbors: readonly (readonly Neighbor[])[],
  labels: readonly string[],
  grid: CalibrationGrid,
  setup: TierSetup,
  tiers: readonly Tier[],
): GridResult[] {
  const out: GridResult[] = [];
  for (const k of grid.k) {
    for (const minSimilarity of grid.minSimilarity) {
      for (const margin of grid.margin) {
        const params = { k, margin, minSimilarity };
        const routed = routeNeighbors(neighbors, params, setup);
        out.push({ ...params, metrics: computeMetrics(routed.map((r, i) => ({ label: labels[i]!, routed: r })), tiers) });
      }
    }
  }
  return out;
}

/**
 * The cheapest setting that reaches the target quality. Ties (common: many
 * settings route a given set identically) go to higher quality, then
 * accuracy, then the k and floor nearest the current ones, so recalibrating
 * does not churn values the data cannot tell apart (without `current`: the
 * smaller k and lower floor). Among margins that still tie, the middle one is
 * taken: a plateau's edges are where a slightly different query set would
 * already route differently. Null when nothing reaches the target.
 */
export function selectCalibration(results: readonly GridResult[], targetQuality: number, current?: RoutingParams): GridResult | null {
  const ok = results.filter((r) => r.metrics.quality >= targetQuality - 1e-12);
  if (ok.length === 0) return null;
  const kDistance = (r: GridResult) => (current ? Math.abs(r.k - current.k) : r.k);
  const floorDistance = (r: GridResult) => (current ? Math.abs(r.minSimilarity - current.minSimilarity) : r.minSimilarity);
  const best = [...ok].sort(
    (a, b) =>
      a.metrics.relativeCost - b.metrics.relativeCost ||
      b.metrics.quality - a.metrics.quality ||
      b.metrics.accuracy - a.metrics.accuracy ||
      kDistance(a) - kDistance(b) ||
      a.k - b.k ||
      floorDistance(a) - floorDistance(b) ||
      a.minSimilarity - b.minSimilarity ||
      a.margin - b.margin,
  )[0]!;
  const same = (x: number, y: number) => Math.abs(x - y) < 1e-12;
  const plateau = ok
    .filter(
      (r) =>
        r.k === best.k &&
        r.minSimilarity === best.minSimilarity &&
        same(r.metrics.relativeCost, best.metrics.relativeCost) &&
        same(r.metrics.quality, best.metrics.quality) &&
        same(r.metrics.accuracy, best.metrics.accuracy),
    )
    .sort((a, b) => a.margin - b.margin);
  return plateau[Math.floor((plateau.length - 1) / 2)]!;
}
