import type { OodOptions } from "../ood.js";
import { defaultKnnGrid, knnPaths, knnRouter, type KnnGrid, type KnnParams, type LabelledNeighborhood } from "./knn-grid.js";
import { downgradeRates, evaluatePoint, selectRiskControlled, type Downgrade, type Evaluated, type RiskTarget, type Selection } from "./risk-control.js";

type Tier = { name: string; pricePer1MTokens: number };

export interface CalibrationRequest {
  rows: readonly LabelledNeighborhood[];
  /** Cheapest first. */
  tiers: readonly Tier[];
  fallbackTier: string;
  /** The configured setting, evaluated on the same rows for comparison. */
  current: KnnParams;
  /** The service's out-of-distribution guard, applied at every point as the router applies it. */
  ood?: OodOptions;
  target: RiskTarget;
  grid?: KnnGrid;
}

export interface CalibrationResult {
  n: number;
  /** Rows per label (the tier each row needed). */
  labels: Record<string, number>;
  current: Evaluated<KnnParams>;
  selection: Selection<KnnParams>;
  /** The chosen point's downgrade rates per labelled tier, with upper bounds (the current setting's when none passed). */
  downgrades: Downgrade[];
}

/**
 * The calibrate command's risk-controlled rule (src/routing/calibration/risk-control.ts,
 * shared with `npm run calibrate`) on labelled rows from the user's own
 * traffic: every (k, floor) path of margins, routed with the service's
 * vote, guards and OOD guard over each row's neighborhood in the live
 * exemplar set; the cheapest point whose quality bound reaches the target.
 */
export function calibrateFromLabels(req: CalibrationRequest): CalibrationResult {
  const names = req.tiers.map((t) => t.name);
  const labels = req.rows.map((r) => r.label);
  const route = knnRouter(req.rows, names, req.fallbackTier, req.ood);
  const selection = selectRiskControlled(knnPaths(req.grid ?? defaultKnnGrid), route, labels, req.tiers, req.target);
  const counts: Record<string, number> = Object.fromEntries(names.map((t) => [t, 0]));
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  const current = evaluatePoint(req.current, route(req.current), labels, req.tiers, req.target);
  const chosenRoutes = route(selection.chosen?.params ?? req.current);
  return { n: labels.length, labels: counts, current, selection, downgrades: downgradeRates(chosenRoutes, labels, names, req.target.confidence, req.target.method) };
}
