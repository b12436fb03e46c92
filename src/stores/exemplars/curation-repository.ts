import { and, asc, eq, gt, ilike, inArray, lte, sql } from "drizzle-orm";
import type { Executor } from "../../adapters/db/client.js";
import { exemplarAudit, exemplarRevision, exemplars, exemplarVectors } from "../../adapters/db/schema.js";
import type { Exemplar } from "./exemplar.js";
import { bytesToVector, vectorToBytes } from "./exemplar-repository.js";
import { chunks } from "../../adapters/db/chunks.js";

export type { Executor };

export const EXEMPLAR_CHANNEL = "tierline_exemplars";

const columns = {
  id: exemplars.id,
  text: exemplars.text,
  tier: exemplars.tier,
  note: exemplars.note,
  source: exemplars.source,
  createdAt: exemplars.createdAt,
  updatedAt: exemplars.updatedAt,
};

/** Bumps and returns the revision; the row lock serialises concurrent writers across replicas. */
export async function bumpRevision(tx: Executor): Promise<number> {
  const [row] = await tx
    .insert(exemplarRevision)
    .values({ id: 1, revision: 1 })
    .onConflictDoUpdate({ target: exemplarRevision.id, set: { revision: sql`${exemplarRevision.revision} + 1`, updatedAt: sql`now()` } })
    .returning({ revision: exemplarRevision.revision });
  return row!.revision;
}

/** Tells other replicas about a new revision; delivered only if the transaction commits. */
export async function notifyRevision(tx: Executor, revision: number): Promise<void> {
  await tx.execute(sql`select pg_notify(${EXEMPLAR_CHANNEL}, ${String(revision)})`);
}

export async function findByTextHashes(tx: Executor, hashes: readonly string[]): Promise<Array<Exemplar & { textHash: string }>> {
  if (hashes.length === 0) return [];
  return tx
    .select({ ...columns, textHash: exemplars.textHash })
    .from(exemplars)
    .where(inArray(exemplars.textHash, [...hashes]));
}

export async function insertExemplarRows(tx: Executor, rows: ReadonlyArray<{ text: string; textHash: string; tier: string; note: string | null }>): Promise<Exemplar[]> {
  if (rows.length === 0) return [];
  const out: Exemplar[] = [];
  for (const chunk of chunks(rows)) {
    out.push(
      ...(await tx
        .insert(exemplars)
        .values(chunk.map((r) => ({ ...r, source: "api" })))
        .returning(columns)),
    );
  }
  return out;
}

export async function updateExemplarRow(tx: Executor, id: number, patch: { text?: string; textHash?: string; tier?: string; note?: string | null }): Promise<Exemplar | undefined> {
  const [row] = await tx
    .update(exemplars)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(exemplars.id, id))
    .returning(columns);
  return row;
}

export async function deleteExemplarRow(tx: Executor, id: number): Promise<Exemplar | undefined> {
  const [row] = await tx.delete(exemplars).where(eq(exemplars.id, id)).returning(columns);
  return row;
}

export async function getExemplar(db: Executor, id: number): Promise<Exemplar | undefined> {
  const [row] = await db.select(columns).from(exemplars).where(eq(exemplars.id, id));
  return row;
}

export async function countExemplars(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(exemplars);
  return row?.n ?? 0;
}

export interface ListFilter {
  tier?: string;
  /** Case-insensitive substring of the text. */
  q?: string;
  afterId?: number;
  limit: number;
}

export async function listExemplars(db: Executor, filter: ListFilter): Promise<Exemplar[]> {
  const conditions = [
    filter.tier === undefined ? undefined : eq(exemplars.tier, filter.tier),
    filter.q === undefined ? undefined : ilike(exemplars.text, `%${escapeLike(filter.q)}%`),
    filter.afterId === undefined ? undefined : gt(exemplars.id, filter.afterId),
  ].filter((c) => c !== undefined);
  return db
    .select(columns)
    .from(exemplars)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(exemplars.id))
    .limit(filter.limit);
}

function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function saveVectorsIn(tx: Executor, modelId: string, items: ReadonlyArray<{ id: number; vector: Float32Array }>): Promise<void> {
  for (const chunk of chunks(items)) {
    await tx
      .insert(exemplarVectors)
      .values(chunk.map((it) => ({ exemplarId: it.id, modelId, vector: vectorToBytes(it.vector) })))
      .onConflictDoUpdate({ target: [exemplarVectors.exemplarId, exemplarVectors.modelId], set: { vector: sql`excluded.vector` } });
  }
}

export interface AuditEntry {
  revision: number;
  action: "create" | "update" | "delete";
  exemplarId: number;
  before: unknown;
  after: unknown;
  actor: string;
}

export async function insertAudit(tx: Executor, entries: readonly AuditEntry[]): Promise<void> {
  for (const chunk of chunks(entries)) await tx.insert(exemplarAudit).values(chunk.map((e) => ({ ...e })));
}

/** Exemplar ids touched by revisions in (after, upTo]. */
export async function changedExemplarIds(db: Executor, after: number, upTo: number): Promise<number[]> {
  const rows = await db
    .selectDistinct({ id: exemplarAudit.exemplarId })
    .from(exemplarAudit)
    .where(and(gt(exemplarAudit.revision, after), lte(exemplarAudit.revision, upTo)));
  return rows.map((r) => r.id);
}

/** Current rows (with this model's stored vector, if any) for the given ids; deleted ids are absent. */
export async function exemplarsWithVectorsByIds(
  db: Executor,
  ids: readonly number[],
  modelId: string,
): Promise<Array<{ id: number; text: string; tier: string; vector: Float32Array | null }>> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: exemplars.id, text: exemplars.text, tier: exemplars.tier, vector: exemplarVectors.vector })
    .from(exemplars)
    .leftJoin(exemplarVectors, and(eq(exemplarVectors.exemplarId, exemplars.id), eq(exemplarVectors.modelId, modelId)))
    .where(inArray(exemplars.id, [...ids]));
  return rows.map((r) => ({ ...r, vector: r.vector ? bytesToVector(r.vector) : null }));
}
