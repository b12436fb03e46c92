/**
 * Routing decisions of the dev set under one encoder, as the service makes
 * them (shipped exemplars in an HNSW index, the configured k / margin / floor),
 * and the differences between two encoders' decisions.
 */
import path from "node:path";
import { normalizeQuery } from "../src/base/text/normalize.js";
import { fallbackTierOf, type Config } from "../src/base/config/config-schema.js";
import type { Encoder } from "../src/adapters/embeddings/encoder.js";
import { computeMetrics, type RoutingMetrics } from "../eval/lib/metrics.js";
import { readLabelledJsonl, type LabelledQuery } from "../eval/lib/labelled-data.js";
import { readExemplarDir, type ExemplarInput } from "../src/stores/exemplars/exemplar-files.js";
import { ExemplarIndex } from "../src/adapters/vector-index/exemplar-index.js";
import { voteOnNeighbors } from "../src/routing/vote.js";
import { HnswIndex } from "../src/adapters/vector-index/hnsw-index.js";

export interface Decision {
  query: string;
  label: string;
  tier: string;
  reason: string;
}

export interface RoutingRun {
  decisions: Decision[];
  metrics: RoutingMetrics;
  /** Every exemplar and dev-query vector, for equivalence statistics. */
  vectors: Float32Array[];
}

export interface RoutingInputs {
  exemplars: ExemplarInput[];
  labelled: LabelledQuery[];
}

/** Read once per bench run, so every encoder routes the same exemplars and queries. */
export function readRoutingInputs(config: Config, devFile: string): RoutingInputs {
  const tiers = config.tiers.map((t) => t.name);
  return { exemplars: readExemplarDir(path.resolve(config.exemplarsDir), tiers), labelled: readLabelledJsonl(devFile, tiers) };
}

export async function routeDevSet(encoder: Encoder, config: Config, { exemplars, labelled }: RoutingInputs): Promise<RoutingRun> {
  const tiers = config.tiers.map((t) => t.name);
  const exemplarVectors = await encoder.embed(exemplars.map((e) => normalizeQuery(e.text)));
  const queryVectors = await encoder.embed(labelled.map((q) => normalizeQuery(q.query).slice(0, encoder.maxInputChars)));

  const index = new ExemplarIndex(new HnswIndex(encoder.dimensions, config.index), 1);
  exemplars.forEach((e, i) => index.put({ id: i + 1, tier: e.tier, text: e.text }, exemplarVectors[i]!));
  const voteOptions = { tiers, fallbackTier: fallbackTierOf(config), margin: config.routing.margin, minSimilarity: config.routing.minSimilarity };
  const decisions = labelled.map((q, i) => {
    const outcome = voteOnNeighbors(index.search(queryVectors[i]!, config.routing.k), voteOptions);
    return { query: q.query, label: q.tier, tier: outcome.tier, reason: outcome.reason };
  });
  const metrics = computeMetrics(
    decisions.map((d) => ({ label: d.label, routed: d.tier })),
    config.tiers,
  );
  return { decisions, metrics, vectors: [...exemplarVectors, ...queryVectors] };
}

export interface DecisionDifference {
  query: string;
  label: string;
  reference: string;
  candidate: string;
  /** false when only the reason changed (e.g. premium by vote vs premium by low-margin fallback). */
  tierChanged: boolean;
}

/** Queries whose routed tier (or fallback reason) differs between two runs over the same dev set. */
export function decisionDifferences(reference: RoutingRun, candidate: RoutingRun): DecisionDifference[] {
  return reference.decisions.flatMap((r, i) => {
    const c = candidate.decisions[i]!;
    if (r.tier === c.tier && r.reason === c.reason) return [];
    return [{ query: r.query, label: r.label, reference: `${r.tier} (${r.reason})`, candidate: `${c.tier} (${c.reason})`, tierChanged: r.tier !== c.tier }];
  });
}
