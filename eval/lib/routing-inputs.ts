import { normalizeQuery, textHash } from "../../src/base/text/normalize.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import type { ExemplarInput } from "../../src/stores/exemplars/exemplar-files.js";

/**
 * The exact strings the service embeds, so the evaluation sees the vectors
 * the service would. Exemplars are deduplicated by the normalised-text hash
 * at seeding and embedded normalised (exemplar-service.ts, curator-service.ts);
 * queries are normalised and cut to what the model reads (router.ts).
 */
export function exemplarEmbeddingText(text: string): string {
  return normalizeQuery(text);
}

export function queryEmbeddingText(query: string, encoder: Pick<Encoder, "maxInputChars">): string {
  return normalizeQuery(query).slice(0, encoder.maxInputChars);
}

/** Drops later duplicates the way seeding does (first line wins). */
export function dedupeExemplars<T extends Pick<ExemplarInput, "text">>(exemplars: readonly T[]): T[] {
  const seen = new Set<string>();
  return exemplars.filter((e) => {
    const h = textHash(e.text);
    if (seen.has(h)) return false;
    seen.add(h);
    return true;
  });
}
