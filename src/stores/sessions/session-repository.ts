import { inArray, lt, sql } from "drizzle-orm";
import { chunks } from "../../adapters/db/chunks.js";
import type { Database } from "../../adapters/db/client.js";
import { routingSessions } from "../../adapters/db/schema.js";

/** One session floor as stored: the key is a hash of caller, profile and session id. */
export interface SessionRow {
  key: string;
  tier: string;
  /** The tier's position, cheapest 0. */
  rank: number;
  expiresAt: Date;
}

/**
 * Upserts floors, 500 to a statement, keeping the higher of the stored and
 * the new tier unless the stored one has expired. No transaction: each row
 * is a maximum, so a flush retried after a partial write changes nothing twice.
 */
export async function upsertSessions(db: Database, rows: readonly SessionRow[]): Promise<void> {
  for (const chunk of chunks(rows)) {
    await db
      .insert(routingSessions)
      .values(chunk.map((r) => ({ key: r.key, tier: r.tier, rank: r.rank, expiresAt: r.expiresAt })))
      .onConflictDoUpdate({
        target: routingSessions.key,
        set: {
          tier: sql`case when ${routingSessions.expiresAt} > now() and ${routingSessions.rank} > excluded.rank then ${routingSessions.tier} else excluded.tier end`,
          rank: sql`case when ${routingSessions.expiresAt} > now() and ${routingSessions.rank} > excluded.rank then ${routingSessions.rank} else excluded.rank end`,
          expiresAt: sql`greatest(${routingSessions.expiresAt}, excluded.expires_at)`,
          updatedAt: sql`now()`,
        },
      });
  }
}

/** The stored floors of these keys (absent keys have none). */
export async function readSessions(db: Database, keys: readonly string[]): Promise<Array<Pick<SessionRow, "key" | "tier" | "expiresAt">>> {
  const out: Array<Pick<SessionRow, "key" | "tier" | "expiresAt">> = [];
  for (const chunk of chunks(keys, 1000)) {
    out.push(
      ...(await db
        .select({ key: routingSessions.key, tier: routingSessions.tier, expiresAt: routingSessions.expiresAt })
        .from(routingSessions)
        .where(inArray(routingSessions.key, chunk))),
    );
  }
  return out;
}

/** Drops expired sessions (housekeeping); returns how many. */
export async function purgeExpiredSessions(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(routingSessions).where(lt(routingSessions.expiresAt, now)).returning({ key: routingSessions.key });
  return rows.length;
}
