import type { Logger } from "pino";
import { normalizeQuery } from "../../base/text/normalize.js";
import { YIELD_EVERY, yieldToEventLoop } from "../../base/util/yield.js";
import type { DatabaseHandle } from "../../adapters/db/client.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import type { ExemplarIndex, ExemplarIndexRef } from "../../adapters/vector-index/exemplar-index.js";
import { changedExemplarIds, EXEMPLAR_CHANNEL, exemplarsWithVectorsByIds, saveVectorsIn } from "./curation-repository.js";
import { getRevision } from "./exemplar-repository.js";

export type IndexChange = { op: "put"; id: number; tier: string; text: string; vector: Float32Array } | { op: "remove"; id: number };

export interface IndexSyncDeps {
  database: DatabaseHandle;
  encoder: Encoder;
  index: ExemplarIndexRef;
  pollIntervalMs: number;
  logger?: Pick<Logger, "info" | "warn" | "debug">;
}

/**
 * Keeps this replica's in-memory index in step with the database. All index
 * mutations run one at a time through `exclusive`, so local writes and
 * catch-ups never interleave. `index.revision` is the highest revision whose
 * changes are all applied here; a gap (another replica committed in between)
 * triggers a catch-up that re-reads every exemplar touched since.
 */
export class IndexSync {
  private chain: Promise<unknown> = Promise.resolve();
  private unlisten: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A catch-up queued and not started yet: the next caller joins it. */
  private queuedCatchUp: Promise<void> | undefined;

  constructor(private readonly deps: IndexSyncDeps) {}

  /** Runs fn after every earlier index mutation of this process has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Applies a change this process has just committed at `revision`. Call inside exclusive(). */
  async applyCommitted(revision: number, changes: readonly IndexChange[]): Promise<void> {
    const index = this.requireIndex();
    for (const [i, c] of changes.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      if (c.op === "put") index.put({ id: c.id, tier: c.tier, text: c.text }, c.vector);
      else index.remove(c.id);
    }
    if (revision === index.revision + 1) index.revision = revision;
    else if (revision > index.revision) await this.catchUpNow();
  }

  /** Subscribes to change notifications and starts the revision poll. */
  async start(): Promise<void> {
    const { database, logger } = this.deps;
    this.unlisten = await database.listen(
      EXEMPLAR_CHANNEL,
      (payload) => {
        const revision = Number(payload);
        const index = this.deps.index.get();
        if (index && Number.isFinite(revision) && revision <= index.revision) return; // our own or already applied
        void this.catchUp();
      },
      // Reconnected: notifications may have been missed while the connection was down.
      () => void this.catchUp(),
    );
    this.timer = setInterval(() => void this.catchUp(), this.deps.pollIntervalMs);
    this.timer.unref();
    logger?.debug({ channel: EXEMPLAR_CHANNEL }, "listening for exemplar changes");
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => {});
    await this.chain;
  }

  /**
   * Brings the index up to the database's revision; safe to call any time.
   * One catch-up waits at most: while the database is away the poll and the
   * reconnects would otherwise queue one each, and curator writes (which share
   * the queue) would wait behind all of them once it is back.
   */
  catchUp(): Promise<void> {
    if (this.queuedCatchUp) return this.queuedCatchUp;
    const queued = this.exclusive(() => {
      this.queuedCatchUp = undefined;
      return this.catchUpNow();
    }).catch((err: unknown) => {
      this.deps.logger?.warn({ err }, "exemplar catch-up failed; will retry");
    });
    this.queuedCatchUp = queued;
    return queued;
  }

  private async catchUpNow(): Promise<void> {
    const index = this.deps.index.get();
    if (!index) return;
    const { database, encoder } = this.deps;
    const target = (await getRevision(database.db)) ?? 0;
    if (target <= index.revision) return;
    const ids = await changedExemplarIds(database.db, index.revision, target);
    const rows = await exemplarsWithVectorsByIds(database.db, ids, encoder.modelId);
    // Rows written by a replica running another model have no vector for ours yet.
    const missing = rows.filter((r) => r.vector === null);
    if (missing.length > 0) {
      const vectors = await encoder.embed(
        missing.map((r) => normalizeQuery(r.text)),
        { priority: "bulk" },
      );
      missing.forEach((r, i) => (r.vector = vectors[i]!));
      await saveVectorsIn(
        database.db,
        encoder.modelId,
        missing.map((r) => ({ id: r.id, vector: r.vector! })),
      ).catch(() => {});
    }
    const present = new Set(rows.map((r) => r.id));
    for (const [i, r] of rows.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      index.put({ id: r.id, tier: r.tier, text: r.text }, r.vector!);
    }
    for (const id of ids) if (!present.has(id)) index.remove(id);
    const from = index.revision;
    index.revision = target;
    this.deps.logger?.info({ from, to: target, changed: ids.length }, "exemplar index caught up");
  }

  private requireIndex(): ExemplarIndex {
    const index = this.deps.index.get();
    if (!index) throw new Error("the exemplar index is not built yet");
    return index;
  }
}
