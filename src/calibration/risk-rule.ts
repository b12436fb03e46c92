import { lowerBound, type BoundMethod } from "./bounds.js";

export interface PricedTier {
  name: string;
  pricePer1MTokens: number;
}

/** What the calibration must guarantee: quality at least `targetQuality` with confidence `confidence`. */
export interface RiskTarget {
  targetQuality: number;
  confidence: number;
  method?: BoundMethod;
}

/** One operating point, routed over the labelled rows. */
export interface OperatingPoint<P> {
  params: P;
  n: number;
  /** Rows routed to their label's tier or a more capable one. */
  served: number;
  quality: number;
  /** Cost relative to sending every row to the most expensive tier (equal tokens per query). */
  relativeCost: number;
  /** Lower confidence bound on quality. */
  lower: number;
  /** Share of rows per routed tier. */
  traffic: Record<string, number>;
}

export interface Selection<P> {
  /** The cheapest point whose bound reaches the target; null when none does. */
  chosen: OperatingPoint<P> | null;
  /** Every point tested, path by path, up to each path's first failure. */
  tested: Array<OperatingPoint<P>>;
}

/**
 * The calibrate command's rule, as one function: paths of operating points
 * (each from the most conservative to the cheapest), a router of labelled
 * rows at a point, the labels (cheapest tier each row needs), the priced
 * tiers and the target. `tierline calibrate --from-feedback` calls whatever
 * implements this; see selectRiskControlled.
 */
export type RiskControlledRule = <P>(
  paths: readonly (readonly P[])[],
  route: (params: P) => readonly string[],
  labels: readonly string[],
  tiers: readonly PricedTier[],
  target: RiskTarget,
) => Selection<P>;

export function evaluatePoint<P>(params: P, routed: readonly string[], labels: readonly string[], tiers: readonly PricedTier[], target: RiskTarget): OperatingPoint<P> {
  const rank = new Map(tiers.map((t, i) => [t.name, i]));
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  const price = new Map(tiers.map((t) => [t.name, top === 0 ? 0 : t.pricePer1MTokens / top]));
  const traffic: Record<string, number> = Object.fromEntries(tiers.map((t) => [t.name, 0]));
  let served = 0;
  let cost = 0;
  routed.forEach((r, i) => {
    if (rank.get(r)! >= rank.get(labels[i]!)!) served++;
    cost += price.get(r)!;
    traffic[r] = traffic[r]! + 1;
  });
  const n = labels.length;
  for (const t of tiers) traffic[t.name] = n === 0 ? 0 : traffic[t.name]! / n;
  return { params, n, served, quality: n === 0 ? 0 : served / n, relativeCost: n === 0 ? 0 : cost / n, lower: lowerBound(served, n, target.confidence, target.method), traffic };
}

/**
 * Risk-controlled choice (issue 12): the cheapest point whose lower
 * Clopper–Pearson bound on quality reaches the target. Each path is walked
 * until its first point whose bound fails (fixed-sequence testing), so a
 * lucky cheap point beyond a failing one is never taken. Ties in cost go to
 * the higher bound, then to the earlier path and point.
 *
 * This is the stand-in until issue 12's eval/lib/risk-control.ts is on main;
 * then that rule moves here (eval importing it from src) and replaces this
 * body, so both calibrations share one implementation.
 */
export function selectRiskControlled<P>(
  paths: readonly (readonly P[])[],
  route: (params: P) => readonly string[],
  labels: readonly string[],
  tiers: readonly PricedTier[],
  target: RiskTarget,
): Selection<P> {
  const tested: Array<OperatingPoint<P>> = [];
  let chosen: OperatingPoint<P> | null = null;
  for (const path of paths) {
    for (const params of path) {
      const point = evaluatePoint(params, route(params), labels, tiers, target);
      tested.push(point);
      if (point.lower < target.targetQuality - 1e-12) break;
      const cheaper = chosen === null || point.relativeCost < chosen.relativeCost - 1e-12;
      const tie = chosen !== null && Math.abs(point.relativeCost - chosen.relativeCost) <= 1e-12;
      if (cheaper || (tie && point.lower > chosen!.lower + 1e-12)) chosen = point;
    }
  }
  return { chosen, tested };
}
