import { and, eq, lt } from "drizzle-orm";
import type { Database, Executor } from "../adapters/db/client.js";
import { idempotencyKeys } from "../adapters/db/schema.js";

/** What a write answered: replayed as is to a retry with the same key. */
export interface Receipt {
  status: number;
  body: unknown;
}

export interface StoredReceipt extends Receipt {
  fingerprint: string;
}

export async function findReceipt(db: Executor, actor: string, key: string): Promise<StoredReceipt | undefined> {
  const [row] = await db
    .select({ fingerprint: idempotencyKeys.fingerprint, status: idempotencyKeys.status, body: idempotencyKeys.body })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.actor, actor), eq(idempotencyKeys.key, key)));
  return row;
}

/** Inside the write's own transaction: the receipt exists if and only if the write committed. */
export async function saveReceipt(tx: Executor, entry: { actor: string; key: string; fingerprint: string } & Receipt): Promise<void> {
  await tx.insert(idempotencyKeys).values(entry);
}

/** Forgets receipts older than `before`; returns how many. */
export async function purgeReceipts(db: Database, before: Date): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
  return rows.length;
}
