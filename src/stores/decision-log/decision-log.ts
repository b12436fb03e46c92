import type { Logger } from "pino";
import type { Database } from "../../adapters/db/client.js";
import type { DatabaseGuard, Deadline } from "../../adapters/db/database-guard.js";
import { addDays, dayOf, dropPartitionsBefore, ensurePartitions } from "../../adapters/db/partitions.js";
import type { DecisionLogWriter } from "./decision-log-writer.js";
import { findLogged, latestByTextHash, type DecisionLogStore } from "./decision-log-repository.js";
import type { LogRow } from "./log-row.js";

export interface DecisionLogOptions {
  db: Database;
  guard: DatabaseGuard;
  /** Null when the log is disabled (decisions.enabled: false). */
  writer: DecisionLogWriter | null;
  store: DecisionLogStore;
  retentionDays: number;
  partitionsAhead: number;
  flushIntervalMs: number;
  logger: Pick<Logger, "info" | "warn">;
}

/** Longest wait for a row another replica may still hold (its flush interval, 1 s by default, plus slack). */
const MAX_WAIT_MS = 2_500;

/**
 * Reading the decision log, and keeping its partitions. A decision is
 * written behind, so feedback can arrive before its row: lookups read this
 * replica's buffer first, then the database, and for ids still missing wait
 * one flush interval (at most 2.5 s) and read again (a row another replica
 * has not flushed yet), so an unknown id answers 404 only after that.
 */
export class DecisionLog {
  /** Decisions the previous process made but neither wrote nor counted (it was killed with them unwritten); exported as a metric. */
  lostAtCrash = 0;

  constructor(private readonly options: DecisionLogOptions) {}

  /**
   * At start, once: the ids the previous process left in its crash journal
   * that are not in the table were lost with it. Logged and counted, never silent.
   */
  async countCrashLosses(): Promise<number> {
    const previous = this.options.writer?.takePreviousRun() ?? [];
    if (previous.length === 0) return 0;
    const present = new Set((await findLogged(this.options.db, previous)).map((r) => r.decisionId));
    const lost = previous.filter((id) => !present.has(id));
    this.lostAtCrash += lost.length;
    if (lost.length > 0)
      this.options.logger.warn(
        { lost: lost.length, unconfirmed: previous.length, sample: lost.slice(0, 5) },
        "decisions of the previous process were lost: it ended before writing them",
      );
    return lost.length;
  }

  get enabled(): boolean {
    return this.options.writer !== null;
  }

  get retentionDays(): number {
    return this.options.retentionDays;
  }

  /** The oldest time still retained. */
  retainedSince(now = new Date()): Date {
    return addDays(dayOf(now), -this.options.retentionDays + 1);
  }

  /**
   * Logged decisions by id; ids absent from the result are unknown (or
   * already expired). The reads share `budget` (the request's database
   * part); the wait for another replica's flush does not count against it.
   */
  async find(ids: readonly string[], budget?: Deadline): Promise<Map<string, LogRow>> {
    const found = new Map<string, LogRow>();
    const writer = this.options.writer;
    if (writer === null) return found;
    for (const id of ids) {
      const pending = writer.peek(id);
      if (pending) found.set(id, pending);
    }
    await this.readInto(found, ids, budget);
    if (found.size < new Set(ids).size) {
      const waitMs = Math.min(this.options.flushIntervalMs + 250, MAX_WAIT_MS);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      budget?.extend(waitMs);
      await this.readInto(found, ids, budget);
    }
    return found;
  }

  /**
   * The latest retained decision for each text hash, in the table or among
   * this replica's unwritten rows (read in memory: no flush on the request
   * path), whichever is later.
   */
  async findByTextHash(hashes: readonly string[], budget?: Deadline): Promise<Map<string, LogRow>> {
    const writer = this.options.writer;
    if (writer === null || hashes.length === 0) return new Map();
    const found = await this.options.guard.run("not_applied", () => latestByTextHash(this.options.db, hashes, this.retainedSince()), budget);
    const wanted = new Set(hashes);
    for (const row of writer.unwritten()) {
      const seen = found.get(row.textHash);
      if (wanted.has(row.textHash) && (seen === undefined || row.at >= seen.at)) found.set(row.textHash, row);
    }
    return found;
  }

  /**
   * Writes this replica's pending rows now (reports read the table). A flush
   * already under way carries only the rows it started with, so the rows
   * queued behind it get a second one.
   */
  async flush(): Promise<void> {
    const writer = this.options.writer;
    if (writer === null) return;
    await writer.flush();
    if (writer.pendingCount > 0) await writer.flush();
  }

  /**
   * Housekeeping: creates the partitions of yesterday (late rows), today and
   * `partitionsAhead` days ahead, and drops those past retention. Returns
   * the names, and the cutoff before which everything is gone.
   */
  async maintain(now = new Date()): Promise<{ created: string[]; dropped: string[]; cutoff: Date }> {
    const { db, store, partitionsAhead, logger } = this.options;
    const today = dayOf(now);
    const days = Array.from({ length: partitionsAhead + 2 }, (_, i) => addDays(today, i - 1));
    const created = await ensurePartitions(db, days);
    store.remember(days);
    const cutoff = this.retainedSince(now);
    const dropped = await dropPartitionsBefore(db, cutoff);
    if (dropped.length > 0) store.forget();
    if (created.length > 0 || dropped.length > 0) logger.info({ created, dropped }, "decision log partitions maintained");
    return { created, dropped, cutoff };
  }

  private async readInto(found: Map<string, LogRow>, ids: readonly string[], budget?: Deadline): Promise<void> {
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length === 0) return;
    const rows = await this.options.guard.run("not_applied", () => findLogged(this.options.db, missing), budget);
    for (const row of rows) found.set(row.decisionId, row);
  }
}
