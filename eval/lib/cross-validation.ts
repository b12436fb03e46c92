import type { Config } from "../../src/base/config/config-schema.js";
import type { Neighbor } from "../../src/adapters/vector-index/exemplar-index.js";
import { curveFromRoutes, evaluateBaselines, lengthRoutesByTarget, randomCurve } from "./baselines.js";
import type { LabelledQueryVectors } from "./evaluation-data.js";
import { buildIndex, routeNeighbors, searchAll, type RoutingParams, type TierSetup } from "./knn-routing.js";
import { lengthCandidates } from "./length-baseline.js";
import { sweepMargin, type CurvePoint } from "./margin-sweep.js";
import { computeMetrics, type RoutingMetrics } from "./metrics.js";
import { foldSplits, stratifiedFolds } from "./stratified-folds.js";

export interface CrossValidationOptions {
  folds: number;
  seed: number;
  params: RoutingParams;
  setup: TierSetup;
  tiers: Config["tiers"];
  index: Pick<Config["index"], "M" | "efConstruction" | "ef">;
  dimensions: number;
  targetQuality: number;
  /** Margins for the router's pooled quality-cost curve; none: no curve. */
  sweepMargins?: readonly number[];
  /** Target qualities the length baseline is fitted to, per fold, for its pooled curve; none: no curve. */
  lengthTargets?: readonly number[];
}

export interface CrossValidatedMethod {
  name: string;
  /** Metrics over every held-out query of every fold. */
  pooled: RoutingMetrics;
  perFold: RoutingMetrics[];
}

export interface CrossValidationResult {
  folds: number;
  seed: number;
  params: RoutingParams;
  /** The router first, then the baselines. */
  methods: CrossValidatedMethod[];
  /** The router over the sweep margins, and random routing at each point's tier mix. */
  sweep?: { router: CurvePoint[]; random: CurvePoint[] };
  /** The length baseline fitted on each training fold for each target quality. */
  lengthCurve?: CurvePoint[];
}

/**
 * Stratified k-fold cross-validation of the routing algorithm: in each fold
 * the training queries replace the shipped exemplars (embedded as the service
 * embeds exemplars), and the held-out queries are routed with the given k,
 * margin and floor. Measures the embedding, k, vote and margin on their own,
 * apart from the quality of the shipped exemplar set. Vectors are computed
 * once beforehand, so folds only build indexes and vote.
 */
export function crossValidate(items: readonly LabelledQueryVectors[], options: CrossValidationOptions): CrossValidationResult {
  const labels = items.map((q) => q.tier);
  const splits = foldSplits(stratifiedFolds(labels, options.folds, options.seed), options.folds);
  const tierNames = options.tiers.map((t) => t.name);
  const perMethod = new Map<string, { perFold: RoutingMetrics[]; labels: string[]; routed: string[] }>();
  const add = (name: string, foldLabels: string[], routed: string[]) => {
    const entry = perMethod.get(name) ?? { perFold: [], labels: [], routed: [] };
    entry.perFold.push(
      computeMetrics(
        routed.map((r, i) => ({ label: foldLabels[i]!, routed: r })),
        options.tiers,
      ),
    );
    entry.labels.push(...foldLabels);
    entry.routed.push(...routed);
    perMethod.set(name, entry);
  };
  const pooledNeighbors: Neighbor[][] = [];
  const pooledLabels: string[] = [];
  const lengthRoutes = new Map<number, string[]>();

  for (const { train, test } of splits) {
    const trainItems = train.map((i) => items[i]!);
    const testItems = test.map((i) => items[i]!);
    const testLabels = testItems.map((q) => q.tier);
    const index = buildIndex(
      trainItems.map((q) => q.asExemplar),
      options.index,
      options.dimensions,
    );
    const neighbors = searchAll(
      index,
      testItems.map((q) => q.queryVector),
      options.params.k,
    );
    const routed = routeNeighbors(neighbors, options.params, options.setup);
    add("router", testLabels, routed);
    pooledNeighbors.push(...neighbors);
    pooledLabels.push(...testLabels);

    const trainExamples = trainItems.map((q) => ({ text: q.query, tier: q.tier }));
    const testExamples = testItems.map((q) => ({ text: q.query, tier: q.tier }));
    const candidates = lengthCandidates(trainExamples, options.tiers);
    const routerTraffic = computeMetrics(
      routed.map((r, i) => ({ label: testLabels[i]!, routed: r })),
      options.tiers,
    ).traffic;
    const baselines = evaluateBaselines(
      { train: trainExamples, test: testExamples, tiers: options.tiers, fallbackTier: options.setup.fallbackTier, routerTraffic, targetQuality: options.targetQuality },
      candidates,
    );
    for (const b of baselines) add(b.name, testLabels, b.routed);
    for (const { target, routed: r } of lengthRoutesByTarget(candidates, testExamples, tierNames, options.lengthTargets ?? [])) {
      lengthRoutes.set(target, [...(lengthRoutes.get(target) ?? []), ...r]);
    }
  }

  const methods = [...perMethod.entries()].map(([name, e]) => ({
    name,
    perFold: e.perFold,
    pooled: computeMetrics(
      e.routed.map((r, i) => ({ label: e.labels[i]!, routed: r })),
      options.tiers,
    ),
  }));
  const result: CrossValidationResult = { folds: options.folds, seed: options.seed, params: options.params, methods };
  if (options.sweepMargins) {
    const router = sweepMargin(pooledNeighbors, pooledLabels, options.params, options.setup, options.tiers, options.sweepMargins);
    result.sweep = { router, random: randomCurve(router, pooledLabels, options.tiers) };
  }
  if (options.lengthTargets) {
    result.lengthCurve = curveFromRoutes(
      [...lengthRoutes.entries()].map(([target, routed]) => ({ target, routed })),
      pooledLabels,
      options.tiers,
    );
  }
  return result;
}
