import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/config-schema.js";
import { DEFAULT_PROFILE } from "../config/gateway-schema.js";
import type { Secrets } from "../config/secrets.js";
import type { Database } from "../db/client.js";
import type { DatabaseGuard } from "../db/database-guard.js";
import { defaultTierByRating, type LlmRatingOptions } from "../routing/steps/llm-rated.js";
import { TierAsker } from "./asker.js";
import { Breakers } from "./breaker.js";
import type { ChainDeps } from "./chain.js";
import { llmComplexityRater } from "./complexity-rater.js";
import { Gateway, type CascadeSettings, type GatewayDeps } from "./gateway.js";
import { GatewayLog } from "./gateway-log.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { insertGatewayRows } from "./gateway-repository.js";
import { GatewayStats } from "./gateway-stats.js";
import { fanOut } from "./recorder.js";
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
  /** The upstream transport (tests); default Node's fetch. */
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
  const log = new GatewayLog((exchanges, attempts) => insertGatewayRows(input.db, exchanges, attempts), { flushIntervalMs: g.log.flushIntervalMs, maxKeys: g.log.maxPendingRows, logger });
  const metrics = new GatewayMetrics(input.registry, { breakers, droppedRows: () => log.dropped });
  const recorder = fanOut(log, metrics);
  const chain: ChainDeps = { breakers, secrets, recorder, maxRetryAfterWaitMs: g.maxRetryAfterWaitMs, call: input.call };
  const asker = new TierAsker(chain, upstreams, recorder, g.requestTimeoutMs);
  const verifiers: Record<string, Verifier> = { "self-rating": selfRatingVerifier(asker), ...input.verifiers };

  const profiles = new Map<string, { cascade: CascadeSettings | null }>();
  const configured: Config["gateway"]["profiles"] = { [DEFAULT_PROFILE]: {}, ...g.profiles };
  for (const [name, profile] of Object.entries(configured)) {
    const c = profile.cascade;
    if (c === undefined || !c.enabled) {
      profiles.set(name, { cascade: null });
      continue;
    }
    const verifier = verifiers[c.verifier];
    if (verifier === undefined) throw new Error(`gateway.profiles.${name}.cascade.verifier: no verifier called "${c.verifier}" (built in: self-rating)`);
    profiles.set(name, {
      cascade: { band: { minMargin: c.minMargin, maxMargin: c.maxMargin ?? config.routing.margin }, verifier, threshold: c.threshold, verifierTimeoutMs: c.verifierTimeoutMs },
    });
  }

  const rating = g.complexityRating;
  const llmRating: LlmRatingOptions | undefined = rating.enabled
    ? {
        rater: llmComplexityRater(asker, rating.tier ?? upstreams.tierNames[0]!, (outcome, r) => metrics.rating(outcome, r)),
        timeoutMs: rating.timeoutMs,
        tierByRating: rating.tierByRating ?? defaultTierByRating(upstreams.tierNames),
      }
    : undefined;
  const stats = new GatewayStats(input.db, input.guard, log, upstreams, breakers);

  const createGateway = (router: GatewayDeps["router"]) =>
    new Gateway({
      registry: upstreams,
      breakers,
      recorder,
      secrets,
      streamIdleTimeoutMs: g.streamIdleTimeoutMs,
      chain,
      router,
      options: { profiles, requestTimeoutMs: g.requestTimeoutMs, streamUsage: g.streamUsage },
    });
  return { upstreams, breakers, log, metrics, stats, llmRating, createGateway };
}
