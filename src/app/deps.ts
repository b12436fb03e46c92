import path from "node:path";
import type { Deps, DepsOverrides } from "./deps-types.js";
import { upsertCacheRows } from "../stores/cache/cache-repository.js";
import { CacheWriter } from "../stores/cache/cache-writer.js";
import { MemoryDecisionCache } from "../stores/cache/cached-decisions.js";
import type { Config } from "../base/config/config-schema.js";
import { Secrets } from "../base/config/secrets.js";
import { openDatabase } from "../adapters/db/client.js";
import { DatabaseGuard } from "../adapters/db/database-guard.js";
import { isRefusedWrite } from "../adapters/db/db-errors.js";
import { CrashJournal } from "../stores/decision-log/crash-journal.js";
import { DecisionLogStore } from "../stores/decision-log/decision-log-repository.js";
import { DecisionLogWriter } from "../stores/decision-log/decision-log-writer.js";
import { BatchingEncoder } from "../adapters/embeddings/batching-encoder.js";
import { traceEncoder } from "../adapters/embeddings/encoder.js";
import { PriorityEncoder, type LaneStats } from "../adapters/embeddings/priority-encoder.js";
import { WorkerEncoder } from "../adapters/embeddings/worker-encoder.js";
import { CuratorService } from "../stores/exemplars/curator-service.js";
import { readExemplarDir } from "../stores/exemplars/exemplar-files.js";
import { readShippedVectors } from "../stores/exemplars/shipped-vectors.js";
import { IndexSync } from "../stores/exemplars/index-sync.js";
import { buildFeedbackLoop } from "../stores/feedback/build-feedback-loop.js";
import { buildUpstreams } from "../adapters/upstreams/build-upstreams.js";
import { buildGateway, gatewayRecording } from "../gateway/build-gateway.js";
import { complexityRating } from "../routing/complexity-rater.js";
import { DatabaseProbe, readinessOf } from "../http/readiness.js";
import { serviceComponents, STOP_WAIT_MS } from "./components.js";
import { Lifecycle } from "./lifecycle.js";
import { createLogger } from "../base/logger.js";
import { instrumentEncoder, ServiceMetrics } from "../http/service-metrics.js";
import { buildRouting, serviceSecondStageModel } from "./routers.js";
import type { Decision, DecisionFacts } from "../routing/decision.js";
import type { RouteRequest } from "../routing/pipeline.js";
import { decisionCacheScope } from "../routing/settings-fingerprint.js";
import { TierLadder } from "../routing/tier-ladder.js";
import { RulesStore } from "../stores/rules-store.js";
import { SessionStore } from "../stores/sessions/session-store.js";
import { StatsRecorder } from "../stores/stats/stats-recorder.js";
import { upsertStats } from "../stores/stats/stats-repository.js";
import { StatsService } from "../stores/stats/stats-service.js";
import { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";
import { hnswIndexes } from "../adapters/vector-index/hnsw-index.js";
import { IndexSnapshots } from "../adapters/vector-index/index-snapshot.js";

/**
 * The one composition root: opens the database (unless given one), creates
 * the model and builds every service around them, in dependency order.
 * Nothing is started: call `lifecycle.start()` (migrate, seed, load, index).
 */
export type { Deps, DepsOverrides } from "./deps-types.js";

export async function buildDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const secrets = overrides.secrets ?? new Secrets();
  const logger = overrides.logger ?? createLogger(config.logLevel, { secrets: secrets.values() });
  const { maxConnections, statementTimeoutMs, idleInTransactionTimeoutMs, connectTimeoutSeconds } = config.database;
  const database =
    overrides.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: path.resolve(config.dataDir, "pglite"),
      maxConnections,
      statementTimeoutMs,
      idleInTransactionTimeoutMs,
      connectTimeoutSeconds,
      logger,
    }));
  const rawEncoder = overrides.encoder ?? new WorkerEncoder(config);
  const tierNames = config.tiers.map((t) => t.name);
  const index = new ExemplarIndexRef();
  const { db } = database;

  const statsRecorder = new StatsRecorder((rows) => upsertStats(db, rows), {
    maxKeys: config.stats.maxPendingKeys,
    flushIntervalMs: config.stats.flushIntervalMs,
    logger,
    isRefusal: isRefusedWrite,
  });
  const cacheWriter = config.cache.enabled
    ? new CacheWriter((rows) => upsertCacheRows(db, rows), { maxKeys: config.cache.queueLimit, flushIntervalMs: config.cache.flushIntervalMs, logger, isRefusal: isRefusedWrite })
    : null;
  const secondStageModel = serviceSecondStageModel(config, rawEncoder.modelId, logger);
  const cacheScope = decisionCacheScope(rawEncoder.modelId, config, secondStageModel);
  const cache = config.cache.enabled
    ? new MemoryDecisionCache({ modelId: cacheScope, memoryEntries: config.cache.memoryEntries, storeText: config.cache.storeText }, cacheWriter)
    : null;
  const logStore = new DecisionLogStore(database);
  const { decisions } = config;
  // No I/O until the writer starts: a decision log switched off never touches it.
  const journal = new CrashJournal(path.resolve(config.dataDir, "decision-log"), decisions.queueLimit, (err) =>
    logger.warn({ err }, "the decision log's crash journal failed; from now on a crash loses decisions without a count"),
  );
  const decisionLogWriter = decisions.enabled
    ? new DecisionLogWriter((rows) => logStore.write(rows), {
        maxKeys: decisions.queueLimit,
        flushIntervalMs: decisions.flushIntervalMs,
        logger,
        isRefusal: isRefusedWrite,
        storeText: decisions.storeText,
        journal,
      })
    : null;
  const probe = new DatabaseProbe(database, logger);
  const metrics = new ServiceMetrics({
    indexSize: () => index.get()?.size ?? 0,
    revision: () => index.get()?.revision ?? 0,
    writers: () => ({ stats: statsRecorder, cache: cacheWriter, decision_log: decisionLogWriter, gateway_log: recording.log, sessions: sessions.writer }),
    embeddingLane: (): LaneStats => lane.stats(),
    databaseErrors: () => ({ ping: probe.failures }),
    sessions: () => sessions.health,
    decisionsLostAtCrash: () => decisionLog.lostAtCrash,
  });
  // Metrics wrap the model itself (true batch sizes and forward-pass times); the priority lane and batching go outside.
  const { bulkSlice, batchSliceChars, maxBatchQueueMs } = config.embedding;
  const lane = new PriorityEncoder(instrumentEncoder(rawEncoder, metrics), { bulkSlice, batchSliceChars, maxBatchQueueMs });
  const encoder = traceEncoder(config.embedding.batching.enabled ? new BatchingEncoder(lane, config.embedding.batching) : lane);

  const hnsw = hnswIndexes(config.index);
  const createVectorIndex = hnsw.create;
  const sync = new IndexSync({ database, encoder, index, pollIntervalMs: config.replication.pollIntervalMs, logger });
  const guard = new DatabaseGuard({
    timeoutMs: config.database.operationTimeoutMs,
    cooldownMs: config.database.cooldownMs,
    probe: () => database.ping(Math.min(500, config.database.operationTimeoutMs)),
  });
  const curator = new CuratorService({
    database,
    guard,
    lockWaitMs: config.curation.lockWaitMs,
    perItemBudgetMs: config.curation.perItemBudgetMs,
    encoder,
    sync,
    index,
    createScratchIndex: hnsw.scratch,
    tiers: tierNames,
    conflictSimilarity: config.curation.conflictSimilarity,
  });
  const rules = new RulesStore({ database, guard, tiers: tierNames, initial: config.rules, pollIntervalMs: config.replication.pollIntervalMs, logger });
  const sessions = new SessionStore(db, new TierLadder(config.tiers), { ...config.sessions, logger, isRefusal: isRefusedWrite });
  // Below both routing (the complexity rater) and the gateway: the upstream models, recording every attempt.
  const recording = gatewayRecording({ config, db, registry: metrics.registry, logger, circuits: () => upstreams.breakers.snapshot() });
  const upstreams = buildUpstreams({ config, secrets, recorder: recording.recorder, call: overrides.upstreamCall });
  const llmRating = complexityRating(config.gateway.complexityRating, upstreams.asker, upstreams.registry.tierNames, (outcome, r) => recording.metrics.rating(outcome, r));
  const router = buildRouting({
    config,
    encoder,
    index,
    cache,
    rules,
    sessions,
    logger,
    secondStageModel,
    llmRating,
    batchRoom: (texts) => lane.admitBatch(texts),
    onDecision: [
      (d) => statsRecorder.record(d),
      (d, _request, facts) => metrics.observeDecision(d, facts),
      ...(decisionLogWriter ? [(d: Decision, request: RouteRequest, facts: DecisionFacts) => decisionLogWriter.record(d, request, facts)] : []),
    ],
  });
  const loop = { config, db, guard, writer: decisionLogWriter, store: logStore, curator, encoder, index, logger, onFeedback: metrics.observeFeedback.bind(metrics) };
  const { decisionLog, feedback, review, insights } = buildFeedbackLoop(loop);
  const { gateway, stats: gatewayStats } = buildGateway({
    config,
    upstreams,
    recorder: recording.recorder,
    log: recording.log,
    routing: router,
    db,
    guard,
    verifiers: overrides.verifiers,
  });
  const stats = new StatsService(
    db,
    guard,
    statsRecorder,
    config.tiers,
    config.currency,
    async () => cacheWriter?.flush(),
    () => router.unreachableTiers(),
  );
  const snapshots = new IndexSnapshots(path.resolve(config.dataDir, "index"), hnsw.load);
  const loadShippedExemplars = overrides.loadShippedExemplars ?? (() => readExemplarDir(path.resolve(config.exemplarsDir), tierNames));
  const shippedVectors = () => readShippedVectors(path.resolve(config.exemplarsDir, "vectors"), encoder.modelId, encoder.dimensions);
  const started = serviceComponents({
    ...{ config, logger, database, ownsDatabase: overrides.database === undefined, encoder, index, createVectorIndex, snapshots, sync, loadShippedExemplars, shippedVectors },
    ...{ cache, cacheWriter, statsRecorder, decisionLog, decisionLogWriter, gatewayLog: recording.log, rules, sessions },
  });
  const lifecycle = new Lifecycle(started.components, {
    logger,
    stopWaitMs: STOP_WAIT_MS,
    readiness: (draining) => readinessOf(started.model.loaded, index, probe, draining),
  });
  return {
    config,
    logger,
    database,
    encoder,
    index,
    guard,
    metrics,
    router,
    rules,
    sessions,
    curator,
    stats,
    statsRecorder,
    gateway,
    gatewayStats,
    gatewayLog: recording.log,
    cacheWriter,
    ...{ decisionLogWriter, decisionLog, feedback, review, insights },
    lifecycle,
    indexLoader: started.indexLoader,
    housekeeping: started.housekeeping,
  };
}
