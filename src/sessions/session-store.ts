import { createHash } from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import { routingSessions } from "../db/schema.js";
import type { SessionMemory } from "../routing/steps/session.js";
import type { TierLadder } from "../routing/tier-ladder.js";
import { LruMap } from "../util/lru.js";
import { settlesWithin } from "../util/timeout.js";

interface Entry {
  tier: string;
  expiresAt: number;
  /** When this replica last read or wrote the row. */
  syncedAt: number;
  /** When this replica last wrote it (0: never). */
  writtenAt: number;
}

export interface SessionStoreOptions {
  memoryEntries: number;
  /** How long a request waits for the database to learn a session it does not hold (a replica switch). */
  readTimeoutMs: number;
  /** A session held in memory is re-read after this, so a raise on another replica is seen. */
  refreshMs: number;
  logger?: Pick<Logger, "warn">;
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * Session floors in PostgreSQL, cached in memory. A replica that has not
 * seen a session (or not lately) reads its row, waiting at most
 * readTimeoutMs: with the database away the session simply has no floor.
 * A raise is written through at once, without the request waiting for it,
 * so the next replica to see the session finds it.
 */
export class SessionStore {
  private readonly memory: LruMap<string, Entry>;
  private readonly writing = new Set<Promise<void>>();
  /** Reads that timed out or failed, and writes that failed (exported as metrics). */
  misses = 0;
  writeFailures = 0;

  constructor(
    private readonly db: Database,
    private readonly ladder: TierLadder,
    private readonly options: SessionStoreOptions,
  ) {
    this.memory = new LruMap(options.memoryEntries);
  }

  /** The store seen through one profile's TTL. */
  withTtl(ttlSeconds: number): SessionMemory {
    return { floor: (key) => this.floor(key), record: (key, tier) => this.record(key, tier, ttlSeconds) };
  }

  async floor(key: string, now = Date.now()): Promise<string | undefined> {
    const id = hashKey(key);
    let entry = this.memory.get(id);
    if (entry === undefined || now - entry.syncedAt > this.options.refreshMs) {
      const read = this.db.select({ tier: routingSessions.tier, expiresAt: routingSessions.expiresAt }).from(routingSessions).where(eq(routingSessions.key, id));
      let rows: Array<{ tier: string; expiresAt: Date }> | undefined;
      const settled = await settlesWithin(
        read.then((r) => (rows = r)),
        this.options.readTimeoutMs,
      );
      if (!settled || rows === undefined) {
        this.misses++;
      } else if (rows[0] !== undefined) {
        const fromDb = { tier: rows[0].tier, expiresAt: rows[0].expiresAt.getTime(), syncedAt: now, writtenAt: entry?.writtenAt ?? 0 };
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
    if (skip) return;
    const write = this.write(id, top, expiresAt);
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
  }

  /** Resolves once every write started so far has settled (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  private async write(id: string, tier: string, expiresAt: number): Promise<void> {
    const rank = this.ladder.rankOf(tier);
    try {
      await this.db
        .insert(routingSessions)
        .values({ key: id, tier, rank, expiresAt: new Date(expiresAt) })
        .onConflictDoUpdate({
          target: routingSessions.key,
          set: {
            // The higher of the stored and the new tier, unless the stored one has expired.
            tier: sql`case when ${routingSessions.expiresAt} > now() and ${routingSessions.rank} > excluded.rank then ${routingSessions.tier} else excluded.tier end`,
            rank: sql`case when ${routingSessions.expiresAt} > now() and ${routingSessions.rank} > excluded.rank then ${routingSessions.rank} else excluded.rank end`,
            expiresAt: sql`greatest(${routingSessions.expiresAt}, excluded.expires_at)`,
            updatedAt: sql`now()`,
          },
        });
    } catch (err) {
      this.writeFailures++;
      this.options.logger?.warn({ err }, "could not store a session floor; another replica may not see it");
    }
  }

  /** Drops expired sessions (housekeeping); returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const rows = await this.db.delete(routingSessions).where(lt(routingSessions.expiresAt, now)).returning({ key: routingSessions.key });
    return rows.length;
  }
}
