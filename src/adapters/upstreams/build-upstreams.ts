import type { Config } from "../../base/config/config-schema.js";
import type { Secrets } from "../../base/config/secrets.js";
import { AnswerReader } from "./answer-reader.js";
import { TierAsker } from "./asker.js";
import { Breakers } from "./breaker.js";
import type { ChainDeps } from "./chain.js";
import type { GatewayRecorder } from "./recorder.js";
import { createUpstreamCaller } from "./upstream-client.js";
import { createUpstreamAgents } from "./upstream-http.js";
import { UpstreamRegistry } from "./upstream-registry.js";

export interface UpstreamsInput {
  config: Pick<Config, "tiers" | "gateway">;
  secrets: Secrets;
  /** Where every attempt is recorded (the gateway's log and metrics). */
  recorder: GatewayRecorder;
  /** The upstream transport (tests); default upstream-client.ts over node:http. */
  call?: ChainDeps["call"];
}

/** The upstream models every caller shares: the gateway, the complexity rater and the cascade verifier. */
export interface Upstreams {
  registry: UpstreamRegistry;
  breakers: Breakers;
  /** How an attempt chain calls upstreams (breakers, retries, the transport). */
  chain: ChainDeps;
  /** One question to one tier's upstreams, for the rater and the verifier. */
  asker: TierAsker;
}

/** Built once by the composition root, before routing and the gateway, which both use them. */
export function buildUpstreams(input: UpstreamsInput): Upstreams {
  const { config, secrets, recorder } = input;
  const g = config.gateway;
  const registry = new UpstreamRegistry(config.tiers);
  const breakers = new Breakers(
    registry.all.map((u) => u.id),
    g.breaker,
  );
  const limits = { maxAnswerBytes: g.maxAnswerBytes, maxStreamBytes: g.maxStreamBytes, maxStreamMs: g.maxStreamMs };
  const call = input.call ?? createUpstreamCaller({ agents: createUpstreamAgents(), answers: new AnswerReader(secrets.values()), secrets: secrets.values(), limits });
  const chain: ChainDeps = { breakers, secrets, recorder, maxRetryAfterWaitMs: g.maxRetryAfterWaitMs, call };
  return { registry, breakers, chain, asker: new TierAsker(chain, registry, recorder, g.requestTimeoutMs) };
}
