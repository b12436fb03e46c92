import { extractFeatures, modelFormat, tierRisks, type SecondStageModel, type VoteGate } from "../../src/routing/second-stage/model.js";
import { neighborFeatureNames } from "../../src/routing/second-stage/neighbor-features.js";
import { textFeatureNames } from "../../src/routing/second-stage/text-features.js";
import { fitLogistic } from "./logistic.js";
import type { Neighborhood } from "./neighborhoods.js";
import { foldSplits, stratifiedFolds } from "./stratified-folds.js";

/** A labelled row as the second stage sees it. */
export interface TrainingExample {
  tier: string;
  features: Record<string, number>;
  /** Relative weight in the fit (exemplars may count less than real traffic). */
  weight: number;
}

/** What to fit: which features, which k values, how much shrinkage. */
export interface Recipe {
  tiers: string[];
  ks: number[];
  features: string[];
  l2: number;
  /** Where the curated exemplars decide before the model (null: the model decides everything). */
  voteGate: VoteGate | null;
}

/**
 * The shipped gate: the nearest 3 exemplars give at least 70% of their
 * similarity-weighted vote to one tier and are at least 0.5 similar on
 * average. Chosen for common sense, not fitted: at these values the gate
 * settles greetings, one-line facts and proofs like the curated ones, and
 * about a tenth of real traffic (README "Routing quality").
 */
export const defaultVoteGate: VoteGate = { k: 3, minShare: 0.7, minMeanSimilarity: 0.5 };

export function defaultRecipe(tiers: readonly string[], ks: readonly number[] = [3, 7, 15, 31]): Recipe {
  return { tiers: [...tiers], ks: [...ks], features: [...neighborFeatureNames(tiers, ks), ...textFeatureNames], l2: 10, voteGate: defaultVoteGate };
}

export function examplesOf(rows: readonly Neighborhood[], recipe: Pick<Recipe, "tiers" | "ks">, weight = 1): TrainingExample[] {
  return rows.map((r) => ({ tier: r.tier, features: extractFeatures(r.text, r.neighbors, recipe.tiers, recipe.ks), weight }));
}

/**
 * Fits one logistic regression per tier boundary on standardised features.
 * The thresholds are a placeholder (nothing leaves the top tier) until an
 * operating point is chosen.
 */
export function fitSecondStage(
  examples: readonly TrainingExample[],
  recipe: Recipe,
  embeddingModel: string,
  thresholds: readonly number[] = recipe.tiers.slice(1).map(() => 0),
): SecondStageModel {
  if (examples.length === 0) throw new Error("no training rows");
  const total = examples.reduce((s, e) => s + e.weight, 0);
  const features = recipe.features.map((name) => {
    const mean = examples.reduce((s, e) => s + e.weight * (e.features[name] ?? 0), 0) / total;
    const variance = examples.reduce((s, e) => s + e.weight * ((e.features[name] ?? 0) - mean) ** 2, 0) / total;
    const sd = Math.sqrt(variance);
    return { name, mean: round(mean), sd: sd > 1e-9 ? round(sd) : 1 };
  });
  const x = examples.map((e) => features.map((f) => ((e.features[f.name] ?? 0) - f.mean) / f.sd));
  const rank = new Map(recipe.tiers.map((t, i) => [t, i]));
  const sampleWeights = examples.map((e) => e.weight);
  const boundaries = recipe.tiers.slice(0, -1).map((above, b) => {
    const y = examples.map((e) => (rank.get(e.tier)! > b ? 1 : 0));
    const fit = fitLogistic(x, y, { l2: recipe.l2, sampleWeights });
    return { above, bias: round(fit.bias), weights: Object.fromEntries(features.map((f, j) => [f.name, round(fit.weights[j]!)])) };
  });
  return { format: modelFormat, tiers: recipe.tiers, ks: recipe.ks, features, boundaries, thresholds: [...thresholds], voteGate: recipe.voteGate, embeddingModel, training: {} };
}

/**
 * Out-of-fold risks for every row of `rows`: in each of `folds` stratified
 * folds, a model fitted on the other folds (plus every row of `always`, e.g.
 * the exemplars, which are never scored) scores the held-out rows. The
 * operating point is then chosen on risks no model saw its own label for.
 */
export function crossFitRisks(rows: readonly TrainingExample[], always: readonly TrainingExample[], recipe: Recipe, folds = 5, seed = 1): number[][] {
  const risks = new Array<number[]>(rows.length);
  const splits = foldSplits(
    stratifiedFolds(
      rows.map((r) => r.tier),
      Math.min(folds, rows.length),
      seed,
    ),
    Math.min(folds, rows.length),
  );
  for (const { train, test } of splits) {
    const model = fitSecondStage([...train.map((i) => rows[i]!), ...always], recipe, "cross-fit");
    for (const i of test) risks[i] = tierRisks(model, rows[i]!.features);
  }
  return risks;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
