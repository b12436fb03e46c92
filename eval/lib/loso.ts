import type { Neighborhood } from "./neighborhoods.js";
import { fitKnn, fitSecondStageStrategy, routeWithFit, type FitOptions, type KnnFit, type SecondStageFit } from "./strategy-fit.js";

export type Strategy = "knn" | "second-stage";

export interface SourceRow extends Neighborhood {
  source: string;
  split: "calibration" | "report";
}

export interface HeldOutSource {
  source: string;
  /** Every row of the source (calibration and report: none was used for fitting). */
  labels: string[];
  routed: Record<Strategy, string[]>;
  fits: { knn?: KnnFit; "second-stage"?: SecondStageFit };
}

/**
 * Leave-one-source-out transfer: for each source, both strategies are
 * calibrated (and the second stage trained) on the calibration rows of the
 * other sources only, exactly as `npm run calibrate` does on all of them,
 * and then route every row of the left-out source. Measures what a
 * calibration is worth on traffic of a kind it never saw.
 */
export function leaveOneSourceOut(rows: readonly SourceRow[], exemplarRows: readonly Neighborhood[], options: FitOptions, strategies: readonly Strategy[]): HeldOutSource[] {
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  return sources.map((source) => {
    const fitRows = rows.filter((r) => r.source !== source && r.split === "calibration");
    const test = rows.filter((r) => r.source === source);
    const out: HeldOutSource = { source, labels: test.map((r) => r.tier), routed: { knn: [], "second-stage": [] }, fits: {} };
    if (strategies.includes("knn")) {
      const fit = fitKnn(fitRows, options);
      out.fits.knn = fit;
      out.routed.knn = routeWithFit(test, fit, options.setup, options.tiers);
    }
    if (strategies.includes("second-stage")) {
      const fit = fitSecondStageStrategy(fitRows, exemplarRows, options);
      out.fits["second-stage"] = fit;
      out.routed["second-stage"] = routeWithFit(test, fit, options.setup, options.tiers);
    }
    return out;
  });
}
