import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";

export interface DatabaseTarget {
  name: "pglite" | "postgres";
  /** A fresh, empty database of its own; close() removes it. */
  open(): Promise<DatabaseHandle>;
}

/**
 * Two independent connections pools to one fresh PostgreSQL database, as two
 * replicas would have; null without TEST_DATABASE_URL. `drop()` removes it.
 */
export async function openReplicaDatabases(): Promise<{ a: DatabaseHandle; b: DatabaseHandle; url: string; drop(): Promise<void> } | null> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return null;
  const scratch = await createScratchDatabase(adminUrl);
  const a = await openDatabase({ url: scratch.url, maxConnections: 4 });
  const b = await openDatabase({ url: scratch.url, maxConnections: 4 });
  return {
    a,
    b,
    url: scratch.url,
    async drop() {
      await Promise.all([a.close().catch(() => {}), b.close().catch(() => {})]);
      await scratch.drop();
    },
  };
}

/**
 * PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. Each open()
 * makes a new database so test files never share rows.
 */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: "pglite", open: () => openDatabase({ dataDir: "memory" }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ name: "postgres", open: () => openScratchPostgres(url) });
  return targets;
}

/** Creates an empty database on the server; drop() removes it, closing other sessions. */
export async function createScratchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tierline_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function openScratchPostgres(adminUrl: string): Promise<DatabaseHandle> {
  const scratch = await createScratchDatabase(adminUrl);
  const handle = await openDatabase({ url: scratch.url, maxConnections: 4 });
  return {
    ...handle,
    db: handle.db,
    kind: handle.kind,
    ping: handle.ping,
    withAdvisoryLock: handle.withAdvisoryLock,
    listen: handle.listen,
    async close() {
      await handle.close().catch(() => {});
      await scratch.drop();
    },
  };
}
