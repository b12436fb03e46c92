import type { Logger } from "pino";
import type { Database } from "../adapters/db/client.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import type { ExemplarIndex, ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";
import { exemplarFingerprint, type IndexSnapshots } from "../adapters/vector-index/index-snapshot.js";
import { isPersistent, type VectorIndexFactory } from "../adapters/vector-index/vector-index.js";
import { buildExemplarIndex, indexFromSnapshot } from "../stores/exemplars/exemplar-service.js";
import type { ShippedVectors } from "../stores/exemplars/shipped-vectors.js";
import { checkExemplarTiers } from "../stores/exemplars/tier-labels.js";
import type { Component } from "./lifecycle.js";

export interface IndexLoaderDeps {
  db: Database;
  encoder: Encoder;
  index: ExemplarIndexRef;
  createVectorIndex: VectorIndexFactory;
  snapshots: IndexSnapshots;
  /** Save a snapshot in dataDir (index.snapshot). */
  snapshot: boolean;
  tiers: readonly string[];
  logger: Pick<Logger, "info" | "warn">;
  /** The vectors shipped with the exemplars, read only when the index is built from the database. */
  shippedVectors?: () => ShippedVectors;
  /** Runs once the index is built and before routing sees it (the decision cache is warmed here). */
  beforePublish?: (index: ExemplarIndex) => Promise<void>;
}

/**
 * The HNSW index is derived state: at start it is loaded from a snapshot in
 * dataDir when that matches the database's exemplars, else built from the
 * stored vectors (and the snapshot written); at stop the snapshot is saved.
 */
export class IndexLoader implements Component {
  readonly name = "exemplar index";
  /** Where the index came from at start: a snapshot in dataDir, or the vectors in the database. */
  source: "snapshot" | "database" | null = null;

  constructor(private readonly deps: IndexLoaderDeps) {}

  async start(): Promise<void> {
    const { db, encoder, logger } = this.deps;
    const fromSnapshot = await indexFromSnapshot(db, (revision, fingerprint) => this.deps.snapshots.tryLoad(encoder.modelId, revision, fingerprint));
    this.source = fromSnapshot ? "snapshot" : "database";
    const index = fromSnapshot ?? (await buildExemplarIndex(db, encoder, { createVectorIndex: this.deps.createVectorIndex, logger, shipped: this.readShipped() }));
    // Exemplars of tiers the configuration no longer names would silently send everything to the fallback.
    checkExemplarTiers(index.countByTier(), this.deps.tiers, { kind: "database", name: "the database" });
    if (fromSnapshot) logger.info({ exemplars: index.size, revision: index.revision }, "exemplar index loaded from snapshot");
    else this.save(index);
    await this.deps.beforePublish?.(index);
    this.deps.index.set(index);
  }

  /** Best effort: unreadable shipped vectors only mean embedding them as before. */
  private readShipped(): ShippedVectors | undefined {
    try {
      return this.deps.shippedVectors?.();
    } catch (err) {
      this.deps.logger.warn({ err }, "could not read the shipped exemplar vectors; embedding the exemplars instead");
      return undefined;
    }
  }

  stop(): void {
    const index = this.deps.index.get();
    if (index) this.save(index);
  }

  /** Best effort: a failed snapshot only means the next start rebuilds. */
  private save(index: ExemplarIndex): void {
    if (!this.deps.snapshot || !isPersistent(index.vectors)) return;
    try {
      this.deps.snapshots.save(index.vectors, this.deps.encoder.modelId, index.revision, exemplarFingerprint(index.entries()));
    } catch (err) {
      this.deps.logger.warn({ err }, "could not write the index snapshot");
    }
  }
}
