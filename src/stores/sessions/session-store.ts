import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../adapters/db/client.js";
import type { SessionMemory } from "../../routing/steps/session.js";
import type { TierLadder } from "../../routing/tier-ladder.js";
import { LruMap } from "../../base/util/lru.js";
import { settlesWithin } from "../../base/util/timeout.js";
import { purgeExpiredSessions, readSessions, upsertSessions } from "./session-repository.js";
import { SessionReader } from "./session-reader.js";
import { SessionWriter } from "./session-writer.js";

interface Entry {
  tier: string;
  expiresAt: number;
  /** When this replica last read or wrote the row. */
  syncedAt: number;
  /** When this replica last queued it for writing (0: never). */
  writtenAt: number;
}

export interface SessionStoreOptions {
  memoryEntries: number;
  /** How long a request waits for the database to learn a session it does not hold (a replica switch). */
  readTimeoutMs: number;
  /** A session held in memory is re-read after this, so a raise on another replica is seen. */
  refreshMs: number;
  /** Floors waiting to be written, and how often they are. */
  queueLimit: number;
  flushIntervalMs: number;
  /** Sessions waiting for one batched read. */
  maxPendingReads: number;
  logger?: Pick<Logger, "warn" | "debug">;
  /** The database refused a row (write-behind dead letters). */
  isRefusal?: (err: unknown) => boolean;
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * Session floors in PostgreSQL, cached in memory, every part bounded: at
 * most memoryEntries sessions held, maxPendingReads waiting for one batched
 * read, queueLimit floors waiting to be written behind. A replica that has
 * not seen a session (or not lately) looks it up, waiting at most
 * readTimeoutMs: with the database slow or away the session simply has no
 * floor. A raise is written within flushIntervalMs, without the request
 * waiting, so the next replica to see the session finds it.
 */
export class SessionStore {
  private readonly memory: LruMap<string, Entry>;
  readonly writer: SessionWriter;
  private readonly reader: SessionReader;
  /** Lookups that found nothing in time: timed out, failed, or not made (read queue full). Exported as a metric. */
  misses = 0;

  constructor(
    private readonly db: Database,
    private readonly ladder: TierLadder,
    private readonly options: SessionStoreOptions,
  ) {
    this.memory = new LruMap(options.memoryEntries);
    this.writer = new SessionWriter((rows) => upsertSessions(db, rows), {
      maxKeys: options.queueLimit,
      flushIntervalMs: options.flushIntervalMs,
      logger: options.logger,
      isRefusal: options.isRefusal,
    });
    this.reader = new SessionReader((keys) => readSessions(db, keys), options.maxPendingReads);
  }

  /** For /metrics. */
  get health() {
    return {
      held: this.memory.size,
      readMisses: this.misses,
      readsSkipped: this.reader.skipped,
      pendingReads: this.reader.pending,
      pendingWrites: this.writer.pendingCount,
      writeFailures: this.writer.failedFlushes,
      writesDropped: this.writer.dropped,
    };
  }

  /** The store seen through one profile's TTL. */
  withTtl(ttlSeconds: number): SessionMemory {
    return { floor: (key) => this.floor(key), record: (key, tier) => this.record(key, tier, ttlSeconds) };
  }

  start(): void {
    this.writer.start();
  }

  async floor(key: string, now = Date.now()): Promise<string | undefined> {
    const id = hashKey(key);
    let entry = this.memory.get(id);
    if (entry === undefined || now - entry.syncedAt > this.options.refreshMs) {
      let stored: Awaited<ReturnType<SessionReader["get"]>>;
      const settled = await settlesWithin(
        this.reader.get(id).then((answer) => (stored = answer)),
        this.options.readTimeoutMs,
      );
      if (!settled || stored === undefined) {
        this.misses++;
      } else if (stored !== null) {
        const fromDb = { tier: stored.tier, expiresAt: stored.expiresAt.getTime(), syncedAt: now, writtenAt: entry?.writtenAt ?? 0 };
        // Keep whichever is higher: a raise here may not have reached the row yet.
        entry = entry !== undefined && entry.expiresAt > now && this.ladder.rankOf(entry.tier) > this.ladder.rankOf(fromDb.tier) ? { ...entry, syncedAt: now } : fromDb;
        this.memory.set(id, entry);
      } else if (entry !== undefined) {
        entry = { ...entry, syncedAt: now };
        this.memory.set(id, entry);
      }
    }
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return entry.tier;
  }

  record(key: string, tier: string, ttlSeconds: number, now = Date.now()): void {
    const id = hashKey(key);
    const current = this.memory.get(id);
    const live = current !== undefined && current.expiresAt > now;
    const top = live && this.ladder.rankOf(current.tier) >= this.ladder.rankOf(tier) ? current.tier : tier;
    const expiresAt = now + ttlSeconds * 1000;
    // Written when the floor rises or a quarter of the TTL has passed since the last write: not on every request.
    const skip = live && top === current.tier && now - current.writtenAt < (ttlSeconds * 1000) / 4;
    this.memory.set(id, { tier: top, expiresAt, syncedAt: current?.syncedAt ?? now, writtenAt: skip ? current.writtenAt : now });
    if (!skip) this.writer.record({ key: id, tier: top, rank: this.ladder.rankOf(top), expiresAt: new Date(expiresAt) });
  }

  /** Resolves once every floor recorded so far has been written (or its write failed): tests, replicas. */
  async settled(): Promise<void> {
    await this.writer.flush();
    if (this.writer.pendingCount > 0) await this.writer.flush();
  }

  /** Writes what is queued, waiting at most timeoutMs (shutdown); what cannot be written is counted as dropped. */
  stop(timeoutMs: number): Promise<void> {
    return this.writer.stop(timeoutMs);
  }

  /** Drops expired sessions (housekeeping); returns how many. */
  purgeExpired(now = new Date()): Promise<number> {
    return purgeExpiredSessions(this.db, now);
  }
}
