import { createHash } from "node:crypto";

/**
 * Steps of the quantisation grid. Components of a unit vector lie in [-1, 1];
 * 127 steps each way is what int8 holds, far coarser than the float noise
 * between embedding a text alone and inside a batch (~1e-7), so both give the
 * same bytes, yet fine enough that different queries never share a key.
 */
const QUANT_SCALE = 127;

export function quantizeEmbedding(vector: Float32Array): Int8Array {
  const out = new Int8Array(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const q = Math.round(vector[i]! * QUANT_SCALE);
    out[i] = q > 127 ? 127 : q < -127 ? -127 : q;
  }
  return out;
}

/**
 * The decision-cache key: sha256 over the model id and the quantised
 * embedding, hex encoded. The model id is inside the hash so two models can
 * never share a key; the exemplar revision is stored in the row and checked.
 */
export function embeddingCacheKey(modelId: string, vector: Float32Array): string {
  const q = quantizeEmbedding(vector);
  return createHash("sha256")
    .update(modelId)
    .update("\0")
    .update(new Uint8Array(q.buffer, q.byteOffset, q.byteLength))
    .digest("hex");
}
