import { fallbackTierOf, type Config } from "../../src/base/config/config-schema.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import type { DecisionReason } from "../../src/routing/decision.js";
import { curveFromRoutes, evaluateBaselines, lengthRoutesByTarget, randomCurve, type MethodResult } from "./baselines.js";
import { crossValidate, type CrossValidationResult } from "./cross-validation.js";
import { storeBackedEncoder } from "./embedding-store.js";
import type { EvaluationData } from "./evaluation-data.js";
import { buildIndex, searchAll, type RoutingParams } from "./knn-routing.js";
import { lengthCandidates } from "./length-baseline.js";
import { qualityAtCost, sweepMargin, unitGrid, type CurvePoint } from "./margin-sweep.js";
import { computeMetrics, type RoutingMetrics } from "./metrics.js";
import type { ProgressBar } from "./progress-bar.js";
import { routeWithServiceRouter } from "./service-routing.js";

export interface EvaluateOptions {
  targetQuality: number;
  sweep: boolean;
  /** Number of cross-validation folds; undefined: no cross-validation. */
  cvFolds?: number;
  seed: number;
  progress?: (label: string) => ProgressBar;
}

export interface Curves {
  router: CurvePoint[];
  random: CurvePoint[];
  length: CurvePoint[];
}

export interface AtRouterCost {
  cost: number;
  router: number;
  /** Random routing with the router's tier mix (so at the router's cost). */
  random: number | null;
  /** The best length-threshold fit that costs no more than the router. */
  length: number | null;
}

export interface EvaluationReport {
  n: number;
  exemplars: number;
  modelId: string;
  params: RoutingParams;
  router: RoutingMetrics;
  /** How often each decision reason occurred. */
  reasons: Partial<Record<DecisionReason, number>>;
  baselines: Array<Omit<MethodResult, "routed">>;
  /** Best quality each method reaches at no more than the router's cost. */
  atRouterCost: AtRouterCost;
  /** The same under cross-validation. */
  cvAtRouterCost?: AtRouterCost;
  sweep?: Curves;
  cv?: CrossValidationResult;
}

/** Targets of quality for which the length baseline is fitted to trace its curve. */
const lengthTargets = unitGrid(0.01).filter((t) => t >= 0.5);

/**
 * Evaluates the configured router on a labelled set: the service's Router on
 * the shipped exemplars, the baselines on the same queries (trained on the
 * exemplars), and optionally the margin sweep and k-fold cross-validation.
 */
export async function evaluateRouter(config: Config, encoder: Encoder, data: EvaluationData, options: EvaluateOptions): Promise<EvaluationReport> {
  const params = { k: config.routing.k, margin: config.routing.margin, minSimilarity: config.routing.minSimilarity };
  const setup = { tiers: config.tiers.map((t) => t.name), fallbackTier: fallbackTierOf(config) };
  const labels = data.queries.map((q) => q.tier);
  const index = buildIndex(data.exemplars, config.index, encoder.dimensions);

  const bar = options.progress?.("routing");
  const decisions = await routeWithServiceRouter(
    config,
    storeBackedEncoder(data.store, encoder),
    index,
    data.queries.map((q) => q.query),
    (done, total) => bar?.update(done, total),
  );
  bar?.finish();
  const router = computeMetrics(
    decisions.map((d, i) => ({ label: labels[i]!, routed: d.tier })),
    config.tiers,
  );
  const reasons: Partial<Record<DecisionReason, number>> = {};
  for (const d of decisions) reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;

  const train = data.exemplars.map((e) => ({ text: e.text, tier: e.tier }));
  const test = data.queries.map((q) => ({ text: q.query, tier: q.tier }));
  const candidates = lengthCandidates(train, config.tiers);
  const baselines = evaluateBaselines(
    { train, test, tiers: config.tiers, fallbackTier: setup.fallbackTier, routerTraffic: router.traffic, targetQuality: options.targetQuality },
    candidates,
  ).map(({ routed: _routed, ...rest }) => rest);
  const length = curveFromRoutes(lengthRoutesByTarget(candidates, test, setup.tiers, lengthTargets), labels, config.tiers);
  const random = baselines.find((b) => b.name === "random, router's mix")!.metrics.quality;

  const report: EvaluationReport = {
    n: data.queries.length,
    exemplars: data.exemplars.length,
    modelId: encoder.modelId,
    params,
    router,
    reasons,
    baselines,
    atRouterCost: { cost: router.relativeCost, router: router.quality, random, length: qualityAtCost(length, router.relativeCost) },
  };

  if (options.sweep) {
    const neighbors = searchAll(
      index,
      data.queries.map((q) => q.queryVector),
      params.k,
    );
    const routerCurve = sweepMargin(neighbors, labels, params, setup, config.tiers);
    report.sweep = { router: routerCurve, random: randomCurve(routerCurve, labels, config.tiers), length };
  }
  if (options.cvFolds !== undefined) {
    report.cv = crossValidate(data.queries, {
      folds: options.cvFolds,
      seed: options.seed,
      params,
      setup,
      tiers: config.tiers,
      index: config.index,
      dimensions: encoder.dimensions,
      targetQuality: options.targetQuality,
      sweepMargins: options.sweep ? unitGrid(0.01) : undefined,
      lengthTargets,
    });
    const pooled = (name: string) => report.cv!.methods.find((m) => m.name === name)!.pooled;
    const cost = pooled("router").relativeCost;
    report.cvAtRouterCost = {
      cost,
      router: pooled("router").quality,
      random: pooled("random, router's mix").quality,
      length: qualityAtCost(report.cv.lengthCurve!, cost),
    };
  }
  return report;
}
