import type { Logger } from "pino";
import type { CacheWriter } from "../stores/cache/cache-writer.js";
import type { Config } from "../base/config/config-schema.js";
import type { Secrets } from "../base/config/secrets.js";
import type { DatabaseHandle } from "../adapters/db/client.js";
import type { DatabaseGuard } from "../adapters/db/database-guard.js";
import type { DecisionLog } from "../stores/decision-log/decision-log.js";
import type { DecisionLogWriter } from "../stores/decision-log/decision-log-writer.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import type { CuratorService } from "../stores/exemplars/curator-service.js";
import type { ExemplarInput } from "../stores/exemplars/exemplar-files.js";
import type { FeedbackService } from "../stores/feedback/feedback-service.js";
import type { InsightsService } from "../stores/feedback/insights-service.js";
import type { ReviewService } from "../stores/feedback/review-service.js";
import type { UpstreamsInput } from "../adapters/upstreams/build-upstreams.js";
import type { GatewayInput } from "../gateway/build-gateway.js";
import type { Gateway } from "../gateway/gateway.js";
import type { GatewayLog } from "../gateway/gateway-log.js";
import type { GatewayStats } from "../gateway/gateway-stats.js";
import type { Housekeeping } from "./housekeeping.js";
import type { IndexLoader } from "./index-loader.js";
import type { Lifecycle } from "./lifecycle.js";
import type { ServiceMetrics } from "../http/service-metrics.js";
import type { RoutingService } from "../routing/routing-service.js";
import type { RulesStore } from "../stores/rules-store.js";
import type { SessionStore } from "../stores/sessions/session-store.js";
import type { StatsRecorder } from "../stores/stats/stats-recorder.js";
import type { StatsService } from "../stores/stats/stats-service.js";
import type { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";

export interface DepsOverrides {
  logger?: Logger;
  /** An open database owned by the caller (tests, benches); otherwise opened from the config and closed on stop. */
  database?: DatabaseHandle;
  /** A model other than the configured one (tests: a fake, or one shared converted model). */
  encoder?: Encoder;
  /** Exemplars seeded into an empty database; defaults to the files in config.exemplarsDir. */
  loadShippedExemplars?: () => ExemplarInput[];
  /** Upstream API keys (load-config.ts `loadSecrets`); none: upstreams are called without a key. */
  secrets?: Secrets;
  /** Cascade verifiers beyond the built-in "self-rating", by name. */
  verifiers?: GatewayInput["verifiers"];
  /** The gateway's upstream transport (tests, benches); default upstream-client.ts over node:http. */
  upstreamCall?: UpstreamsInput["call"];
}

/** Everything the service is made of, built once. createApp takes it; main, tests, benches and tools all build it here. */
export interface Deps {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  /** The configured model wrapped with metrics and batching: use this one everywhere. */
  encoder: Encoder;
  index: ExemplarIndexRef;
  /** Bounds the database waits of requests; fails fast while the database is away. */
  guard: DatabaseGuard;
  metrics: ServiceMetrics;
  /** Every profile's router behind one door (route, routeMany). */
  router: RoutingService;
  rules: RulesStore;
  sessions: SessionStore;
  curator: CuratorService;
  stats: StatsService;
  statsRecorder: StatsRecorder;
  /** The OpenAI-compatible gateway (POST /v1/chat/completions). */
  gateway: Gateway;
  gatewayStats: GatewayStats;
  /** The gateway's attempt log, written behind. */
  gatewayLog: GatewayLog;
  cacheWriter: CacheWriter | null;
  /** Every decision, written behind (null with decisions.enabled false). */
  decisionLogWriter: DecisionLogWriter | null;
  decisionLog: DecisionLog;
  feedback: FeedbackService;
  review: ReviewService;
  insights: InsightsService;
  lifecycle: Lifecycle;
  /** Where the index came from at start (a snapshot or the database). */
  indexLoader: IndexLoader;
  housekeeping: Housekeeping;
}
