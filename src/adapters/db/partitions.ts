import { sql } from "drizzle-orm";
import type { Database, Executor } from "./client.js";

/**
 * Day partitions of the decision log (native PostgreSQL partitioning, which
 * PGlite has too): `decision_log_pYYYYMMDD` holds [that day, the next) in UTC.
 * Created ahead of time and on demand before a write; dropped past retention.
 */

const PARENT = "decision_log";
const DAY_MS = 86_400_000;
/** Arbitrary constant: serialises partition changes across replicas (transaction-scoped). */
const PARTITION_LOCK = 7_461_332;
const NAME = /^decision_log_p(\d{4})(\d{2})(\d{2})$/;

/** Midnight UTC of the day `at` falls in. */
export function dayOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, n: number): Date {
  return new Date(day.getTime() + n * DAY_MS);
}

export function partitionName(day: Date): string {
  return `${PARENT}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

function rowsOf<T>(result: unknown): T[] {
  // postgres.js returns the rows array, PGlite an object holding them.
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** The existing day partitions, oldest first. */
export async function listPartitions(db: Pick<Executor, "execute">): Promise<Array<{ name: string; day: Date }>> {
  const result = await db.execute(sql`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = ${PARENT}`);
  return rowsOf<{ name: string }>(result)
    .flatMap(({ name }) => {
      const m = NAME.exec(name);
      return m ? [{ name, day: new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) }] : [];
    })
    .sort((a, b) => a.day.getTime() - b.day.getTime());
}

/**
 * Creates the partitions of these days that do not exist yet, in one
 * transaction under an advisory lock, so replicas creating the same day at
 * once take turns instead of failing. Returns the names created.
 */
export async function ensurePartitions(db: Database, days: readonly Date[]): Promise<string[]> {
  if (days.length === 0) return [];
  const wanted = [...new Map(days.map((d) => [dayOf(d).getTime(), dayOf(d)])).values()];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK})`);
    const existing = new Set((await listPartitions(tx)).map((p) => p.name));
    const created: string[] = [];
    for (const day of wanted) {
      const name = partitionName(day);
      if (existing.has(name)) continue;
      // Names and bounds come from dates formatted here, never from input.
      await tx.execute(sql.raw(`create table if not exists "${name}" partition of "${PARENT}" for values from ('${day.toISOString()}') to ('${addDays(day, 1).toISOString()}')`));
      created.push(name);
    }
    return created;
  });
}

/** Drops the partitions whose whole day is before `cutoff`. Returns the names dropped. */
export async function dropPartitionsBefore(db: Database, cutoff: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK})`);
    const old = (await listPartitions(tx)).filter((p) => addDays(p.day, 1).getTime() <= cutoff.getTime());
    for (const p of old) await tx.execute(sql.raw(`drop table if exists "${p.name}"`));
    return old.map((p) => p.name);
  });
}
