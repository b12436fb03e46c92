/**
 * Writes the vectors of the shipped exemplars for the configured model
 * (exemplars/vectors/<model>.json + .f32), so a first start embeds nothing it
 * ships (src/stores/exemplars/shipped-vectors.ts). Run after editing exemplars/:
 *   npm run exemplars:vectors
 * test/integration/shipped-vectors.test.ts fails while the files are stale.
 */
import path from "node:path";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { loadConfig } from "../src/base/config/load-config.js";
import { normalizeQuery } from "../src/base/text/normalize.js";
import { readExemplarDir } from "../src/stores/exemplars/exemplar-files.js";
import { writeShippedVectors } from "../src/stores/exemplars/shipped-vectors.js";

const config = loadConfig();
const dir = path.resolve(config.exemplarsDir);
const exemplars = readExemplarDir(
  dir,
  config.tiers.map((t) => t.name),
);
const encoder = createEncoder(config);
await encoder.load();
const texts = [...new Set(exemplars.map((e) => e.text))];
const entries: Array<{ text: string; vector: Float32Array }> = [];
// Batches of 64, as the index build at start embeds them.
for (let i = 0; i < texts.length; i += 64) {
  const batch = texts.slice(i, i + 64);
  const vectors = await encoder.embed(batch.map((t) => normalizeQuery(t)));
  batch.forEach((text, j) => entries.push({ text, vector: vectors[j]! }));
}
const stem = writeShippedVectors(path.join(dir, "vectors"), encoder.modelId, encoder.dimensions, entries);
console.log(`wrote ${entries.length} vectors of ${encoder.modelId} to ${path.relative(process.cwd(), stem)}.{json,f32}`);
await encoder.close?.();
