import { applyGuards } from "../../src/routing/guards.js";
import { isOutOfDistribution, type OodOptions } from "../../src/routing/ood.js";
import { tierByThresholds } from "../../src/routing/second-stage/model.js";
import { tallyVotes } from "../../src/routing/vote.js";
import type { Tally } from "../../src/routing/decision.js";
import type { RoutingParams, TierSetup } from "./knn-routing.js";
import { unitGrid } from "./margin-sweep.js";
import type { Neighborhood } from "./neighborhoods.js";

/**
 * The two routing strategies as offline functions of an operating point,
 * over precomputed neighborhoods, with the service's own vote, guards,
 * second-stage rule and OOD guard: what calibration and the evaluation
 * search over without running the pipeline per point.
 */

export interface KnnGrid {
  k: number[];
  minSimilarity: number[];
  /** Margins tried, any order (each path walks them from 1 down). */
  margin: number[];
}

export const defaultKnnGrid: KnnGrid = {
  k: [3, 5, 7, 9, 11, 15, 21, 31],
  minSimilarity: [0, 0.2, 0.3, 0.4],
  margin: unitGrid(0.01),
};

/** One path per (k, floor): margins from 1 (only unanimous votes stand) down to 0 (the plain vote). */
export function knnPaths(grid: KnnGrid): RoutingParams[][] {
  const margins = [...grid.margin].sort((a, b) => b - a);
  return grid.k.flatMap((k) => grid.minSimilarity.map((minSimilarity) => margins.map((margin) => ({ k, margin, minSimilarity }))));
}

/** Which rows the OOD guard sends to the fallback tier. */
export function oodFlags(rows: readonly Neighborhood[], ood: OodOptions | null): boolean[] {
  return rows.map((r) => (ood ? isOutOfDistribution(r.neighbors, ood) : false));
}

/** Routes rows with the vote at any (k, margin, floor); tallies are computed once per k. */
export function knnRouter(rows: readonly Neighborhood[], setup: TierSetup, ood: readonly boolean[]): (p: RoutingParams) => string[] {
  const tallies = new Map<number, Tally[]>();
  return (p) => {
    let t = tallies.get(p.k);
    if (!t) {
      t = rows.map((r) => tallyVotes(r.neighbors.slice(0, p.k), setup.tiers));
      tallies.set(p.k, t);
    }
    return t.map((tally, i) => (ood[i] ? setup.fallbackTier : applyGuards(tally, { ...p, fallbackTier: setup.fallbackTier }).tier));
  };
}

export interface ThresholdParams {
  /** Per tier but the top one: the highest risk of being too weak at which it is chosen (routing/second-stage/model.ts). */
  thresholds: number[];
}

/**
 * The second stage's operating points, as paths for risk-controlled
 * selection: each path moves along one direction in threshold space, from
 * all zero (nothing leaves the top tier unless certain) to `max`, so a
 * path's points only ever send more traffic cheaper. The directions weigh
 * the tiers below the top differently (each component 0, 1/4, 1/2 or 1, at
 * least one 1), so the cheapest tier can open on its own, the middle one on
 * its own, or both in any proportion.
 */
export function thresholdPaths(tiers: number, step = 0.005, max = 0.5): ThresholdParams[][] {
  const levels = [0, 0.25, 0.5, 1];
  let directions: number[][] = [[]];
  for (let i = 0; i < tiers - 1; i++) directions = directions.flatMap((d) => levels.map((l) => [...d, l]));
  directions = directions.filter((d) => d.includes(1));
  const steps = Math.round(max / step);
  return directions.map((d) => Array.from({ length: steps + 1 }, (_, i) => ({ thresholds: d.map((x) => Math.round(x * i * step * 1e6) / 1e6) })));
}

/**
 * Routes rows from their tier risks at any thresholds. `gated` holds, per
 * row, the tier the vote gate settles it at (null: the model decides), and
 * OOD rows go to the fallback tier first, as in the service.
 */
export function secondStageRouter(
  risks: readonly (readonly number[])[],
  setup: TierSetup,
  ood: readonly boolean[],
  gated: readonly (string | null)[],
): (p: ThresholdParams) => string[] {
  return (p) => risks.map((r, i) => (ood[i] ? setup.fallbackTier : (gated[i] ?? setup.tiers[tierByThresholds(r, p.thresholds)]!)));
}

/** OOD thresholds at a low percentile of the fitting rows' nearest and mean-top-k similarities. */
export function fitOod(rows: readonly Neighborhood[], percentile: number, k: number): OodOptions {
  const quantile = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const pos = (percentile / 100) * (sorted.length - 1);
    const lo = Math.floor(pos);
    const frac = pos - lo;
    return Math.round((sorted[lo]! * (1 - frac) + sorted[Math.min(lo + 1, sorted.length - 1)]! * frac) * 1e4) / 1e4;
  };
  const nearest = rows.map((r) => r.neighbors[0]?.similarity ?? 0);
  const means = rows.map((r) => {
    const top = r.neighbors.slice(0, k);
    return top.reduce((s, n) => s + n.similarity, 0) / Math.max(1, top.length);
  });
  return { enabled: true, minNearest: quantile(nearest), minMeanSimilarity: quantile(means), k };
}
