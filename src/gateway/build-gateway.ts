import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../base/config/config-schema.js";
import { GATEWAY_MODEL, type CascadeConfig } from "../base/config/gateway-schema.js";
import type { Secrets } from "../base/config/secrets.js";
import type { Database } from "../adapters/db/client.js";
import type { DatabaseGuard } from "../adapters/db/database-guard.js";
import { isRefusedWrite } from "../adapters/db/db-errors.js";
import { defaultTierByRating, type LlmRatingOptions } from "../routing/steps/llm-rated.js";
import { AnswerReader } from "./answer-reader.js";
import { TierAsker } from "./asker.js";
import { Breakers } from "./breaker.js";
import type { ChainDeps } from "./chain.js";
import { llmComplexityRater } from "./complexity-rater.js";
import { Gateway, type CascadeSettings, type GatewayRouting } from "./gateway.js";
import { GatewayLog } from "./gateway-log.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { insertGatewayRows } from "./gateway-repository.js";
import { GatewayStats } from "./gateway-stats.js";
import { fanOut } from "./recorder.js";
import { createUpstreamCaller } from "./upstream-client.js";
import { createUpstreamAgents } from "./upstream-http.js";
import { UpstreamRegistry } from "./upstreams.js";
import { selfRatingVerifier, type Verifier } from "./verifier.js";

export interface GatewayInput {
  config: Config;
  secrets: Secrets;
  db: Database;
  guard: DatabaseGuard;
  /** The service's metrics registry. */
  registry: Registry;
  logger: Logger;
  /** Verifiers beyond the built-in "self-rating", by the name a profile's cascade.verifier gives. */
  verifiers?: Readonly<Record<string, Verifier>>;
  /** The upstream transport (tests); default upstream-client.ts over node:http. */
  call?: ChainDeps["call"];
}

/**
 * The gateway's parts, built from the config. In two steps because the
 * router needs the complexity rater (built here) and the gateway needs the
 * router: `createGateway(router)` finishes the job.
 */
export function buildGatewayParts(input: GatewayInput) {
  const { config, secrets, logger } = input;
  const g = config.gateway;
  const upstreams = new UpstreamRegistry(config.tiers);
  const breakers = new Breakers(
    upstreams.all.map((u) => u.id),
    g.breaker,
  );
  const log = new GatewayLog((exchanges, attempts) => insertGatewayRows(input.db, exchanges, attempts), { flushIntervalMs: g.log.flushIntervalMs, maxKeys: g.log.maxPendingRows, logger, isRefusal: isRefusedWrite });
  const metrics = new GatewayMetrics(input.registry, { breakers, droppedRows: () => log.dropped });
  const recorder = fanOut(log, metrics);
  const limits = { maxAnswerBytes: g.maxAnswerBytes, maxStreamBytes: g.maxStreamBytes, maxStreamMs: g.maxStreamMs };
  const call = input.call ?? createUpstreamCaller({ agents: createUpstreamAgents(), answers: new AnswerReader(secrets.values()), secrets: secrets.values(), limits });
  const chain: ChainDeps = { breakers, secrets, recorder, maxRetryAfterWaitMs: g.maxRetryAfterWaitMs, call };
  const asker = new TierAsker(chain, upstreams, recorder, g.requestTimeoutMs);
  const verifiers: Record<string, Verifier> = { "self-rating": selfRatingVerifier(asker), ...input.verifiers };

  // Cascades are opt-in per profile: gateway.cascade for "default", profiles.<name>.cascade for the others.
  const cascades = new Map<string, CascadeSettings>();
  const resolveCascade = (name: string, c: CascadeConfig | undefined, margin: number, field: string) => {
    if (c === undefined || !c.enabled) return;
    const verifier = verifiers[c.verifier];
    if (verifier === undefined) throw new Error(`${field}.verifier: no verifier called "${c.verifier}" (built in: self-rating)`);
    cascades.set(name, { band: { minMargin: c.minMargin, maxMargin: c.maxMargin ?? margin }, verifier, threshold: c.threshold, verifierTimeoutMs: c.verifierTimeoutMs });
  };
  resolveCascade("default", g.cascade, config.routing.margin, "gateway.cascade");
  for (const [name, profile] of Object.entries(config.profiles)) resolveCascade(name, profile.cascade, profile.routing?.margin ?? config.routing.margin, `profiles.${name}.cascade`);

  const rating = g.complexityRating;
  const llmRating: LlmRatingOptions | undefined = rating.enabled
    ? {
        rater: llmComplexityRater(asker, rating.tier ?? upstreams.tierNames[0]!, (outcome, r) => metrics.rating(outcome, r)),
        timeoutMs: rating.timeoutMs,
        tierByRating: rating.tierByRating ?? defaultTierByRating(upstreams.tierNames),
      }
    : undefined;
  const stats = new GatewayStats(input.db, input.guard, log, upstreams, breakers);

  const createGateway = (routing: GatewayRouting) =>
    new Gateway({
      registry: upstreams,
      breakers,
      recorder,
      streamIdleTimeoutMs: g.streamIdleTimeoutMs,
      chain,
      routing,
      options: { alias: GATEWAY_MODEL, cascades, requestTimeoutMs: g.requestTimeoutMs, streamUsage: g.streamUsage, maxJsonDepth: g.maxJsonDepth },
    });
  return { upstreams, breakers, log, metrics, stats, llmRating, createGateway };
}
