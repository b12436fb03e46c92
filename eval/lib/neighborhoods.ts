import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import type { ExemplarIndex, Neighbor } from "../../src/adapters/vector-index/exemplar-index.js";
import type { EmbeddingStore } from "./embedding-store.js";
import { queryEmbeddingText } from "./routing-inputs.js";

/** A labelled text as the router sees it: the text it embeds and the exemplars nearest to it. */
export interface Neighborhood {
  tier: string;
  /** Normalised and cut to what the model reads: what the text features are computed on. */
  text: string;
  /** Most similar first, `maxK` of them (fewer only when the index is smaller). */
  neighbors: Neighbor[];
}

/**
 * Embeds each query as the router does (through the store, so each text is
 * embedded once per model) and searches the live index once for `maxK`
 * neighbors; every k up to maxK is then a prefix.
 */
export async function queryNeighborhoods(
  rows: ReadonlyArray<{ query: string; tier: string }>,
  encoder: Encoder,
  store: EmbeddingStore,
  index: ExemplarIndex,
  maxK: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Neighborhood[]> {
  const texts = rows.map((r) => queryEmbeddingText(r.query, encoder));
  const vectors = await store.embedAll(encoder, texts, onProgress);
  return rows.map((r, i) => ({ tier: r.tier, text: texts[i]!, neighbors: index.search(vectors[i]!, maxK) }));
}

/**
 * The exemplars themselves as labelled rows, each with its neighbors among
 * the *other* exemplars (its own hit removed), so training on them does not
 * see a perfect self-vote the service never sees.
 */
export function exemplarNeighborhoods(
  exemplars: ReadonlyArray<{ id: number; text: string; tier: string; vector: Float32Array }>,
  encoder: Pick<Encoder, "maxInputChars">,
  index: ExemplarIndex,
  maxK: number,
): Neighborhood[] {
  return exemplars.map((e) => ({
    tier: e.tier,
    text: queryEmbeddingText(e.text, encoder),
    neighbors: index
      .search(e.vector, maxK + 1)
      .filter((n) => n.id !== e.id)
      .slice(0, maxK),
  }));
}
