import type { Logger } from "pino";
import type { DatabaseHandle } from "../adapters/db/client.js";
import { migrateDatabase } from "../adapters/db/migrate.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import type { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";
import type { IndexSnapshots } from "../adapters/vector-index/index-snapshot.js";
import type { VectorIndexFactory } from "../adapters/vector-index/vector-index.js";
import type { Config } from "../base/config/config-schema.js";
import type { GatewayLog } from "../gateway/gateway-log.js";
import { loadRecentVerdicts } from "../stores/cache/cache-repository.js";
import type { CacheWriter } from "../stores/cache/cache-writer.js";
import type { MemoryDecisionCache } from "../stores/cache/cached-decisions.js";
import type { DecisionLog } from "../stores/decision-log/decision-log.js";
import type { DecisionLogWriter } from "../stores/decision-log/decision-log-writer.js";
import type { ExemplarInput } from "../stores/exemplars/exemplar-files.js";
import type { ShippedVectors } from "../stores/exemplars/shipped-vectors.js";
import { seedIfNeeded } from "../stores/exemplars/exemplar-service.js";
import type { IndexSync } from "../stores/exemplars/index-sync.js";
import type { RulesStore } from "../stores/rules-store.js";
import type { SessionStore } from "../stores/sessions/session-store.js";
import type { StatsRecorder } from "../stores/stats/stats-recorder.js";
import { syncTierPrices } from "../stores/stats/stats-repository.js";
import { Housekeeping } from "./housekeeping.js";
import { IndexLoader } from "./index-loader.js";
import type { Component } from "./lifecycle.js";
import { settlesWithin } from "../base/util/timeout.js";

/** Longest wait for each component's stop (pending curator writes, each write-behind flush, closing the database). */
export const STOP_WAIT_MS = 3_000;

export interface ComponentParts {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  /** False when the caller passed the database in: whoever opens it closes it. */
  ownsDatabase: boolean;
  encoder: Encoder;
  index: ExemplarIndexRef;
  createVectorIndex: VectorIndexFactory;
  snapshots: IndexSnapshots;
  sync: IndexSync;
  cache: MemoryDecisionCache | null;
  cacheWriter: CacheWriter | null;
  statsRecorder: StatsRecorder;
  decisionLog: DecisionLog;
  decisionLogWriter: DecisionLogWriter | null;
  gatewayLog: GatewayLog;
  rules: RulesStore;
  sessions: SessionStore;
  loadShippedExemplars: () => ExemplarInput[];
  /** Their vectors, shipped beside them (stores/exemplars/shipped-vectors.ts). */
  shippedVectors?: () => ShippedVectors;
}

/** The model loads in the background from the first step on; the database work of start-up runs meanwhile. */
class Model implements Component {
  readonly name = "model";
  loaded = false;
  private loading: Promise<void> | undefined;

  constructor(private readonly encoder: Encoder) {}

  start(): void {
    this.loading = this.encoder.load().then(() => {
      this.loaded = true;
    });
    // Swallowed here only to avoid an unhandled rejection; ready() rethrows it.
    this.loading.catch(() => {});
  }

  /** The second half of the model's start: loaded, and its first forward pass (which compiles kernels) paid here, not on a user's request. */
  readonly ready: Component = {
    name: "model warm-up",
    start: async () => {
      await this.loading;
      await this.encoder.embed(["warm-up"]);
    },
  };

  // Stopped last: a model worker ended mid-pass by the process's exit would abort it.
  stop(): Promise<void> {
    return this.encoder.close?.() ?? Promise.resolve();
  }
}

/**
 * The service's components in start order (stop runs them in reverse):
 * migrate, seed, start the stores' writers, load the model, build the index
 * (from a snapshot when it matches), warm the cache, follow the replicas,
 * keep house.
 */
export function serviceComponents(parts: ComponentParts) {
  const { config, logger, database, encoder } = parts;
  const { db } = database;
  const model = new Model(encoder);
  const indexLoader = new IndexLoader({
    db,
    encoder,
    index: parts.index,
    createVectorIndex: parts.createVectorIndex,
    snapshots: parts.snapshots,
    snapshot: config.index.snapshot,
    tiers: config.tiers.map((t) => t.name),
    logger,
    shippedVectors: parts.shippedVectors,
    beforePublish: async (index) => {
      if (!parts.cache) return;
      // Only verdicts of this model and these routing settings: a recalibration starts the cache afresh.
      const recent = await loadRecentVerdicts(db, parts.cache.modelId, index.revision, config.cache.memoryEntries);
      parts.cache.warm(recent.reverse()); // oldest first, so the most recent end up most recently used
    },
  });
  const housekeeping = new Housekeeping({ db, logger, decisionLog: parts.decisionLogWriter ? parts.decisionLog : null, sessions: parts.sessions });
  const { decisionLogWriter, cacheWriter } = parts;
  const components: Component[] = [
    model,
    { name: "database", start: () => migrateDatabase(database), stop: () => (parts.ownsDatabase ? database.close() : undefined) },
    { name: "shipped exemplars", start: async () => void (await seedIfNeeded(db, parts.loadShippedExemplars, logger)) },
    { name: "tier prices", start: () => syncTierPrices(db, config.tiers) },
    { name: "rules", start: () => parts.rules.start(), stop: () => parts.rules.stop() },
    { name: "statistics", start: () => parts.statsRecorder.start(), stop: () => parts.statsRecorder.stop(STOP_WAIT_MS) },
    {
      name: "decision log",
      start: async () => {
        if (!decisionLogWriter) return;
        await housekeeping.maintainDecisionLog();
        decisionLogWriter.start();
        await parts.decisionLog.countCrashLosses();
      },
      stop: () => decisionLogWriter?.stop(STOP_WAIT_MS),
    },
    { name: "gateway log", start: () => parts.gatewayLog.start(), stop: () => parts.gatewayLog.stop(STOP_WAIT_MS) },
    { name: "sessions", start: () => parts.sessions.start(), stop: () => parts.sessions.stop(STOP_WAIT_MS) },
    model.ready,
    indexLoader,
    { name: "decision cache", start: () => cacheWriter?.start(), stop: () => cacheWriter?.stop(STOP_WAIT_MS) },
    {
      name: "replica sync",
      // Changes committed by other replicas while the index was being built are picked up here.
      start: async () => {
        await parts.sync.start();
        await parts.sync.catchUp();
      },
      // Pending curator writes finish before the index snapshot is saved.
      stop: async () => {
        if (!(await settlesWithin(parts.sync.stop(), STOP_WAIT_MS - 100))) logger.warn("a curator write was still waiting on the database at shutdown");
      },
    },
    housekeeping,
  ];
  return { components, model, indexLoader, housekeeping };
}
