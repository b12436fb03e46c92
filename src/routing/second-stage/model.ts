import { z } from "zod";
import type { Neighbor } from "../../adapters/vector-index/exemplar-index.js";
import { neighborFeatureNames, neighborFeatures } from "./neighbor-features.js";
import { textFeatureNames, textFeatures } from "./text-features.js";

/**
 * The second stage: one logistic regression per tier boundary, each giving
 * P(the query needs more than tier t), over standardised features of the
 * neighborhood and the text (an ordinal model in the binary-decomposition
 * form: the tiers are ordered, so "needs more than fast" and "needs more
 * than standard" are the two questions that matter). A small JSON file,
 * written by `npm run train-router` (eval/), read here: training and serving
 * compute the features with the same code.
 */
export const modelFormat = "tierline-second-stage/2";
/** The first format: one downgrade cost instead of per-tier thresholds and no vote gate. Still read. */
export const legacyModelFormat = "tierline-second-stage/1";

const boundarySchema = z.object({
  /** P(needs more than this tier). */
  above: z.string(),
  bias: z.number(),
  /** Per standardised feature; a feature not named weighs 0. */
  weights: z.record(z.string(), z.number()),
});

/**
 * When the nearest exemplars agree, the curated set decides: the vote over the
 * nearest `k` settles the query when its tier holds at least `minShare` of the
 * similarity-weighted vote and those `k` are at least `minMeanSimilarity`
 * similar on average. This is where common sense lives ("hi", "17 x 23",
 * "prove that...": a curator wrote their like); the model decides the rest,
 * the traffic no exemplar speaks for clearly.
 */
const voteGateSchema = z.object({
  k: z.number().int().min(1).max(100),
  minShare: z.number().min(0).max(1),
  minMeanSimilarity: z.number().min(-1).max(1),
});
export type VoteGate = z.infer<typeof voteGateSchema>;

export const secondStageModelSchema = z.object({
  format: z.union([z.literal(modelFormat), z.literal(legacyModelFormat)]),
  /** Cheapest first; must equal the configured tiers. */
  tiers: z.array(z.string()).min(2),
  /** The k values of the neighborhood features; the router searches max(ks) neighbors. */
  ks: z.array(z.number().int().min(1).max(100)).min(1),
  features: z.array(z.object({ name: z.string(), mean: z.number(), sd: z.number().positive() })),
  boundaries: z.array(boundarySchema),
  /**
   * The operating point (format 2): for each tier but the top one, the
   * highest risk of being too weak at which it is still chosen. The router
   * picks the cheapest tier whose risk is at most its threshold, so every
   * tier is reachable on its own. Chosen by calibration for the tiers' prices.
   */
  thresholds: z.array(z.number().min(0).max(1)).optional(),
  /** The curated exemplars' say before the model's (format 2; absent or null: the model decides alone). */
  voteGate: voteGateSchema.nullable().optional(),
  /**
   * Format 1's operating point: what one query sent to too cheap a tier
   * costs, in calls of the most expensive tier (the tier with the lowest
   * relative price plus downgradeCost x risk wins).
   */
  downgradeCost: z.number().positive().optional(),
  /** The embedding model the neighborhood features were computed with. */
  embeddingModel: z.string(),
  /** How it was trained and how downgradeCost was chosen: provenance, not read by the router. */
  training: z.record(z.string(), z.unknown()).default({}),
});

export type SecondStageModel = z.infer<typeof secondStageModelSchema>;

/** Checks what the schema cannot: boundaries match the tiers, features are known, the operating point fits the format. */
export function validateModel(model: SecondStageModel): SecondStageModel {
  const expected = model.tiers.slice(0, -1);
  if (model.format === legacyModelFormat && model.downgradeCost === undefined) throw new Error(`second-stage model: format ${legacyModelFormat} needs downgradeCost`);
  if (model.format === modelFormat && model.thresholds?.length !== expected.length) {
    throw new Error(`second-stage model: thresholds must give one risk for each tier but the top one (${expected.join(", ")})`);
  }
  if (model.boundaries.map((b) => b.above).join() !== expected.join()) {
    throw new Error(`second-stage model: boundaries must be above ${expected.join(", ")} in order`);
  }
  const known = new Set<string>([...textFeatureNames, ...neighborFeatureNames(model.tiers, model.ks)]);
  const names = new Set(model.features.map((f) => f.name));
  for (const f of model.features) if (!known.has(f.name)) throw new Error(`second-stage model: unknown feature "${f.name}"`);
  for (const b of model.boundaries) {
    for (const name of Object.keys(b.weights)) if (!names.has(name)) throw new Error(`second-stage model: weight for "${name}" has no feature entry`);
  }
  return model;
}

/**
 * The same model under other tier names, matched by position (cheapest
 * first): its boundaries and the features named after a tier
 * (`knn.<k>.<tier>`, `sim.best.<tier>`) follow. A model learns what an
 * ordinal level of difficulty looks like, not a name, so "small, medium,
 * large" can use one trained as "fast, standard, premium".
 */
export function renameModelTiers(model: SecondStageModel, tiers: readonly string[]): SecondStageModel {
  if (tiers.length !== model.tiers.length) throw new Error(`cannot rename ${model.tiers.length} tiers to ${tiers.length}`);
  const to = new Map(model.tiers.map((t, i) => [t, tiers[i]!]));
  const rename = (name: string) => name.replace(/^(knn\.\d+\.|sim\.best\.)(.+)$/, (whole, prefix: string, tier: string) => (to.has(tier) ? prefix + to.get(tier)! : whole));
  return {
    ...model,
    tiers: [...tiers],
    features: model.features.map((f) => ({ ...f, name: rename(f.name) })),
    boundaries: model.boundaries.map((b) => ({ ...b, above: to.get(b.above) ?? b.above, weights: Object.fromEntries(Object.entries(b.weights).map(([n, w]) => [rename(n), w])) })),
  };
}

/** Every feature, by name, for one query: its normalised text and its neighbors (most similar first). */
export function extractFeatures(
  text: string,
  neighbors: readonly Pick<Neighbor, "tier" | "similarity">[],
  tiers: readonly string[],
  ks: readonly number[],
  /** textFeatures(text), when already computed. */
  ofText?: Readonly<Record<string, number>>,
): Record<string, number> {
  return { ...neighborFeatures(neighbors, tiers, ks), ...(ofText ?? textFeatures(text)) };
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

/** The cheapest tier whose risk of being too weak is at most its threshold (the top tier, whose risk is 0, otherwise). */
export function tierByThresholds(risks: readonly number[], thresholds: readonly number[]): number {
  for (let t = 0; t < risks.length - 1; t++) if (risks[t]! <= thresholds[t]! + 1e-12) return t;
  return risks.length - 1;
}

/** P(the query needs exactly tier i), from the risks P(needs more than tier i). */
export function exactTierLikelihoods(risks: readonly number[]): number[] {
  return risks.map((r, i) => (i === 0 ? 1 : risks[i - 1]!) - r);
}

/** Each tier's price as a share of the most expensive one's. */
export function relativePrices(tiers: ReadonlyArray<{ pricePer1MTokens: number }>): number[] {
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  return tiers.map((t) => (top > 0 ? t.pricePer1MTokens / top : 0));
}
