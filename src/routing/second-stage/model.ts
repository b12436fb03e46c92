import { z } from "zod";
import type { Neighbor } from "../../vector-index/exemplar-index.js";
import { neighbourFeatureNames, neighbourFeatures } from "./neighbour-features.js";
import { textFeatureNames, textFeatures } from "./text-features.js";

/**
 * The second stage: one logistic regression per tier boundary, each giving
 * P(the query needs more than tier t), over standardised features of the
 * neighbourhood and the text (an ordinal model in the binary-decomposition
 * form: the tiers are ordered, so "needs more than fast" and "needs more
 * than standard" are the two questions that matter). A small JSON file,
 * written by `npm run train-router` (eval/), read here: training and serving
 * compute the features with the same code.
 */
export const modelFormat = "tierline-second-stage/1";

const boundarySchema = z.object({
  /** P(needs more than this tier). */
  above: z.string(),
  bias: z.number(),
  /** Per standardised feature; a feature not named weighs 0. */
  weights: z.record(z.string(), z.number()),
});

export const secondStageModelSchema = z.object({
  format: z.literal(modelFormat),
  /** Cheapest first; must equal the configured tiers. */
  tiers: z.array(z.string()).min(2),
  /** The k values of the neighbourhood features; the router searches max(ks) neighbours. */
  ks: z.array(z.number().int().min(1).max(100)).min(1),
  features: z.array(z.object({ name: z.string(), mean: z.number(), sd: z.number().positive() })),
  boundaries: z.array(boundarySchema),
  /**
   * What one query sent to too cheap a tier costs, in calls of the most
   * expensive tier: the router picks the tier with the lowest price (relative
   * to the top tier's) plus downgradeCost x risk. Chosen by calibration.
   */
  downgradeCost: z.number().positive(),
  /** The embedding model the neighbourhood features were computed with. */
  embeddingModel: z.string(),
  /** How it was trained and how downgradeCost was chosen: provenance, not read by the router. */
  training: z.record(z.string(), z.unknown()).default({}),
});

export type SecondStageModel = z.infer<typeof secondStageModelSchema>;

/** Checks what the schema cannot: boundaries match the tiers, features are known. */
export function validateModel(model: SecondStageModel): SecondStageModel {
  const expected = model.tiers.slice(0, -1);
  if (model.boundaries.map((b) => b.above).join() !== expected.join()) {
    throw new Error(`second-stage model: boundaries must be above ${expected.join(", ")} in order`);
  }
  const known = new Set<string>([...textFeatureNames, ...neighbourFeatureNames(model.tiers, model.ks)]);
  const names = new Set(model.features.map((f) => f.name));
  for (const f of model.features) if (!known.has(f.name)) throw new Error(`second-stage model: unknown feature "${f.name}"`);
  for (const b of model.boundaries) {
    for (const name of Object.keys(b.weights)) if (!names.has(name)) throw new Error(`second-stage model: weight for "${name}" has no feature entry`);
  }
  return model;
}

/** Every feature, by name, for one query: its normalised text and its neighbours (most similar first). */
export function extractFeatures(text: string, neighbors: readonly Pick<Neighbor, "tier" | "similarity">[], tiers: readonly string[], ks: readonly number[]): Record<string, number> {
  return { ...neighbourFeatures(neighbors, tiers, ks), ...textFeatures(text) };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Risk of each tier: the probability that the query needs more than it.
 * Made non-increasing up the tiers (a tier's risk is at least any more
 * capable tier's), and 0 for the top tier.
 */
export function tierRisks(model: SecondStageModel, features: Readonly<Record<string, number>>): number[] {
  const z = model.features.map((f) => ((features[f.name] ?? f.mean) - f.mean) / f.sd);
  const index = new Map(model.features.map((f, i) => [f.name, i]));
  const raw = model.boundaries.map((b) => {
    let s = b.bias;
    for (const [name, w] of Object.entries(b.weights)) s += w * z[index.get(name)!]!;
    return sigmoid(s);
  });
  const risks = [...raw, 0];
  for (let i = risks.length - 2; i >= 0; i--) risks[i] = Math.max(risks[i]!, risks[i + 1]!);
  return risks;
}

/**
 * The tier with the lowest expected cost: its price relative to the top
 * tier's, plus downgradeCost times the risk that it is too weak. The
 * Bayes-optimal rule for "cost, with a sent-too-cheap query costing
 * downgradeCost premium calls" when the risks are calibrated; ties go to the
 * more capable tier. The top tier (risk 0) costs 1.
 */
export function chooseTier(risks: readonly number[], relativePrices: readonly number[], downgradeCost: number): number {
  let best = risks.length - 1;
  let bestCost = relativePrices[best]! + downgradeCost * risks[best]!;
  for (let t = risks.length - 2; t >= 0; t--) {
    const cost = relativePrices[t]! + downgradeCost * risks[t]!;
    if (cost < bestCost - 1e-12) {
      best = t;
      bestCost = cost;
    }
  }
  return best;
}

/** Each tier's price as a share of the most expensive one's. */
export function relativePrices(tiers: ReadonlyArray<{ pricePer1MTokens: number }>): number[] {
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  return tiers.map((t) => (top > 0 ? t.pricePer1MTokens / top : 0));
}
