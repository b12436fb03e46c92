import path from "node:path";
import type { Config } from "../../src/base/config/config-schema.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import { readExemplarDir } from "../../src/stores/exemplars/exemplar-files.js";
import { EmbeddingStore, embeddingStoreFile } from "./embedding-store.js";
import type { LabelledVector } from "./knn-routing.js";
import { readLabelledJsonl } from "./labelled-data.js";
import type { ProgressBar } from "./progress-bar.js";
import { dedupeExemplars, exemplarEmbeddingText, queryEmbeddingText } from "./routing-inputs.js";

/** A labelled query with its vector as a query and, for cross-validation folds that use it as an exemplar, as an exemplar. */
export interface LabelledQueryVectors {
  query: string;
  tier: string;
  /** What the router embeds (normalised, truncated). */
  queryText: string;
  queryVector: Float32Array;
  asExemplar: LabelledVector;
}

export interface EvaluationData {
  exemplars: LabelledVector[];
  queries: LabelledQueryVectors[];
  store: EmbeddingStore;
}

export interface LoadOptions {
  /** Embedding cache file; defaults to one under config.dataDir; null: memory only. */
  storeFile?: string | null;
  progress?: (label: string) => ProgressBar;
}

/**
 * Reads the configured exemplar directory and a labelled file, and embeds
 * both with the configured model in the forms the service embeds them. Each
 * distinct text is embedded once, ever, per model (the store).
 */
export async function loadEvaluationData(config: Config, encoder: Encoder, labelledFile: string, options: LoadOptions = {}): Promise<EvaluationData> {
  const tierNames = config.tiers.map((t) => t.name);
  const shipped = dedupeExemplars(readExemplarDir(path.resolve(config.exemplarsDir), tierNames));
  const labelled = readLabelledJsonl(labelledFile, tierNames);
  const storeFile = options.storeFile === undefined ? embeddingStoreFile(config.dataDir, encoder.modelId) : options.storeFile;
  const store = EmbeddingStore.open(storeFile, encoder.modelId);

  const exemplarTexts = shipped.map((e) => exemplarEmbeddingText(e.text));
  const queryTexts = labelled.map((q) => queryEmbeddingText(q.query, encoder));
  const queryAsExemplarTexts = labelled.map((q) => exemplarEmbeddingText(q.query));
  const bar = options.progress?.("embedding");
  const vectors = await store.embedAll(encoder, [...exemplarTexts, ...queryTexts, ...queryAsExemplarTexts], (done, total) => bar?.update(done, total));
  bar?.finish();

  const e = exemplarTexts.length;
  const q = queryTexts.length;
  return {
    store,
    exemplars: shipped.map((x, i) => ({ tier: x.tier, text: exemplarTexts[i]!, vector: vectors[i]! })),
    queries: labelled.map((x, i) => ({
      query: x.query,
      tier: x.tier,
      queryText: queryTexts[i]!,
      queryVector: vectors[e + i]!,
      asExemplar: { tier: x.tier, text: queryAsExemplarTexts[i]!, vector: vectors[e + q + i]! },
    })),
  };
}
