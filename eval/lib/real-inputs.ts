import { statSync } from "node:fs";
import type { Config } from "../../src/base/config/config-schema.js";
import { EmbeddingStore, embeddingStoreFile } from "./embedding-store.js";
import { readLabelledJsonl } from "./labelled-data.js";
import type { LiveService } from "./live-service.js";
import type { SourceRow } from "./loso.js";
import { exemplarNeighborhoods, queryNeighborhoods, type Neighborhood } from "./neighborhoods.js";
import type { ProgressBar } from "./progress-bar.js";
import { readRealRows } from "./real-data.js";

/** Labelled rows read from the live service itself (calibrate --from-feedback: the decision log and its feedback). */
export type LabelledSource = (live: LiveService) => Promise<Array<{ id: string; query: string; tier: string; source: string; split: "calibration" | "report" }>>;

/** Neighbors searched per row: enough for every k the calibration grid and the second stage use. */
export const searchDepth = 64;

export interface RealInputs {
  rows: Array<SourceRow & { id: string; query: string }>;
  /** The live exemplars as labelled rows, each without its own vote (for an exemplar-weighted second stage). */
  exemplarRows: Neighborhood[];
}

/**
 * Labelled rows with their neighborhoods in the live exemplar set. `data` is
 * a directory in the test/data/real format (sources, calibration and report
 * splits) or one JSONL file of {"query", "tier"} rows, your own labelled
 * traffic, all of it calibration rows from one source ("own").
 */
export async function loadRealInputs(live: LiveService, config: Config, data: string | LabelledSource, progress?: (label: string) => ProgressBar): Promise<RealInputs> {
  const tiers = config.tiers.map((t) => t.name);
  const labelled =
    typeof data !== "string"
      ? await data(live)
      : statSync(data).isDirectory()
        ? readRealRows(data, tiers)
        : readLabelledJsonl(data, tiers).map((r, i) => ({ ...r, id: `own-${i + 1}`, source: "own", split: "calibration" as const }));
  const { encoder } = live.deps;
  const store = EmbeddingStore.open(embeddingStoreFile(config.dataDir, encoder.modelId), encoder.modelId);
  const bar = progress?.("embedding");
  const hoods = await queryNeighborhoods(labelled, encoder, store, live.index, searchDepth, (done, total) => bar?.update(done, total));
  bar?.finish();
  return {
    rows: labelled.map((r, i) => ({ ...hoods[i]!, id: r.id, query: r.query, source: r.source, split: r.split })),
    exemplarRows: exemplarNeighborhoods(live.exemplars, encoder, live.index, searchDepth),
  };
}
