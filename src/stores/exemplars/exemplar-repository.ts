import { and, eq } from "drizzle-orm";
import { textHash } from "../../base/text/normalize.js";
import type { Database } from "../../adapters/db/client.js";
import { exemplarRevision, exemplars, exemplarVectors } from "../../adapters/db/schema.js";
import type { ExemplarInput } from "./exemplar-files.js";
import { chunks } from "../../adapters/db/chunks.js";

export interface ExemplarRow {
  id: number;
  text: string;
  tier: string;
  vector: Float32Array | null;
}

/** Current exemplar-set revision, or null if the set was never seeded. */
export async function getRevision(db: Database): Promise<number | null> {
  const rows = await db.select({ revision: exemplarRevision.revision }).from(exemplarRevision);
  return rows[0]?.revision ?? null;
}

/**
 * Inserts the shipped exemplars and creates the revision row, atomically.
 * Returns false (and writes nothing) if the set was seeded before, so curators'
 * deletions are never undone by a restart; concurrent starters seed once.
 */
export async function seedExemplars(db: Database, inputs: readonly ExemplarInput[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const created = await tx.insert(exemplarRevision).values({ id: 1, revision: 1 }).onConflictDoNothing().returning({ revision: exemplarRevision.revision });
    if (created.length === 0) return false;
    const rows = inputs.map((e) => ({ text: e.text.trim(), textHash: textHash(e.text), tier: e.tier, note: e.note ?? null, source: "seed" }));
    for (const chunk of chunks(rows)) {
      await tx.insert(exemplars).values(chunk).onConflictDoNothing({ target: exemplars.textHash });
    }
    return true;
  });
}

/** All exemplars with their stored vector for modelId (null where not embedded yet). */
export async function listExemplarsWithVectors(db: Database, modelId: string): Promise<ExemplarRow[]> {
  const rows = await db
    .select({ id: exemplars.id, text: exemplars.text, tier: exemplars.tier, vector: exemplarVectors.vector })
    .from(exemplars)
    .leftJoin(exemplarVectors, and(eq(exemplarVectors.exemplarId, exemplars.id), eq(exemplarVectors.modelId, modelId)))
    .orderBy(exemplars.id);
  return rows.map((r) => ({ id: r.id, text: r.text, tier: r.tier, vector: r.vector ? bytesToVector(r.vector) : null }));
}

/** Ids, tiers and texts of every exemplar, without vectors (for a snapshot start). */
export async function listExemplarMeta(db: Database): Promise<Array<{ id: number; tier: string; text: string }>> {
  return db.select({ id: exemplars.id, tier: exemplars.tier, text: exemplars.text }).from(exemplars).orderBy(exemplars.id);
}

export function vectorToBytes(v: Float32Array): Uint8Array {
  const copy = Float32Array.from(v);
  return new Uint8Array(copy.buffer);
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  // Copy: driver buffers may be views with an unaligned byteOffset.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return new Float32Array(aligned.buffer);
}
