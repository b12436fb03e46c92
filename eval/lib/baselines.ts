import { fitForAccuracy, fitForQuality, lengthCandidates, routeByLength, type FittedLength } from "./length-baseline.js";
import { curvePoint, type CurvePoint } from "./margin-sweep.js";
import { computeMetrics, type RoutingMetrics } from "./metrics.js";
import { routeAtRandomMix, tierMix } from "./random-baseline.js";

type Tier = { name: string; pricePer1MTokens: number };
type Example = { text: string; tier: string };

export interface MethodResult {
  name: string;
  /** How the method was set up, e.g. fitted thresholds. */
  detail: string;
  metrics: RoutingMetrics;
  /** The tier chosen for each test example, in order. */
  routed: string[];
}

export interface BaselineInputs {
  /** What the baselines may learn from: the exemplars, or the training folds. */
  train: readonly Example[];
  test: readonly Example[];
  tiers: readonly Tier[];
  fallbackTier: string;
  /** The router's traffic on the test data: the random baseline at the same cost uses it. */
  routerTraffic: Readonly<Record<string, number>>;
  /** Quality the cost-minimising length fit must reach on the training data. */
  targetQuality: number;
}

/**
 * The baselines on the same test data as the router: always the fallback
 * tier; random with the training data's tier mix; random with the router's
 * own traffic mix (so at the router's cost); and word-count thresholds fitted
 * on the training data, once for accuracy and once for the target quality.
 */
export function evaluateBaselines(inputs: BaselineInputs, candidates = lengthCandidates(inputs.train, inputs.tiers)): MethodResult[] {
  const names = inputs.tiers.map((t) => t.name);
  const labels = inputs.test.map((e) => e.tier);
  const result = (name: string, detail: string, routed: string[]): MethodResult => ({
    name,
    detail,
    routed,
    metrics: computeMetrics(
      routed.map((r, i) => ({ label: labels[i]!, routed: r })),
      inputs.tiers,
    ),
  });
  const byLength = (fit: FittedLength) => inputs.test.map((e) => routeByLength(e.text, fit.thresholds, names));
  const trainMix = tierMix(
    inputs.train.map((e) => e.tier),
    names,
  );
  const accuracyFit = fitForAccuracy(candidates);
  const qualityFit = fitForQuality(candidates, inputs.targetQuality);
  const results: MethodResult[] = [
    result(
      `always ${inputs.fallbackTier}`,
      "",
      labels.map(() => inputs.fallbackTier),
    ),
    result("random, training mix", formatMix(trainMix), routeAtRandomMix(labels, trainMix, names)),
    result("random, router's mix", formatMix(inputs.routerTraffic), routeAtRandomMix(labels, inputs.routerTraffic, names)),
    result("length, fit for accuracy", formatCuts(accuracyFit), byLength(accuracyFit)),
  ];
  if (qualityFit) results.push(result(`length, fit for quality ${inputs.targetQuality}`, formatCuts(qualityFit), byLength(qualityFit)));
  return results;
}

/** Random routing at each router point's traffic mix: the same costs, the quality of chance. */
export function randomCurve(routerCurve: readonly CurvePoint[], labels: readonly string[], tiers: readonly Tier[]): CurvePoint[] {
  const names = tiers.map((t) => t.name);
  return routerCurve.map((p) => {
    const routed = routeAtRandomMix(labels, p.traffic, names);
    return curvePoint(
      p.at,
      computeMetrics(
        routed.map((r, i) => ({ label: labels[i]!, routed: r })),
        tiers,
      ),
    );
  });
}

/**
 * Length thresholds fitted on the training data for each target quality in
 * turn, applied to the test data: the length baseline's quality-cost curve.
 * Returns the tiers chosen per target (pool them across folds), see lengthCurve.
 */
export function lengthRoutesByTarget(
  candidates: readonly FittedLength[],
  test: readonly Example[],
  tierNames: readonly string[],
  targets: readonly number[],
): Array<{ target: number; routed: string[] }> {
  return targets.map((target) => {
    const fit = fitForQuality(candidates, target);
    const top = tierNames[tierNames.length - 1]!;
    return { target, routed: test.map((e) => (fit ? routeByLength(e.text, fit.thresholds, tierNames) : top)) };
  });
}

/** Curve points from per-target routes, dropping targets that route exactly like a previous one. */
export function curveFromRoutes(routes: ReadonlyArray<{ target: number; routed: readonly string[] }>, labels: readonly string[], tiers: readonly Tier[]): CurvePoint[] {
  const seen = new Set<string>();
  const out: CurvePoint[] = [];
  for (const { target, routed } of routes) {
    const key = routed.join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      curvePoint(
        target,
        computeMetrics(
          routed.map((r, i) => ({ label: labels[i]!, routed: r })),
          tiers,
        ),
      ),
    );
  }
  return out;
}

function formatMix(mix: Readonly<Record<string, number>>): string {
  return Object.entries(mix)
    .map(([t, s]) => `${t} ${s.toFixed(2)}`)
    .join(", ");
}

function formatCuts(fit: FittedLength): string {
  return `word cuts ${fit.thresholds.cuts.join(" / ")}`;
}
