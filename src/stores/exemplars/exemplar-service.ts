import type { Logger } from "pino";
import { normalizeQuery } from "../../base/text/normalize.js";
import type { Database } from "../../adapters/db/client.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import { ExemplarIndex } from "../../adapters/vector-index/exemplar-index.js";
import type { VectorIndex, VectorIndexFactory } from "../../adapters/vector-index/vector-index.js";
import type { ExemplarInput } from "./exemplar-files.js";
import { exemplarFingerprint } from "../../adapters/vector-index/index-snapshot.js";
import { saveVectorsIn } from "./curation-repository.js";
import { getRevision, listExemplarMeta, listExemplarsWithVectors, seedExemplars } from "./exemplar-repository.js";
import type { ShippedVectors } from "./shipped-vectors.js";

/** Seeds the shipped exemplars on first start; a no-op once the set has a revision. */
export async function seedIfNeeded(db: Database, loadShipped: () => ExemplarInput[], logger?: Pick<Logger, "info">): Promise<boolean> {
  if ((await getRevision(db)) !== null) return false;
  const inputs = loadShipped();
  const seeded = await seedExemplars(db, inputs);
  if (seeded) logger?.info({ exemplars: inputs.length }, "seeded shipped exemplars");
  return seeded;
}

export interface BuildIndexOptions {
  createVectorIndex: VectorIndexFactory;
  /** Exemplars embedded per model call while building. */
  batchSize?: number;
  logger?: Pick<Logger, "info" | "warn">;
  /** Vectors shipped with the exemplars (shipped-vectors.ts): a text found there is not embedded. */
  shipped?: ShippedVectors;
}

/**
 * Builds the in-memory index from the database (the source of truth). Vectors
 * stored for this model are reused; missing ones are embedded and stored so
 * the next start is fast. Failing to store them is not fatal.
 */
export async function buildExemplarIndex(db: Database, encoder: Encoder, options: BuildIndexOptions): Promise<ExemplarIndex> {
  await encoder.load();
  const revision = (await getRevision(db)) ?? 0;
  const rows = await listExemplarsWithVectors(db, encoder.modelId);
  // Vectors new to the database: shipped ones taken here, then the rest (`missing`) embedded below.
  const fresh: Array<{ id: number; vector: Float32Array }> = [];
  const missing = rows.filter((r) => {
    if (r.vector !== null && r.vector.length === encoder.dimensions) return false;
    const shipped = options.shipped?.get(r.text);
    if (shipped === undefined || shipped.length !== encoder.dimensions) return true;
    r.vector = shipped;
    fresh.push({ id: r.id, vector: shipped });
    return false;
  });
  const batchSize = options.batchSize ?? 64;
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const vectors = await encoder.embed(
      batch.map((r) => normalizeQuery(r.text)),
      { priority: "bulk" },
    );
    batch.forEach((r, j) => {
      r.vector = vectors[j]!;
      fresh.push({ id: r.id, vector: vectors[j]! });
    });
  }
  if (fresh.length > 0) {
    try {
      await saveVectorsIn(db, encoder.modelId, fresh);
    } catch (err) {
      options.logger?.warn({ err }, "could not store exemplar vectors; they will be recomputed next start");
    }
  }
  const index = new ExemplarIndex(options.createVectorIndex(encoder.dimensions, Math.max(1024, rows.length * 2)), revision);
  for (const r of rows) index.put({ id: r.id, tier: r.tier, text: r.text }, r.vector!);
  options.logger?.info({ exemplars: rows.length, embedded: missing.length, shipped: fresh.length - missing.length, revision }, "exemplar index built");
  return index;
}

/**
 * Builds the index around vectors loaded from a snapshot, reading only ids,
 * tiers and texts from the database. Returns null unless the snapshot holds
 * exactly the exemplars the database holds at that revision.
 */
export async function indexFromSnapshot(db: Database, loadSnapshot: (revision: number, fingerprint: string) => VectorIndex | null): Promise<ExemplarIndex | null> {
  const revision = (await getRevision(db)) ?? 0;
  const rows = await listExemplarMeta(db);
  const vectors = loadSnapshot(revision, exemplarFingerprint(rows));
  if (!vectors || rows.length !== vectors.size) return null;
  const index = new ExemplarIndex(vectors, revision);
  for (const r of rows) if (!index.adopt(r)) return null;
  return index;
}
