import type { OodOptions } from "../../src/routing/ood.js";
import { relativePrices, tierRisks, type SecondStageModel } from "../../src/routing/second-stage/model.js";
import type { RoutingParams, TierSetup } from "./knn-routing.js";
import type { Neighbourhood } from "./neighbourhoods.js";
import { downgradeRates, selectRiskControlled, type Downgrade, type Evaluated, type RiskTarget, type Selection } from "./risk-control.js";
import { crossFitRisks, examplesOf, fitSecondStage, type Recipe } from "./second-stage-training.js";
import { downgradeCostPath, fitOod, knnPaths, knnRouter, oodFlags, secondStageRouter, type CostParams, type KnnGrid } from "./strategies.js";

type Tier = { name: string; pricePer1MTokens: number };

/** Everything one calibration needs besides the rows. */
export interface FitOptions {
  tiers: readonly Tier[];
  setup: TierSetup;
  target: RiskTarget;
  /** OOD thresholds at this percentile of the fitting rows (0: no OOD guard). */
  oodPercentile: number;
  oodK: number;
  knnGrid: KnnGrid;
  recipe: Recipe;
  /** Weight of each exemplar as a training row of the second stage (0: real rows only). */
  exemplarWeight: number;
  folds: number;
  seed: number;
  embeddingModel: string;
}

export interface StrategyFit<P> {
  ood: OodOptions | null;
  selection: Selection<P>;
  /** The chosen point's downgrade rates on the fitting rows, with upper bounds. */
  downgrades: Downgrade[];
}

export interface KnnFit extends StrategyFit<RoutingParams> {
  strategy: "knn";
}

export interface SecondStageFit extends StrategyFit<CostParams> {
  strategy: "second-stage";
  /** Fitted on every fitting row, carrying the chosen downgrade cost (the path's first, nearly everything to the top tier, when none passed). */
  model: SecondStageModel;
}

function oodFor(rows: readonly Neighbourhood[], options: FitOptions): OodOptions | null {
  return options.oodPercentile > 0 ? fitOod(rows, options.oodPercentile, options.oodK) : null;
}

function downgradesOf<P>(chosen: Evaluated<P> | null, route: (p: P) => readonly string[], labels: readonly string[], options: FitOptions): Downgrade[] {
  const routed = chosen ? route(chosen.params) : labels.map(() => options.setup.fallbackTier);
  return downgradeRates(routed, labels, options.setup.tiers, options.target.confidence, options.target.method);
}

/** The vote: OOD thresholds, then the cheapest (k, margin, floor) whose quality bound reaches the target. */
export function fitKnn(rows: readonly Neighbourhood[], options: FitOptions): KnnFit {
  const ood = oodFor(rows, options);
  const labels = rows.map((r) => r.tier);
  const route = knnRouter(rows, options.setup, oodFlags(rows, ood));
  const selection = selectRiskControlled(knnPaths(options.knnGrid), route, labels, options.tiers, options.target);
  return { strategy: "knn", ood, selection, downgrades: downgradesOf(selection.chosen, route, labels, options) };
}

/**
 * The second stage: OOD thresholds; out-of-fold risks of the fitting rows
 * (stratified folds; exemplars, when weighted, join every training fold but
 * are never scored); the cheapest downgrade cost whose quality bound reaches
 * the target on those risks; then the model refitted on every row, carrying it.
 */
export function fitSecondStageStrategy(rows: readonly Neighbourhood[], exemplarRows: readonly Neighbourhood[], options: FitOptions): SecondStageFit {
  const ood = oodFor(rows, options);
  const labels = rows.map((r) => r.tier);
  const examples = examplesOf(rows, options.recipe);
  const extra = options.exemplarWeight > 0 ? examplesOf(exemplarRows, options.recipe, options.exemplarWeight) : [];
  const risks = crossFitRisks(examples, extra, options.recipe, options.folds, options.seed);
  const route = secondStageRouter(risks, options.setup, oodFlags(rows, ood), relativePrices(options.tiers));
  const path = downgradeCostPath();
  const selection = selectRiskControlled([path], route, labels, options.tiers, options.target);
  const model = fitSecondStage([...examples, ...extra], options.recipe, options.embeddingModel, (selection.chosen?.params ?? path[0]!).downgradeCost);
  return { strategy: "second-stage", ood, selection, downgrades: downgradesOf(selection.chosen, route, labels, options), model };
}

/** Routes rows as the fitted strategy would (the fallback tier for every row when no point passed). */
export function routeWithFit(rows: readonly Neighbourhood[], fit: KnnFit | SecondStageFit, setup: TierSetup, tiers: readonly Tier[]): string[] {
  const flags = oodFlags(rows, fit.ood);
  const chosen = fit.selection.chosen;
  if (fit.strategy === "knn") return chosen ? knnRouter(rows, setup, flags)(chosen.params as RoutingParams) : rows.map(() => setup.fallbackTier);
  const risks = rows.map((r) => tierRisks(fit.model, examplesOf([r], fit.model)[0]!.features));
  if (!chosen) return rows.map(() => setup.fallbackTier);
  return secondStageRouter(risks, setup, flags, relativePrices(tiers))({ downgradeCost: fit.model.downgradeCost });
}
