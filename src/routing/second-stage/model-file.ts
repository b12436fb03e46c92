import { readFileSync } from "node:fs";
import { secondStageModelSchema, validateModel, type SecondStageModel } from "./model.js";

/** A model file that cannot serve this configuration: the service refuses to start rather than route on it. */
export class SecondStageModelError extends Error {
  override name = "SecondStageModelError";
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
  if (model.tiers.join() !== expect.tiers.join()) {
    throw new SecondStageModelError(`routing.secondStage.modelFile: ${file} was trained for tiers ${model.tiers.join(", ")}, the config has ${expect.tiers.join(", ")}; retrain it (npm run train-router)`);
  }
  if (model.embeddingModel !== expect.embeddingModel) {
    throw new SecondStageModelError(
      `routing.secondStage.modelFile: ${file} was trained on ${model.embeddingModel} neighbourhoods, the service embeds with ${expect.embeddingModel}; retrain it (npm run train-router) or use routing.strategy "knn"`,
    );
  }
  return model;
}
