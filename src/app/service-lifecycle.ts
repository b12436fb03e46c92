import type { Logger } from "pino";
import { loadRecentVerdicts } from "../stores/cache/cache-repository.js";
import type { CacheWriter } from "../stores/cache/cache-writer.js";
import type { MemoryDecisionCache } from "../stores/cache/cached-decisions.js";
import type { Config } from "../base/config/config-schema.js";
import type { DatabaseHandle } from "../adapters/db/client.js";
import { migrateDatabase } from "../adapters/db/migrate.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import type { ExemplarInput } from "../stores/exemplars/exemplar-files.js";
import { buildExemplarIndex, indexFromSnapshot, seedIfNeeded } from "../stores/exemplars/exemplar-service.js";
import { checkExemplarTiers } from "../stores/exemplars/tier-labels.js";
import type { IndexSync } from "../stores/exemplars/index-sync.js";
import type { DecisionLog } from "../stores/decision-log/decision-log.js";
import type { DecisionLogWriter } from "../stores/decision-log/decision-log-writer.js";
import { purgeExpiredFeedback } from "../stores/feedback/retention.js";
import type { GatewayLog } from "../gateway/gateway-log.js";
import type { StatsRecorder } from "../stores/stats/stats-recorder.js";
import { syncTierPrices } from "../stores/stats/stats-repository.js";
import { purgeReceipts } from "../stores/idempotency-receipts.js";
import type { RulesStore } from "../stores/rules-store.js";
import type { SessionStore } from "../stores/sessions/session-store.js";
import type { ExemplarIndex, ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";
import { exemplarFingerprint, type IndexSnapshots } from "../adapters/vector-index/index-snapshot.js";
import { isPersistent, type VectorIndexFactory } from "../adapters/vector-index/vector-index.js";
import { settlesWithin } from "../base/util/timeout.js";
import { Cutover } from "./cutover.js";
import { readinessOf, type DatabaseProbe, type Readiness } from "../http/readiness.js";

const HOUSEKEEPING_MS = 10 * 60_000;
/** Longest shutdown waits for each of: pending curator writes, each write-behind flush, closing the database. */
const STOP_WAIT_MS = 3_000;
const RECEIPT_TTL_MS = 24 * 3600_000;

export interface LifecycleDeps {
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
  /** The gateway's attempt log: started with the other writers, flushed at shutdown. */
  gatewayLog: GatewayLog;
  probe: DatabaseProbe;
  rules: RulesStore;
  sessions: SessionStore;
  loadShippedExemplars: () => ExemplarInput[];
}

/**
 * Start-up and shutdown, in order: migrate, seed, load the model, build the
 * index (from a snapshot when it matches), warm the cache, start the writers
 * and the replica sync; on stop, flush everything and save the snapshot.
 */
export class ServiceLifecycle {
  /** Where the index came from at start: a snapshot in dataDir, or the vectors in the database. */
  indexSource: "snapshot" | "database" | null = null;
  private modelLoaded = false;
  /** Set at shutdown: readiness turns 503 so load balancers move traffic away while requests drain. */
  draining = false;
  /** Holds new requests for the instant the listener closes (main.ts). */
  readonly cutover = new Cutover();
  private starting: Promise<void> | undefined;
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(private readonly deps: LifecycleDeps) {}

  /** Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  readiness(): Promise<Readiness> {
    return readinessOf(this.modelLoaded, this.deps.index, this.deps.probe, this.draining);
  }

  private async startOnce(): Promise<void> {
    const { database, encoder, config, logger } = this.deps;
    const { db } = database;
    const modelLoading = encoder.load().then(() => {
      this.modelLoaded = true;
    });
    // Swallow here to avoid an unhandled rejection; the await below rethrows.
    modelLoading.catch(() => {});
    await migrateDatabase(database);
    await seedIfNeeded(db, this.deps.loadShippedExemplars, logger);
    await syncTierPrices(db, config.tiers);
    await this.deps.rules.start();
    this.deps.statsRecorder.start();
    if (this.deps.decisionLogWriter) {
      await this.maintainDecisionLog();
      this.deps.decisionLogWriter.start();
      await this.deps.decisionLog.countCrashLosses();
    }
    this.deps.gatewayLog.start();
    this.deps.sessions.start();
    await modelLoading;
    // The first forward pass compiles kernels; pay it here, not on a user's request.
    await encoder.embed(["warm-up"]);
    const fromSnapshot = await indexFromSnapshot(db, (revision, fingerprint) => this.deps.snapshots.tryLoad(encoder.modelId, revision, fingerprint));
    this.indexSource = fromSnapshot ? "snapshot" : "database";
    const index = fromSnapshot ?? (await buildExemplarIndex(db, encoder, { createVectorIndex: this.deps.createVectorIndex, logger }));
    // Exemplars of tiers the configuration no longer names would silently send everything to the fallback.
    checkExemplarTiers(index.countByTier(), config.tiers.map((t) => t.name), { kind: "database", name: "the database" });
    if (fromSnapshot) logger.info({ exemplars: index.size, revision: index.revision }, "exemplar index loaded from snapshot");
    else this.saveSnapshot(index);
    if (this.deps.cache) {
      // Only verdicts of this model and these routing settings: a recalibration starts the cache afresh.
      const recent = await loadRecentVerdicts(db, this.deps.cache.modelId, index.revision, config.cache.memoryEntries);
      this.deps.cache.warm(recent.reverse()); // oldest first, so the most recent end up most recently used
    }
    this.deps.index.set(index);
    this.deps.cacheWriter?.start();
    // Changes committed by other replicas while the index was being built are picked up here.
    await this.deps.sync.start();
    await this.deps.sync.catchUp();
    this.housekeeping = setInterval(() => void this.keepHouse(), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  private async keepHouse(): Promise<void> {
    await this.forgetOldReceipts();
    if (this.deps.decisionLogWriter) await this.maintainDecisionLog();
  }

  /**
   * Decision-log partitions: made ahead (yesterday, today and the next
   * days), dropped past retention together with the feedback and review
   * items of those days. Best effort: a write creates its day on demand.
   */
  async maintainDecisionLog(now = new Date()): Promise<void> {
    try {
      const { cutoff } = await this.deps.decisionLog.maintain(now);
      const purged = await purgeExpiredFeedback(this.deps.database.db, cutoff);
      if (purged.feedback > 0 || purged.reviewItems > 0) this.deps.logger.info({ ...purged, before: cutoff.toISOString() }, "expired feedback purged");
    } catch (err) {
      this.deps.logger.warn({ err }, "could not maintain the decision log partitions; will retry");
    }
  }

  /** Idempotency receipts older than a day and expired sessions are dropped. Best effort: retried next time. */
  private async forgetOldReceipts(): Promise<void> {
    try {
      await purgeReceipts(this.deps.database.db, new Date(Date.now() - RECEIPT_TTL_MS));
      await this.deps.sessions.purgeExpired();
    } catch (err) {
      this.deps.logger.warn({ err }, "housekeeping failed (old receipts, expired sessions); will retry");
    }
  }

  /** Best effort: a failed snapshot only means the next start rebuilds. */
  private saveSnapshot(index: ExemplarIndex): void {
    if (!this.deps.config.index.snapshot || !isPersistent(index.vectors)) return;
    try {
      this.deps.snapshots.save(index.vectors, this.deps.encoder.modelId, index.revision, exemplarFingerprint(index.entries()));
    } catch (err) {
      this.deps.logger.warn({ err }, "could not write the index snapshot");
    }
  }

  /**
   * Flushes pending writes, saves the index snapshot, then closes the
   * database if this service opened it. Every wait on the database is
   * bounded, so a database that does not answer cannot hold shutdown.
   */
  async stop(): Promise<void> {
    clearInterval(this.housekeeping);
    try {
      if (!(await settlesWithin(this.deps.sync.stop(), STOP_WAIT_MS))) this.deps.logger.warn("a curator write was still waiting on the database at shutdown");
      await settlesWithin(this.deps.rules.stop(), STOP_WAIT_MS);
      const index = this.deps.index.get();
      if (index) this.saveSnapshot(index);
      await this.deps.cacheWriter?.stop(STOP_WAIT_MS);
      await this.deps.statsRecorder.stop(STOP_WAIT_MS);
      await this.deps.decisionLogWriter?.stop(STOP_WAIT_MS);
      await this.deps.gatewayLog.stop(STOP_WAIT_MS);
      await this.deps.sessions.stop(STOP_WAIT_MS);
    } finally {
      if (this.deps.ownsDatabase) await settlesWithin(this.deps.database.close(), STOP_WAIT_MS);
      // Last: a model worker ended mid-pass by the process's exit would abort it.
      await settlesWithin(this.deps.encoder.close?.() ?? Promise.resolve(), STOP_WAIT_MS);
    }
  }
}
