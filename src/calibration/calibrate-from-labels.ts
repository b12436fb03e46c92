import { defaultKnnGrid, knnPaths, knnRouter, type KnnGrid, type KnnParams, type LabelledNeighbourhood } from "./knn-grid.js";
import { evaluatePoint, selectRiskControlled, type OperatingPoint, type PricedTier, type RiskControlledRule, type RiskTarget, type Selection } from "./risk-rule.js";

export interface CalibrationRequest {
  rows: readonly LabelledNeighbourhood[];
  /** Cheapest first. */
  tiers: readonly PricedTier[];
  fallbackTier: string;
  /** The configured setting, evaluated on the same rows for comparison. */
  current: KnnParams;
  target: RiskTarget;
  grid?: KnnGrid;
  /** The calibrate command's rule (issue 12); the stand-in by default. */
  rule?: RiskControlledRule;
}

export interface CalibrationResult {
  n: number;
  /** Rows per label (the tier each row needed). */
  labels: Record<string, number>;
  current: OperatingPoint<KnnParams>;
  selection: Selection<KnnParams>;
}

/**
 * The calibrate command's risk-controlled rule on labelled rows from the
 * user's own traffic: every (k, floor) path of margins, routed with the
 * service's vote and guards over each row's neighbourhood in the live
 * exemplar set; the cheapest point whose quality bound reaches the target.
 */
export function calibrateFromLabels(req: CalibrationRequest): CalibrationResult {
  const names = req.tiers.map((t) => t.name);
  const labels = req.rows.map((r) => r.label);
  const route = knnRouter(req.rows, names, req.fallbackTier);
  const rule = req.rule ?? selectRiskControlled;
  const selection = rule(knnPaths(req.grid ?? defaultKnnGrid), route, labels, req.tiers, req.target);
  const counts: Record<string, number> = Object.fromEntries(names.map((t) => [t, 0]));
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return { n: labels.length, labels: counts, current: evaluatePoint(req.current, route(req.current), labels, req.tiers, req.target), selection };
}
