/**
 * Grid search over k, margin and the similarity floor on a labelled set, with
 * the shipped exemplars and the configured model. Prints the cheapest settings
 * that reach a target quality. Usage:
 *   npx tsx scripts/tune-routing.ts test/data/dev.jsonl [--target 0.95]
 */
import path from "node:path";
import { fallbackTierOf, loadConfig } from "../src/config.js";
import { createEncoder } from "../src/embeddings/create-encoder.js";
import { computeMetrics } from "../src/evaluation/metrics.js";
import { readLabelledJsonl } from "../src/evaluation/labelled-data.js";
import { readExemplarDir } from "../src/exemplars/exemplar-files.js";
import { ExemplarIndex } from "../src/routing/exemplar-index.js";
import { voteOnNeighbors } from "../src/routing/vote.js";
import { normalizeQuery } from "../src/cache/cache-key.js";
import { HnswIndex } from "../src/vector-index/hnsw-index.js";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--")) ?? "test/data/dev.jsonl";
const target = Number(args[args.indexOf("--target") + 1] ?? 0.95) || 0.95;
const config = loadConfig();
const tierNames = config.tiers.map((t) => t.name);
const encoder = createEncoder(config.embedding);
const shipped = readExemplarDir(path.resolve(config.exemplarsDir), tierNames);
const labelled = readLabelledJsonl(file, tierNames);

const t0 = performance.now();
const exemplarVectors = await encoder.embed(shipped.map((e) => normalizeQuery(e.text)));
const queryVectors = await encoder.embed(labelled.map((q) => normalizeQuery(q.query).slice(0, encoder.maxInputChars)));
console.log(`embedded ${shipped.length} exemplars + ${labelled.length} queries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const index = new ExemplarIndex(new HnswIndex(encoder.dimensions, config.index), 1);
shipped.forEach((e, i) => index.put({ id: i + 1, tier: e.tier, text: e.text }, exemplarVectors[i]!));
const neighbours = queryVectors.map((v) => index.search(v, 31));

type Row = { k: number; margin: number; floor: number; quality: number; cost: number; accuracy: number; macroF1: number; premiumRecall: number };
const rows: Row[] = [];
for (const k of [1, 3, 5, 7, 9, 11, 15, 21, 31]) {
  for (let m = 0; m <= 0.8001; m += 0.05) {
    for (const floor of [0, 0.2, 0.3, 0.4, 0.5]) {
      const outcomes = labelled.map((q, i) => ({
        label: q.tier,
        routed: voteOnNeighbors(neighbours[i]!.slice(0, k), { tiers: tierNames, fallbackTier: fallbackTierOf(config), margin: m, minSimilarity: floor }).tier,
      }));
      const r = computeMetrics(outcomes, config.tiers);
      rows.push({ k, margin: Math.round(m * 100) / 100, floor, quality: r.quality, cost: r.relativeCost, accuracy: r.accuracy, macroF1: r.macroF1, premiumRecall: r.premiumRecall });
    }
  }
}
const fmt = (r: Row) =>
  `k=${String(r.k).padStart(2)} margin=${r.margin.toFixed(2)} floor=${r.floor.toFixed(1)}  quality=${r.quality.toFixed(3)} cost=${r.cost.toFixed(3)} acc=${r.accuracy.toFixed(3)} macroF1=${r.macroF1.toFixed(3)} premRecall=${r.premiumRecall.toFixed(3)}`;
console.log(`\nbest accuracy (no target):`);
for (const r of [...rows].sort((a, b) => b.accuracy - a.accuracy).slice(0, 5)) console.log("  " + fmt(r));
console.log(`\ncheapest reaching quality >= ${target}:`);
for (const r of rows.filter((r) => r.quality >= target).sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy).slice(0, 12)) console.log("  " + fmt(r));
console.log(`\nper k, margin 0 floor 0:`);
for (const r of rows.filter((r) => r.margin === 0 && r.floor === 0)) console.log("  " + fmt(r));
const current = rows.find((r) => r.k === config.routing.k && Math.abs(r.margin - config.routing.margin) < 1e-9 && r.floor === config.routing.minSimilarity);
if (current) console.log(`\ncurrent config: ${fmt(current)}`);
