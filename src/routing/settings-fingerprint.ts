import { createHash } from "node:crypto";
import type { Config } from "../config/config-schema.js";
import type { SecondStageModel } from "./second-stage/model.js";

/**
 * A short hash of everything besides the exemplars and the embedding model
 * that changes what the router decides for a given embedding: the tiers and
 * their prices, the routing settings (strategy, vote, OOD guard, downgrade
 * cost), the profiles' tiers and vote settings, and the second-stage model's
 * content. The decision cache is scoped by it, so a recalibration or a new
 * strategy never serves verdicts remembered under the old one.
 */
export function routingFingerprint(config: Pick<Config, "tiers" | "routing" | "profiles">, model?: SecondStageModel): string {
  const { modelFile: _file, ...secondStage } = config.routing.secondStage;
  const settings = {
    tiers: config.tiers.map((t) => [t.name, t.pricePer1MTokens]),
    routing: { ...config.routing, secondStage },
    profiles: Object.entries(config.profiles).map(([name, p]) => [name, p.tiers ?? null, p.routing ?? null]),
    model: model ? { ks: model.ks, features: model.features, boundaries: model.boundaries, downgradeCost: model.downgradeCost, embeddingModel: model.embeddingModel } : null,
  };
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 12);
}

/** The decision cache's scope: the embedding model id (part of every key already) and the routing fingerprint. */
export function decisionCacheScope(modelId: string, config: Pick<Config, "tiers" | "routing" | "profiles">, model?: SecondStageModel): string {
  return `${modelId}|routing-${routingFingerprint(config, model)}`;
}
