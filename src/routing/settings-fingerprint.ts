import { createHash } from "node:crypto";
import type { Config } from "../base/config/config-schema.js";
import type { SecondStageModel } from "./second-stage/model.js";

/**
 * A short hash of everything besides the exemplars and the embedding model
 * that changes what the router decides for a given embedding: the tiers and
 * their prices, the routing settings (strategy, vote, OOD guard, downgrade
 * cost), the profiles' tiers and vote settings, the second-stage model's
 * content, and the LLM complexity rating (on or off, its tier, its models,
 * its tier map: a rated verdict is cached). The decision cache is scoped by
 * it, so a recalibration or a new strategy never serves verdicts remembered
 * under the old one.
 */
type FingerprintedConfig = Pick<Config, "tiers" | "routing" | "profiles"> & Partial<Pick<Config, "gateway">>;

export function routingFingerprint(config: FingerprintedConfig, model?: SecondStageModel): string {
  const { modelFile: _file, ...secondStage } = config.routing.secondStage;
  const settings = {
    tiers: config.tiers.map((t) => [t.name, t.pricePer1MTokens]),
    routing: { ...config.routing, secondStage },
    profiles: Object.entries(config.profiles).map(([name, p]) => [name, p.tiers ?? null, p.routing ?? null]),
    rating: ratingSettings(config),
    model: model
      ? {
          tiers: model.tiers,
          ks: model.ks,
          features: model.features,
          boundaries: model.boundaries,
          downgradeCost: model.downgradeCost,
          thresholds: model.thresholds,
          voteGate: model.voteGate,
          embeddingModel: model.embeddingModel,
        }
      : null,
  };
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 12);
}

/** What of the complexity rating changes a verdict; null when it is off (so turning it on or off changes the scope). */
function ratingSettings(config: FingerprintedConfig): unknown {
  const rating = config.gateway?.complexityRating;
  if (!rating?.enabled) return null;
  const tier = rating.tier ?? config.tiers[0]!.name;
  return { tier, models: config.tiers.find((t) => t.name === tier)?.upstreams?.map((u) => u.model) ?? [], tierByRating: rating.tierByRating ?? null };
}

/** The decision cache's scope: the embedding model id (part of every key already) and the routing fingerprint. */
export function decisionCacheScope(modelId: string, config: FingerprintedConfig, model?: SecondStageModel): string {
  return `${modelId}|routing-${routingFingerprint(config, model)}`;
}
