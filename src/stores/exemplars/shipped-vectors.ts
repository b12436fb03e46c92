import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { normalizeQuery, textHash } from "../../base/text/normalize.js";

/**
 * Vectors of the shipped exemplars, computed once by `npm run exemplars:vectors`
 * and committed beside them (`exemplars/vectors/<model>.json` and `.f32`), so a
 * first start on an empty database need not embed what it ships: about 1,100
 * forward passes, 3.7 s of an 8.5 s cold start (issue 22). A vector is found by
 * the model's id and the sha256 of the normalised text, so a text edited since,
 * an exemplar of the user's own, or another model is embedded as before; the
 * database stays the source of truth (the vectors are stored there as if embedded).
 */
export interface ShippedVectors {
  /** The vector of this exemplar text for this model, if shipped. */
  get(text: string): Float32Array | undefined;
  readonly size: number;
}

interface Manifest {
  modelId: string;
  dimensions: number;
  /** textHash(normalizeQuery(text)) of each vector, in the order of the .f32 file. */
  hashes: string[];
}

export const NO_SHIPPED_VECTORS: ShippedVectors = { get: () => undefined, size: 0 };

/** The file stem of a model's vectors (model ids hold characters file names should not). */
export function shippedVectorsStem(dir: string, modelId: string): string {
  return path.join(dir, modelId.replace(/[^A-Za-z0-9._-]/g, "_"));
}

const keyOf = (text: string) => textHash(normalizeQuery(text));

/** The shipped vectors for this model in `dir`, or none (no file, another model, a file that does not add up). */
export function readShippedVectors(dir: string, modelId: string, dimensions: number): ShippedVectors {
  const stem = shippedVectorsStem(dir, modelId);
  if (!existsSync(`${stem}.json`) || !existsSync(`${stem}.f32`)) return NO_SHIPPED_VECTORS;
  const manifest = JSON.parse(readFileSync(`${stem}.json`, "utf8")) as Manifest;
  const bytes = readFileSync(`${stem}.f32`);
  if (manifest.modelId !== modelId || manifest.dimensions !== dimensions || bytes.length !== manifest.hashes.length * dimensions * 4) return NO_SHIPPED_VECTORS;
  // Copied out of the file's buffer: aligned, and each vector on its own (the index keeps them).
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const at = new Map(manifest.hashes.map((h, i) => [h, i]));
  return {
    size: at.size,
    get(text) {
      const i = at.get(keyOf(text));
      return i === undefined ? undefined : all.slice(i * dimensions, (i + 1) * dimensions);
    },
  };
}

/** Writes the vectors of these texts for this model (scripts/ship-exemplar-vectors.ts). */
export function writeShippedVectors(dir: string, modelId: string, dimensions: number, entries: ReadonlyArray<{ text: string; vector: Float32Array }>): string {
  mkdirSync(dir, { recursive: true });
  const stem = shippedVectorsStem(dir, modelId);
  const flat = new Float32Array(entries.length * dimensions);
  entries.forEach((e, i) => flat.set(e.vector, i * dimensions));
  const manifest: Manifest = { modelId, dimensions, hashes: entries.map((e) => keyOf(e.text)) };
  writeFileSync(`${stem}.json`, `${JSON.stringify(manifest)}\n`);
  writeFileSync(`${stem}.f32`, Buffer.from(flat.buffer));
  return stem;
}
