import path from "node:path";
import type { Logger } from "pino";
import { namespacedCache } from "../stores/cache/namespaced-cache.js";
import { fallbackTierOf, type Config } from "../base/config/config-schema.js";
import { shadowTierOf } from "../base/config/loop-schema.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import { compileRules } from "../base/policy/rule-set.js";
import type { DecisionCache } from "../routing/decision-cache.js";
import { Router, type DecisionObserver, type RouterOptions } from "../routing/router.js";
import { RoutingService } from "../routing/routing-service.js";
import { relativePrices, type SecondStageModel } from "../routing/second-stage/model.js";
import { loadSecondStageModel, SecondStageMismatchError } from "../routing/second-stage/second-stage-file.js";
import { TierLadder } from "../routing/tier-ladder.js";
import type { RulesStore } from "../stores/rules-store.js";
import type { LlmRatingOptions } from "../routing/steps/llm-rated.js";
import type { SessionStore } from "../stores/sessions/session-store.js";
import type { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";

/** The router's settings as the config states them (the default profile); the second-stage model is passed in when that strategy is configured. */
export function routerOptionsFrom(config: Pick<Config, "routing" | "tiers">, secondStageModel?: SecondStageModel): RouterOptions {
  const { k, margin, minSimilarity, ood, secondStage } = config.routing;
  const options: RouterOptions = { k, margin, minSimilarity, fallbackTier: fallbackTierOf(config), tiers: config.tiers, ood };
  if (secondStageModel) {
    // A format-1 model's cost rule weighs the configured prices (an override of its downgrade cost wins); a format-2 model carries thresholds.
    const downgradeCost = secondStage.downgradeCost ?? secondStageModel.downgradeCost;
    // The model weighs every configured tier; a profile's subset maps its choice upwards.
    options.secondStage = { model: secondStageModel, downgradeCost, relativePrices: relativePrices(config.tiers) };
  }
  return options;
}

/** The configured strategy's model: none for "knn"; for "second-stage" the model file, checked against the tiers and the encoder (throws). */
export function secondStageModelFor(config: Pick<Config, "routing" | "tiers">, embeddingModel: string): SecondStageModel | undefined {
  if (config.routing.strategy !== "second-stage") return undefined;
  const file = path.resolve(config.routing.secondStage.modelFile);
  return loadSecondStageModel(file, { tiers: config.tiers.map((t) => t.name), embeddingModel });
}

/**
 * The model the service routes with: as secondStageModelFor, except that a
 * valid model which does not fit this configuration (another number of
 * tiers, another embedding model) leaves the service on the vote, said in one
 * log line, instead of refusing to start. An unreadable or invalid file still
 * throws: that is a mistake in the configuration, not in the data.
 */
export function serviceSecondStageModel(config: Pick<Config, "routing" | "tiers">, embeddingModel: string, logger: Pick<Logger, "warn">): SecondStageModel | undefined {
  try {
    return secondStageModelFor(config, embeddingModel);
  } catch (err) {
    if (!(err instanceof SecondStageMismatchError)) throw err;
    logger.warn({ strategy: "knn" }, `routing with the vote (strategy knn) instead of the second stage: ${err.message}`);
    return undefined;
  }
}

export interface RoutingParts {
  config: Config;
  encoder: Encoder;
  index: ExemplarIndexRef;
  cache: DecisionCache | null;
  rules: RulesStore;
  sessions: SessionStore;
  logger: Logger;
  /** The second stage, when routing.strategy is "second-stage" (secondStageModelFor). */
  secondStageModel?: SecondStageModel;
  /** LLM-rated complexity for what the vote cannot settle, in every profile (gateway.complexityRating). */
  llmRating?: LlmRatingOptions;
  onDecision: ReadonlyArray<DecisionObserver>;
  /** Throws BatchLaneFullError when the model's batch lane has no room for this many texts (PriorityEncoder.admitBatch). */
  batchRoom?: (texts: number) => void;
}

/**
 * One router per profile: "default" from the top-level config, and one for
 * each entry of `profiles` (its tiers, vote settings, rules and session
 * policy over the shared model, index and cache). Profile rules run before
 * the service-wide ones.
 */
export function buildRouting(deps: RoutingParts): RoutingService {
  const { config } = deps;
  const ladder = new TierLadder(config.tiers);
  const tierNames = ladder.names;
  const routers = new Map<string, Router>();
  const sessionsFor = (policy: string, ttlSeconds: number) => (policy === "no-downgrade" ? deps.sessions.withTtl(ttlSeconds) : undefined);
  // Shadow mode is the service's, not the routing's: evaluations built from routerOptionsFrom never see it.
  // A profile without the shadow tier answers the next tier up it offers.
  const shadow = (tiers: Config["tiers"]) => ({ enabled: config.shadow.enabled, tier: ladder.atOrAbove(shadowTierOf(config), tiers) });
  const common = { encoder: deps.encoder, index: deps.index, ladder, logger: deps.logger, onDecision: deps.onDecision, llmRating: deps.llmRating };

  routers.set(
    "default",
    new Router({
      ...common,
      profile: "default",
      cache: deps.cache,
      options: { ...routerOptionsFrom(config, deps.secondStageModel), shadow: shadow(config.tiers) },
      rules: () => deps.rules.current(),
      sessions: sessionsFor(config.session.policy, config.session.ttlSeconds),
    }),
  );
  const profileOfCaller = new Map<string, string>();
  for (const [name, profile] of Object.entries(config.profiles)) {
    const tiers = profile.tiers ? config.tiers.filter((t) => profile.tiers!.includes(t.name)) : config.tiers;
    const own = compileRules(profile.rules, tierNames);
    const session = { ...config.session, ...profile.session };
    routers.set(
      name,
      new Router({
        ...common,
        profile: name,
        cache: deps.cache ? namespacedCache(deps.cache, name) : null,
        options: { ...routerOptionsFrom(config, deps.secondStageModel), ...profile.routing, fallbackTier: tiers[tiers.length - 1]!.name, tiers, shadow: shadow(tiers) },
        rules: () => [...own, ...deps.rules.current()],
        sessions: sessionsFor(session.policy, session.ttlSeconds),
      }),
    );
    for (const label of profile.tokens) profileOfCaller.set(label, name);
  }
  return new RoutingService(routers, profileOfCaller, deps.encoder, deps.batchRoom);
}
