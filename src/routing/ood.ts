import type { Neighbor } from "../adapters/vector-index/exemplar-index.js";

/**
 * Out-of-distribution guard settings. The thresholds are low percentiles of
 * the same statistics over the calibration rows (`npm run calibrate` computes
 * them), so a query whose neighborhood is less familiar than nearly all the
 * labelled traffic the router was calibrated on is not trusted to a vote or
 * a model that never saw anything like it.
 */
export interface OodOptions {
  enabled: boolean;
  /** Similarity of the nearest exemplar below which a query is out of distribution. */
  minNearest: number;
  /** Mean similarity of the nearest `k` exemplars below which a query is out of distribution. */
  minMeanSimilarity: number;
  k: number;
}

/** True when the neighborhood is unlike anything in the calibration data; an empty index is not OOD (it has its own reason). */
export function isOutOfDistribution(neighbors: readonly Pick<Neighbor, "similarity">[], options: OodOptions): boolean {
  if (!options.enabled || neighbors.length === 0) return false;
  if (neighbors[0]!.similarity < options.minNearest) return true;
  const top = neighbors.slice(0, options.k);
  const mean = top.reduce((s, n) => s + n.similarity, 0) / top.length;
  return mean < options.minMeanSimilarity;
}
