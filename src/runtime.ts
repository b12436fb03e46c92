import path from "node:path";
import type { Logger } from "pino";
import { loadRecentDecisions, upsertCacheRows } from "./cache/cache-repository.js";
import { CacheWriter } from "./cache/cache-writer.js";
import { DecisionCache } from "./cache/decision-cache.js";
import type { Config } from "./config.js";
import { openDatabase, type DatabaseHandle } from "./db/client.js";
import { migrateDatabase } from "./db/migrate.js";
import { createEncoder } from "./embeddings/create-encoder.js";
import type { Encoder } from "./embeddings/encoder.js";
import { readExemplarDir, type ExemplarInput } from "./exemplars/exemplar-files.js";
import { CuratorService } from "./exemplars/curator-service.js";
import { buildExemplarIndex, indexFromSnapshot, seedIfNeeded } from "./exemplars/exemplar-service.js";
import { exemplarFingerprint, IndexSnapshots } from "./exemplars/index-snapshot.js";
import { IndexSync } from "./exemplars/index-sync.js";
import type { ExemplarIndex } from "./routing/exemplar-index.js";
import { Router, routerOptionsFrom } from "./routing/router.js";
import { HnswIndex } from "./vector-index/hnsw-index.js";
import { instrumentEncoder, ServiceMetrics } from "./observability/metrics.js";
import { BatchingEncoder } from "./embeddings/batching-encoder.js";
import { StatsRecorder } from "./stats/stats-recorder.js";
import { syncTierPrices, upsertStats } from "./stats/stats-repository.js";
import { StatsService } from "./stats/stats-service.js";

export interface Readiness {
  /** "ready": all checks pass; "degraded": routing works but the database does not answer; "starting": not routing yet. */
  status: "ready" | "degraded" | "starting";
  checks: {
    model: boolean;
    index: { built: boolean; exemplars: number; revision: number | null; byTier: Record<string, number> };
    database: { kind: DatabaseHandle["kind"]; reachable: boolean; error?: string };
  };
}

export interface RuntimeOverrides {
  encoder?: Encoder;
  database?: DatabaseHandle;
  /** Exemplars seeded into an empty database; defaults to config.exemplarsDir. */
  loadShippedExemplars?: () => ExemplarInput[];
}

/**
 * Everything the service needs, built in one place from the config. Tests
 * build their own with a fake encoder or an in-memory database.
 */
export class Runtime {
  readonly router: Router;
  readonly cache: DecisionCache | null;
  readonly cacheWriter: CacheWriter | null;
  readonly sync: IndexSync;
  readonly curator: CuratorService;
  readonly metrics: ServiceMetrics;
  readonly statsRecorder: StatsRecorder;
  readonly stats: StatsService;
  /** The configured encoder wrapped with metrics; use this one everywhere. */
  readonly encoder: Encoder;
  private index: ExemplarIndex | null = null;
  private readonly snapshots: IndexSnapshots;
  /** Where the index came from at start: a snapshot in dataDir, or the vectors in the database. */
  indexSource: "snapshot" | "database" | null = null;
  private modelLoaded = false;
  private starting: Promise<void> | undefined;

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly database: DatabaseHandle,
    rawEncoder: Encoder,
    private readonly loadShipped: () => ExemplarInput[],
    /** False when the caller passed the database in: whoever opens it closes it. */
    private readonly ownsDatabase: boolean,
  ) {
    const db = database.db;
    this.snapshots = new IndexSnapshots(path.resolve(config.dataDir, "index"));
    this.metrics = new ServiceMetrics({
      indexSize: () => this.index?.size ?? 0,
      revision: () => this.index?.revision ?? 0,
      statsDroppedDecisions: () => this.statsRecorder.dropped,
      cacheDroppedUpdates: () => this.cacheWriter?.dropped ?? 0,
    });
    // Metrics wrap the model itself (true batch sizes and forward-pass times); batching goes outside.
    const measured = instrumentEncoder(rawEncoder, this.metrics);
    const encoder = config.embedding.batching.enabled ? new BatchingEncoder(measured, config.embedding.batching) : measured;
    this.encoder = encoder;
    this.statsRecorder = new StatsRecorder((rows) => upsertStats(db, rows), {
      maxKeys: config.stats.maxPendingKeys,
      flushIntervalMs: config.stats.flushIntervalMs,
      logger,
      onFlushError: () => this.metrics.databaseErrors.inc({ operation: "stats_flush" }),
    });
    this.stats = new StatsService(db, this.statsRecorder, config.tiers, async () => this.cacheWriter?.flush());
    this.cacheWriter = config.cache.enabled
      ? new CacheWriter((rows) => upsertCacheRows(db, rows), {
          maxKeys: config.cache.queueLimit,
          flushIntervalMs: config.cache.flushIntervalMs,
          logger,
          onFlushError: () => this.metrics.databaseErrors.inc({ operation: "cache_flush" }),
        })
      : null;
    this.cache = config.cache.enabled
      ? new DecisionCache({ modelId: encoder.modelId, memoryEntries: config.cache.memoryEntries, storeText: config.cache.storeText }, this.cacheWriter)
      : null;
    this.sync = new IndexSync({ database, encoder, index: () => this.index, pollIntervalMs: config.replication.pollIntervalMs, logger });
    this.curator = new CuratorService({
      database,
      encoder,
      sync: this.sync,
      index: () => this.index,
      tiers: config.tiers.map((t) => t.name),
      conflictSimilarity: config.curation.conflictSimilarity,
    });
    this.router = new Router({
      encoder,
      index: () => this.index,
      cache: this.cache,
      logger,
      onDecision: (d) => {
        this.statsRecorder.record(d);
        this.metrics.observeDecision(d);
      },
      options: routerOptionsFrom(config),
    });
  }

  static async create(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
    const database =
      overrides.database ??
      (await openDatabase({ url: config.databaseUrl, dataDir: path.resolve(config.dataDir, "pglite") }));
    const encoder = overrides.encoder ?? createEncoder(config);
    const tierNames = config.tiers.map((t) => t.name);
    const loadShipped = overrides.loadShippedExemplars ?? (() => readExemplarDir(path.resolve(config.exemplarsDir), tierNames));
    return new Runtime(config, logger, database, encoder, loadShipped, overrides.database === undefined);
  }

  /** Migrates, seeds, loads the model, builds the index and warms the cache. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  get exemplarIndex(): ExemplarIndex | null {
    return this.index;
  }

  private async startOnce(): Promise<void> {
    const { db } = this.database;
    const modelLoading = this.encoder.load().then(() => {
      this.modelLoaded = true;
    });
    // Swallow here to avoid an unhandled rejection; the await below rethrows.
    modelLoading.catch(() => {});
    await migrateDatabase(this.database);
    await seedIfNeeded(db, this.loadShipped, this.logger);
    await syncTierPrices(db, this.config.tiers);
    this.statsRecorder.start();
    await modelLoading;
    // The first forward pass compiles WASM kernels (~150 ms); pay it here, not on a user's request.
    await this.encoder.embed(["warm-up"]);
    const { M, efConstruction, ef } = this.config.index;
    const hnswOptions = { M, efConstruction, ef };
    const fromSnapshot = await indexFromSnapshot(db, (revision, fingerprint) => this.snapshots.tryLoad(this.encoder.modelId, revision, fingerprint, hnswOptions));
    this.indexSource = fromSnapshot ? "snapshot" : "database";
    const index =
      fromSnapshot ??
      (await buildExemplarIndex(db, this.encoder, {
        createVectorIndex: (dimensions, capacity) => new HnswIndex(dimensions, { ...hnswOptions, initialCapacity: capacity }),
        logger: this.logger,
      }));
    if (fromSnapshot) this.logger.info({ exemplars: index.size, revision: index.revision }, "exemplar index loaded from snapshot");
    else this.saveSnapshot(index);
    if (this.cache) {
      const recent = await loadRecentDecisions(db, this.encoder.modelId, index.revision, this.config.cache.memoryEntries);
      this.cache.warm(recent.reverse()); // oldest first, so the most recent end up most recently used
    }
    this.index = index;
    this.cacheWriter?.start();
    // Changes committed by other replicas while the index was being built are picked up here.
    await this.sync.start();
    await this.sync.catchUp();
  }

  async readiness(): Promise<Readiness> {
    let database: Readiness["checks"]["database"] = { kind: this.database.kind, reachable: true };
    try {
      await this.database.ping(1000);
    } catch (err) {
      this.metrics.databaseErrors.inc({ operation: "ping" });
      database = { kind: this.database.kind, reachable: false, error: (err as Error).message };
    }
    const index = this.index;
    const routing = this.modelLoaded && index !== null;
    return {
      status: !routing ? "starting" : database.reachable ? "ready" : "degraded",
      checks: {
        model: this.modelLoaded,
        index: { built: index !== null, exemplars: index?.size ?? 0, revision: index?.revision ?? null, byTier: index?.countByTier() ?? {} },
        database,
      },
    };
  }

  /** Best effort: a failed snapshot only means the next start rebuilds. */
  private saveSnapshot(index: ExemplarIndex): void {
    if (this.config.index.snapshot === false || !(index.vectors instanceof HnswIndex)) return;
    try {
      this.snapshots.save(index.vectors, this.encoder.modelId, index.revision, exemplarFingerprint(index.entries()));
    } catch (err) {
      this.logger.warn({ err }, "could not write the index snapshot");
    }
  }

  /** Flushes pending writes, saves the index snapshot, then closes the database if this runtime opened it. */
  async stop(): Promise<void> {
    try {
      await this.sync.stop();
      if (this.index) this.saveSnapshot(this.index);
      await this.cacheWriter?.stop();
      await this.statsRecorder.stop();
    } finally {
      if (this.ownsDatabase) await this.database.close();
    }
  }
}
