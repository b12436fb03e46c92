import type { Neighborhood } from "./neighborhoods.js";
import { mulberry32, shuffle } from "./stratified-folds.js";
import { fitKnn, fitSecondStageStrategy, routeWithFit, type FitOptions } from "./strategy-fit.js";
import { summarise } from "./summary.js";

export interface EfficiencyPoint {
  /** Labelled rows the calibration was given. */
  labels: number;
  /** Mean over the draws, measured on the rows each draw left out. */
  quality: number;
  relativeCost: number;
  /** Draws whose calibration found no operating point (everything to the fallback tier). */
  noPoint: number;
  draws: number;
  /** Held-out rows per draw. */
  heldOut: number;
}

/**
 * Would more labels pay? For each size, `draws` random subsets of that many
 * rows are calibrated on exactly as the full calibration is, and each is
 * measured on the rows it did not see. Sizes at or above the rows available
 * are left out (nothing would be held out).
 */
export function labelEfficiency(
  rows: readonly Neighborhood[],
  exemplarRows: readonly Neighborhood[],
  strategy: "knn" | "second-stage",
  options: FitOptions,
  sizes: readonly number[] = [100, 250, 500, 1000],
  draws = 3,
): EfficiencyPoint[] {
  const out: EfficiencyPoint[] = [];
  for (const size of sizes) {
    if (size >= rows.length - 20) continue;
    let quality = 0;
    let cost = 0;
    let noPoint = 0;
    for (let d = 0; d < draws; d++) {
      const order = shuffle(
        rows.map((_, i) => i),
        mulberry32(options.seed * 1000 + size * 10 + d),
      );
      const fitRows = order.slice(0, size).map((i) => rows[i]!);
      const test = order.slice(size).map((i) => rows[i]!);
      const fit = strategy === "knn" ? fitKnn(fitRows, options) : fitSecondStageStrategy(fitRows, exemplarRows, options);
      if (!fit.selection.chosen) noPoint++;
      const s = summarise(
        routeWithFit(test, fit, options.setup, options.tiers),
        test.map((r) => r.tier),
        options.tiers,
      );
      quality += s.quality / draws;
      cost += s.relativeCost / draws;
    }
    out.push({ labels: size, quality: round(quality), relativeCost: round(cost), noPoint, draws, heldOut: rows.length - size });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
