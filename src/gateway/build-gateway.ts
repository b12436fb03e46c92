import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Database } from "../adapters/db/client.js";
import type { DatabaseGuard } from "../adapters/db/database-guard.js";
import { isRefusedWrite } from "../adapters/db/db-errors.js";
import { fanOut, type GatewayRecorder } from "../adapters/upstreams/recorder.js";
import type { Upstreams } from "../adapters/upstreams/build-upstreams.js";
import type { Config } from "../base/config/config-schema.js";
import { GATEWAY_MODEL, type CascadeConfig } from "../base/config/gateway-schema.js";
import { Gateway, type CascadeSettings, type GatewayRouting } from "./gateway.js";
import { GatewayLog } from "./gateway-log.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { insertGatewayRows } from "./gateway-repository.js";
import { GatewayStats } from "./gateway-stats.js";
import { selfRatingVerifier, type Verifier } from "./verifier.js";

/**
 * Where every upstream attempt is recorded: the attempt log (write-behind to
 * the database) and the metrics. Built before the upstreams, which record
 * into it; `circuits` is read at scrape time, once the breakers exist.
 */
export function gatewayRecording(input: {
  config: Pick<Config, "gateway">;
  db: Database;
  registry: Registry;
  logger: Logger;
  circuits: ConstructorParameters<typeof GatewayMetrics>[1]["circuits"];
}) {
  const g = input.config.gateway;
  const log = new GatewayLog((exchanges, attempts) => insertGatewayRows(input.db, exchanges, attempts), {
    flushIntervalMs: g.log.flushIntervalMs,
    maxKeys: g.log.maxPendingRows,
    logger: input.logger,
    isRefusal: isRefusedWrite,
  });
  const metrics = new GatewayMetrics(input.registry, { circuits: input.circuits, droppedRows: () => log.dropped });
  return { log, metrics, recorder: fanOut(log, metrics) as GatewayRecorder };
}

export interface GatewayInput {
  config: Config;
  upstreams: Upstreams;
  recorder: GatewayRecorder;
  log: GatewayLog;
  routing: GatewayRouting;
  db: Database;
  guard: DatabaseGuard;
  /** Verifiers beyond the built-in "self-rating", by the name a profile's cascade.verifier gives. */
  verifiers?: Readonly<Record<string, Verifier>>;
}

/** The gateway, in one step: the upstreams and the routing it asks exist already. */
export function buildGateway(input: GatewayInput): { gateway: Gateway; stats: GatewayStats } {
  const { config, upstreams } = input;
  const g = config.gateway;
  const verifiers: Record<string, Verifier> = { "self-rating": selfRatingVerifier(upstreams.asker), ...input.verifiers };
  // Cascades are opt-in per profile: gateway.cascade for "default", profiles.<name>.cascade for the others.
  const cascades = new Map<string, CascadeSettings>();
  const resolveCascade = (name: string, c: CascadeConfig | undefined, margin: number, field: string) => {
    if (c === undefined || !c.enabled) return;
    const verifier = verifiers[c.verifier];
    if (verifier === undefined) throw new Error(`${field}.verifier: no verifier called "${c.verifier}" (built in: self-rating)`);
    cascades.set(name, { band: { minMargin: c.minMargin, maxMargin: c.maxMargin ?? margin }, verifier, threshold: c.threshold, verifierTimeoutMs: c.verifierTimeoutMs });
  };
  resolveCascade("default", g.cascade, config.routing.margin, "gateway.cascade");
  for (const [name, profile] of Object.entries(config.profiles))
    resolveCascade(name, profile.cascade, profile.routing?.margin ?? config.routing.margin, `profiles.${name}.cascade`);

  const gateway = new Gateway({
    registry: upstreams.registry,
    breakers: upstreams.breakers,
    recorder: input.recorder,
    streamIdleTimeoutMs: g.streamIdleTimeoutMs,
    chain: upstreams.chain,
    routing: input.routing,
    options: { alias: GATEWAY_MODEL, cascades, requestTimeoutMs: g.requestTimeoutMs, streamUsage: g.streamUsage, maxJsonDepth: g.maxJsonDepth },
  });
  return { gateway, stats: new GatewayStats(input.db, input.guard, input.log, upstreams.registry, upstreams.breakers) };
}
