import { mkdirSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { Logger } from "pino";
import postgres from "postgres";
import { PgliteThread } from "./pglite-thread.js";
import * as schema from "./schema.js";

/** Either driver behind one drizzle type: repositories never know which. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A drizzle transaction or the database itself: what repository functions take. */
export type Executor = Pick<Database, "select" | "selectDistinct" | "selectDistinctOn" | "insert" | "update" | "delete" | "execute">;

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: "pglite" | "postgres";
  /** Rejects if the database does not answer `select 1` within timeoutMs. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * Runs fn while holding a PostgreSQL session advisory lock, so replicas
   * starting together take turns; PGlite has one process and just runs fn.
   */
  withAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel. onConnect runs on every (re)connection of the
   * listener, so the caller can catch up on notifications it missed.
   * Resolves to an unsubscribe function.
   */
  listen(channel: string, onNotify: (payload: string) => void, onConnect?: () => void): Promise<() => Promise<void>>;
  /**
   * PGlite only: bulk-loads CSV rows (db/csv.ts) with COPY. PGlite runs in
   * this process (in a thread of its own), so its inserts cost this
   * machine's CPU; COPY costs about a third of the cheapest INSERT. One
   * statement, all or nothing. `table` and `columns` are identifiers from
   * code, never input. (PostgreSQL does insert work in its own process;
   * postgres.js also loses COPY errors, so it is not offered there.)
   */
  copyRows?(table: string, columns: readonly string[], csv: string): Promise<void>;
  /** PGlite only: collects its thread's garbage (what start-up left); PostgreSQL keeps none in this process. */
  collectGarbage?(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; "memory" keeps everything in RAM (tests). */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** PostgreSQL only: server-side bounds on every session, so a stalled client or statement cannot hold locks for long. */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  connectTimeoutSeconds?: number;
  /** PGlite only: where the embedded database's thread reports dying and being reopened. */
  logger?: Pick<Logger, "info" | "error">;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options);
  return openPglite(options.dataDir ?? "memory", options.logger);
}

/**
 * Seconds a pool connection waits before reconnecting after `retries` failed
 * attempts: 50 ms doubling, at most 0.5 s, with jitter. postgres.js's default
 * grows to 20 s (3^retries / 100, one counter for the whole pool), so after an
 * outage of a few seconds the pool slept up to 20 s past the server's return
 * while every write answered 503 (the reliability suite's db-stop scenario:
 * no write committed in the 10 s after the server was back). A refused
 * connect costs the server nothing; a pool that lags the server costs writes.
 */
export function reconnectBackoffSeconds(retries: number): number {
  return Math.min(0.05 * 2 ** Math.max(0, retries - 1), 0.5) * (0.5 + Math.random() / 2);
}

function openPostgres(url: string, options: DatabaseOptions): DatabaseHandle {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    backoff: reconnectBackoffSeconds,
    // Fail fast when the server is down: /route answers without the cache, /readyz says degraded.
    connect_timeout: options.connectTimeoutSeconds ?? 2,
    idle_timeout: 60,
    connection: {
      statement_timeout: options.statementTimeoutMs ?? 5_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
    },
    onnotice: () => {},
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    ping: (timeoutMs = 2000) => withTimeout(db.execute(sql`select 1`), timeoutMs, "database ping"),
    async withAdvisoryLock(key, fn) {
      // Session locks belong to one connection: a client of its own holds it, closed afterwards.
      // (Not the pool's reserve(): postgres.js 3.4 can then crash the process from a timer when
      // the server goes away later, porsager/postgres#1208.)
      const session = postgres(url, { max: 1, connect_timeout: options.connectTimeoutSeconds ?? 2, backoff: reconnectBackoffSeconds, onnotice: () => {} });
      try {
        await session`select pg_advisory_lock(${key})`;
        try {
          return await fn();
        } finally {
          await session`select pg_advisory_unlock(${key})`;
        }
      } finally {
        await session.end({ timeout: 5 });
      }
    },
    async listen(channel, onNotify, onConnect) {
      const sub = await client.listen(channel, onNotify, onConnect);
      return () => sub.unlisten();
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string, logger?: Pick<Logger, "info" | "error">): Promise<DatabaseHandle> {
  if (dataDir !== "memory") mkdirSync(dataDir, { recursive: true });
  // PGlite's default 128 MB of shared buffers costs ~90 MB of RSS; the tables here are small
  // and the request path never reads them.
  const client = await PgliteThread.open(
    { dataDir, postgresqlconf: ["shared_buffers=16MB"] },
    {
      onDeath: (err) => logger?.error({ err }, "the embedded database's thread died; reopening its data directory"),
      onReopened: () => logger?.info("the embedded database is open again"),
      onReopenFailed: (err, retryInMs) => logger?.error({ err, retryInMs }, "reopening the embedded database failed"),
    },
  );
  // drizzle's PGlite driver calls query() and transaction(), which PgliteThread gives as PGlite does.
  const db = drizzlePglite(client as unknown as PGlite, { schema }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    ping: (timeoutMs = 2000) => withTimeout(db.execute(sql`select 1`), timeoutMs, "database ping"),
    withAdvisoryLock: (_key, fn) => fn(),
    async listen(channel, onNotify, onConnect) {
      // One process: notifications only ever come from this same instance; onConnect again after its thread is reopened.
      const unsubscribe = await client.listen(channel, onNotify, onConnect);
      onConnect?.();
      return unsubscribe;
    },
    async copyRows(table, columns, csv) {
      await client.copyFrom(`COPY "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`, csv);
    },
    collectGarbage: () => client.collectGarbage(),
    close: () => client.close(),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
