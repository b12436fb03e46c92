import { readFileSync } from "node:fs";
import { renameModelTiers, secondStageModelSchema, validateModel, type SecondStageModel } from "./model.js";

/** A model file that cannot be read or is not a valid model: the service refuses to start rather than route on it. */
export class SecondStageModelError extends Error {
  override name = "SecondStageModelError";
}

/**
 * A valid model that does not fit this configuration (another number of
 * tiers, another embedding model): the service routes with the vote instead
 * and says so, since the configuration is otherwise sound.
 */
export class SecondStageMismatchError extends SecondStageModelError {
  override name = "SecondStageMismatchError";
}

/**
 * Reads and checks a second-stage model file: its format, its features, and
 * that it was trained for these tiers and this embedding model (similarities
 * of another model mean something else, so its weights would be meaningless).
 */
export function loadSecondStageModel(file: string, expect: { tiers: readonly string[]; embeddingModel: string }): SecondStageModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new SecondStageModelError(`routing.secondStage.modelFile: cannot read ${file} (${(err as Error).message})`);
  }
  const parsed = secondStageModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SecondStageModelError(`routing.secondStage.modelFile: ${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const model = parsed.data;
  try {
    validateModel(model);
  } catch (err) {
    throw new SecondStageModelError(`routing.secondStage.modelFile: ${file}: ${(err as Error).message}`);
  }
  if (model.tiers.length !== expect.tiers.length) {
    throw new SecondStageMismatchError(
      `routing.secondStage.modelFile: ${file} was trained for ${model.tiers.length} tiers (${model.tiers.join(", ")}), the config has ${expect.tiers.length} (${expect.tiers.join(", ")}); retrain it (npm run train-router)`,
    );
  }
  if (model.embeddingModel !== expect.embeddingModel) {
    throw new SecondStageMismatchError(
      `routing.secondStage.modelFile: ${file} was trained on ${model.embeddingModel} neighborhoods, the service embeds with ${expect.embeddingModel}; retrain it (npm run train-router) or use routing.strategy "knn"`,
    );
  }
  // Same number of tiers under other names: the levels map by position, cheapest first.
  return model.tiers.join() === expect.tiers.join() ? model : renameModelTiers(model, expect.tiers);
}
