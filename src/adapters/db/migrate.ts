import { fileURLToPath } from "node:url";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { DatabaseHandle } from "./client.js";

/** The committed migrations, resolved from this file so the cwd does not matter. */
export const migrationsFolder = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Arbitrary constant: serialises migrations when several replicas start at once. */
const MIGRATION_LOCK = 7_461_331;

/** Applies the committed migrations in migrations/ (the same files on either database). */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  await handle.withAdvisoryLock(MIGRATION_LOCK, () => migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder }));
}
