import type { OodOptions } from "../../src/routing/ood.js";
import { gateVote } from "../../src/routing/steps/second-stage.js";
import { tierRisks, type SecondStageModel } from "../../src/routing/second-stage/model.js";
import type { RoutingParams, TierSetup } from "./knn-routing.js";
import type { Neighborhood } from "./neighborhoods.js";
import { downgradeRates, selectRiskControlled, type Downgrade, type Evaluated, type RiskTarget, type Selection } from "./risk-control.js";
import { crossFitRisks, examplesOf, fitSecondStage, type Recipe, type TrainingExample } from "./second-stage-training.js";
import { fitOod, knnPaths, knnRouter, oodFlags, secondStageRouter, thresholdPaths, type KnnGrid, type ThresholdParams } from "./strategies.js";

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
  /**
   * Which rows the second stage's operating point is held to the target on:
   * "all" (every row, whatever decided it: the quality a user gets) or
   * "model" (the rows the model decides, the gate's and the OOD guard's
   * left out: for data whose labels disagree with the curated exemplars by
   * construction, such as outcome labels judged against the strongest model).
   */
  scope?: "all" | "model";
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

export interface SecondStageFit extends StrategyFit<ThresholdParams> {
  strategy: "second-stage";
  /** Fitted on the rows it decides, carrying the chosen thresholds (all zero, everything to the top tier, when none passed). */
  model: SecondStageModel;
  /** Of the fitting rows, how many the vote gate settled and how many the OOD guard sent up. */
  gated: number;
  outOfDistribution: number;
}

function oodFor(rows: readonly Neighborhood[], options: FitOptions): OodOptions | null {
  return options.oodPercentile > 0 ? fitOod(rows, options.oodPercentile, options.oodK) : null;
}

function downgradesOf<P>(chosen: Evaluated<P> | null, route: (p: P) => readonly string[], labels: readonly string[], options: FitOptions): Downgrade[] {
  const routed = chosen ? route(chosen.params) : labels.map(() => options.setup.fallbackTier);
  return downgradeRates(routed, labels, options.setup.tiers, options.target.confidence, options.target.method);
}

/** The vote: OOD thresholds, then the cheapest (k, margin, floor) whose quality bound reaches the target. */
export function fitKnn(rows: readonly Neighborhood[], options: FitOptions): KnnFit {
  const ood = oodFor(rows, options);
  const labels = rows.map((r) => r.tier);
  const route = knnRouter(rows, options.setup, oodFlags(rows, ood));
  const selection = selectRiskControlled(knnPaths(options.knnGrid), route, labels, options.tiers, options.target);
  return { strategy: "knn", ood, selection, downgrades: downgradesOf(selection.chosen, route, labels, options) };
}

/** A labelled row, and the source it came from when there are several (the per-source criterion and the weighting need it). */
type FitRow = Neighborhood & { source?: string };

/** Per row, the tier the vote gate settles it at, or null when the model decides. */
export function gatedTiers(rows: readonly Neighborhood[], recipe: Pick<Recipe, "tiers" | "voteGate">): Array<string | null> {
  return rows.map((r) => (recipe.voteGate ? (gateVote(r.neighbors, recipe.tiers, recipe.voteGate)?.tier ?? null) : null));
}

/** Training examples weighted so that every source counts the same in the fit, however many rows it has. */
function sourceBalanced(examples: TrainingExample[], rows: readonly FitRow[]): TrainingExample[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.source ?? "", (counts.get(r.source ?? "") ?? 0) + 1);
  if (counts.size < 2) return examples;
  const mean = rows.length / counts.size;
  return examples.map((e, i) => ({ ...e, weight: e.weight * (mean / counts.get(rows[i]!.source ?? "")!) }));
}

/**
 * The second stage: OOD thresholds; the vote gate's share; out-of-fold risks
 * of the rows the model decides (stratified folds; sources weighted equally;
 * exemplars, when weighted, join every training fold but are never scored);
 * the cheapest thresholds whose quality bound reaches the target on those
 * risks (on every source, with the per-source criterion); then the model
 * refitted on every row it decides, carrying them.
 */
export function fitSecondStageStrategy(rows: readonly FitRow[], exemplarRows: readonly Neighborhood[], options: FitOptions): SecondStageFit {
  const ood = oodFor(rows, options);
  const flags = oodFlags(rows, ood);
  const gated = gatedTiers(rows, options.recipe);
  const decided = rows.flatMap((_, i) => (!flags[i] && gated[i] === null ? [i] : []));
  const examples = sourceBalanced(
    examplesOf(
      decided.map((i) => rows[i]!),
      options.recipe,
    ),
    decided.map((i) => rows[i]!),
  );
  const extra = options.exemplarWeight > 0 ? examplesOf(exemplarRows, options.recipe, options.exemplarWeight) : [];
  const risks: number[][] = rows.map(() => options.setup.tiers.map(() => 0));
  const outOfFold = examples.length > 0 ? crossFitRisks(examples, extra, options.recipe, options.folds, options.seed) : [];
  decided.forEach((row, j) => (risks[row] = outOfFold[j]!));
  const scoped = options.scope === "model" ? decided : rows.map((_, i) => i);
  const pick = <T>(xs: readonly T[]) => scoped.map((i) => xs[i]!);
  const routeAll = secondStageRouter(risks, options.setup, flags, gated);
  const route = (p: ThresholdParams) => pick(routeAll(p));
  const labels = pick(rows.map((r) => r.tier));
  const target = { ...options.target, groups: options.target.criterion === "per-source" ? pick(rows.map((r) => r.source ?? "")) : undefined };
  const selection = selectRiskControlled(thresholdPaths(options.setup.tiers.length), route, labels, options.tiers, target);
  const thresholds = selection.chosen?.params.thresholds ?? options.setup.tiers.slice(1).map(() => 0);
  const model = fitSecondStage(examples.length > 0 ? [...examples, ...extra] : extra, options.recipe, options.embeddingModel, thresholds);
  return {
    strategy: "second-stage",
    ood,
    selection,
    downgrades: downgradesOf(selection.chosen, route, labels, options),
    model,
    gated: gated.filter((g, i) => g !== null && !flags[i]).length,
    outOfDistribution: flags.filter(Boolean).length,
  };
}

/** Routes rows as the fitted strategy would (the fallback tier for every row when no point passed). */
export function routeWithFit(rows: readonly Neighborhood[], fit: KnnFit | SecondStageFit, setup: TierSetup, _tiers: readonly Tier[]): string[] {
  const flags = oodFlags(rows, fit.ood);
  const chosen = fit.selection.chosen;
  if (fit.strategy === "knn") return chosen ? knnRouter(rows, setup, flags)(chosen.params as RoutingParams) : rows.map(() => setup.fallbackTier);
  if (!chosen) return rows.map(() => setup.fallbackTier);
  const risks = rows.map((r) => tierRisks(fit.model, examplesOf([r], fit.model)[0]!.features));
  return secondStageRouter(risks, setup, flags, gatedTiers(rows, { tiers: fit.model.tiers, voteGate: fit.model.voteGate ?? null }))({ thresholds: fit.model.thresholds! });
}
