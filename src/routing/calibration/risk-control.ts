import { interval, lowerBound, upperBound, type BoundMethod } from "./confidence-bounds.js";
import { computeMetrics, type RoutingMetrics } from "./quality-metrics.js";

type Tier = { name: string; pricePer1MTokens: number };

/**
 * What the calibration must guarantee, with confidence `confidence`:
 * - "quality": quality at least `targetQuality` on traffic like the calibration rows (their tier mix);
 * - "any-mix": quality at least `targetQuality` whatever the tier mix, i.e. every tier's downgrade
 *   rate at most 1 - targetQuality (bounds at confidence 1 - (1 - confidence) / tiers, a union bound);
 * - "uniform-mix": quality at least `targetQuality` on traffic with equal shares of every tier.
 * The mixes other than the calibration rows' own guard against label shift: real traffic
 * needing more of the capable tiers than the calibration rows did.
 */
export interface RiskTarget {
  targetQuality: number;
  confidence: number;
  method: BoundMethod;
  /** "per-source": quality at least `targetQuality` on each source's own tier mix (rows grouped by `groups`). */
  criterion?: "quality" | "any-mix" | "uniform-mix" | "per-source";
  /** Per row, the source it came from (the per-source criterion). */
  groups?: readonly string[];
}

/** The lower confidence bound the criterion puts on quality. */
export function qualityLowerBound(routed: readonly string[], labels: readonly string[], tierNames: readonly string[], target: RiskTarget): number {
  const criterion = target.criterion ?? "quality";
  if (criterion === "per-source") {
    // The weakest source decides: a point must hold on every kind of traffic it was fitted on.
    const groups = target.groups ?? labels.map(() => "");
    let worst = 1;
    for (const g of new Set(groups)) {
      const of = groups.flatMap((x, i) => (x === g ? [i] : []));
      const bound = qualityLowerBound(
        of.map((i) => routed[i]!),
        of.map((i) => labels[i]!),
        tierNames,
        { ...target, criterion: "quality", groups: undefined },
      );
      worst = Math.min(worst, bound);
    }
    return worst;
  }
  if (criterion === "quality") return lowerBound(servedCount(routed, labels, tierNames), labels.length, target.confidence, target.method);
  const perTier = 1 - (1 - target.confidence) / (tierNames.length - 1);
  const uppers = downgradeRates(routed, labels, tierNames, perTier, target.method).map((d) => d.upper);
  return criterion === "any-mix" ? 1 - Math.max(...uppers) : 1 - uppers.reduce((a, b) => a + b, 0) / tierNames.length;
}

export interface Evaluated<P> {
  params: P;
  metrics: RoutingMetrics;
  /** Rows routed to their label's tier or above, of n. */
  served: number;
  n: number;
  /** Lower confidence bound on quality. */
  lower: number;
}

/** Rows routed at or above their label. */
export function servedCount(routed: readonly string[], labels: readonly string[], tierNames: readonly string[]): number {
  const rank = new Map(tierNames.map((t, i) => [t, i]));
  return routed.reduce((s, r, i) => s + (rank.get(r)! >= rank.get(labels[i]!)! ? 1 : 0), 0);
}

export function evaluatePoint<P>(params: P, routed: readonly string[], labels: readonly string[], tiers: readonly Tier[], target: RiskTarget): Evaluated<P> {
  const served = servedCount(
    routed,
    labels,
    tiers.map((t) => t.name),
  );
  const metrics = computeMetrics(
    routed.map((r, i) => ({ label: labels[i]!, routed: r })),
    tiers,
  );
  return {
    params,
    metrics,
    served,
    n: labels.length,
    lower: qualityLowerBound(
      routed,
      labels,
      tiers.map((t) => t.name),
      target,
    ),
  };
}

export interface Selection<P> {
  chosen: Evaluated<P> | null;
  /** Every point tested, path by path, up to each path's first failure. */
  tested: Array<Evaluated<P>>;
}

/**
 * Risk-controlled choice of an operating point: the cheapest point whose
 * lower confidence bound on quality reaches the target. Each path lists
 * points from the most conservative (costliest) to the cheapest; a path is
 * walked until its first point whose bound fails (fixed-sequence testing),
 * so a lucky cheap point beyond a failing one is never taken. Ties in cost go
 * to the higher bound, then to the earlier path and point. Null when no
 * point passes.
 */
export function selectRiskControlled<P>(
  paths: readonly (readonly P[])[],
  route: (params: P) => readonly string[],
  labels: readonly string[],
  tiers: readonly Tier[],
  target: RiskTarget,
): Selection<P> {
  const tested: Array<Evaluated<P>> = [];
  let chosen: Evaluated<P> | null = null;
  for (const path of paths) {
    for (const params of path) {
      const point = evaluatePoint(params, route(params), labels, tiers, target);
      tested.push(point);
      if (point.lower < target.targetQuality - 1e-12) break;
      const cheaper = chosen === null || point.metrics.relativeCost < chosen.metrics.relativeCost - 1e-12;
      const tie = chosen !== null && Math.abs(point.metrics.relativeCost - chosen.metrics.relativeCost) <= 1e-12;
      if (cheaper || (tie && point.lower > chosen!.lower + 1e-12)) chosen = point;
    }
  }
  return { chosen, tested };
}

export interface Downgrade {
  tier: string;
  /** Rows labelled with this tier. */
  n: number;
  /** Of them, routed to a cheaper tier. */
  downgraded: number;
  rate: number;
  /** Upper confidence bound on the downgrade rate. */
  upper: number;
}

/** Per labelled tier (all but the cheapest, which cannot be downgraded): how often it went to a cheaper tier, with its bound. */
export function downgradeRates(
  routed: readonly string[],
  labels: readonly string[],
  tierNames: readonly string[],
  confidence: number,
  method: BoundMethod = "clopper-pearson",
): Downgrade[] {
  const rank = new Map(tierNames.map((t, i) => [t, i]));
  return tierNames.slice(1).map((tier) => {
    const rows = labels.flatMap((l, i) => (l === tier ? [i] : []));
    const downgraded = rows.filter((i) => rank.get(routed[i]!)! < rank.get(tier)!).length;
    return { tier, n: rows.length, downgraded, rate: rows.length === 0 ? 0 : downgraded / rows.length, upper: upperBound(downgraded, rows.length, confidence, method) };
  });
}

/** Quality with its two-sided Clopper–Pearson interval, and cost with a normal-approximation interval. */
export function withIntervals(routed: readonly string[], labels: readonly string[], tiers: readonly Tier[], level = 0.95) {
  const names = tiers.map((t) => t.name);
  const served = servedCount(routed, labels, names);
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  const price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens / top]));
  const costs = routed.map((r) => price.get(r)!);
  const n = costs.length;
  const mean = costs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(costs.reduce((s, c) => s + (c - mean) ** 2, 0) / Math.max(1, n - 1));
  const z = 1.959963984540054;
  return {
    n,
    quality: served / n,
    qualityInterval: interval(served, n, level),
    relativeCost: mean,
    costInterval: [Math.max(0, mean - (z * sd) / Math.sqrt(n)), Math.min(1, mean + (z * sd) / Math.sqrt(n))] as [number, number],
  };
}
