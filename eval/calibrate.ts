/**
 * Chooses k, margin and the similarity floor that reach a target quality on a
 * labelled set at the lowest cost, with the service's exemplars, model, index
 * and vote, prints the figures before and after, and writes the values into
 * the config file (tierline.config.json, or TIERLINE_CONFIG, or --config).
 *   npm run calibrate -- test/data/dev.jsonl [--target-quality 0.95] [--dry-run] [--json]
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { fallbackTierOf } from "../src/config/config-schema.js";
import { loadConfig } from "../src/config/load-config.js";
import { createEncoder } from "../src/embeddings/create-encoder.js";
import { defaultCalibrationGrid, evaluateGrid, selectCalibration } from "./lib/calibration.js";
import { writeRoutingValues } from "./lib/config-file.js";
import { loadEvaluationData } from "./lib/evaluation-data.js";
import { buildIndex, routeNeighbors, searchAll } from "./lib/knn-routing.js";
import { computeMetrics } from "./lib/metrics.js";
import { createProgressBar } from "./lib/progress-bar.js";
import { formatMethodsTable } from "./lib/report-text.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "target-quality": { type: "string", default: "0.95" },
    config: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const file = positionals[0];
const targetQuality = Number(values["target-quality"]);
if (file === undefined || !(targetQuality > 0 && targetQuality <= 1)) {
  console.error("usage: npm run calibrate -- <labelled.jsonl> [--target-quality 0.95] [--config tierline.config.json] [--dry-run] [--json]");
  process.exit(2);
}
const configFile = path.resolve(values.config ?? process.env.TIERLINE_CONFIG ?? "tierline.config.json");
const config = loadConfig({ ...process.env, TIERLINE_CONFIG: configFile });
const encoder = createEncoder(config);
process.stderr.write(`loading ${encoder.modelId}…\n`);
await encoder.load();
const data = await loadEvaluationData(config, encoder, file, { progress: (label) => createProgressBar(label) });

const grid = defaultCalibrationGrid;
const setup = { tiers: config.tiers.map((t) => t.name), fallbackTier: fallbackTierOf(config) };
const labels = data.queries.map((q) => q.tier);
const index = buildIndex(data.exemplars, config.index, encoder.dimensions);
const neighbors = searchAll(
  index,
  data.queries.map((q) => q.queryVector),
  Math.max(...grid.k, config.routing.k),
);
const before = { k: config.routing.k, margin: config.routing.margin, minSimilarity: config.routing.minSimilarity };
const beforeMetrics = computeMetrics(
  routeNeighbors(neighbors, before, setup).map((routed, i) => ({ label: labels[i]!, routed })),
  config.tiers,
);
const chosen = selectCalibration(evaluateGrid(neighbors, labels, grid, setup, config.tiers), targetQuality, before);
const after = chosen && { k: chosen.k, margin: chosen.margin, minSimilarity: chosen.minSimilarity };
const write = after !== null && !values["dry-run"];
if (write) writeRoutingValues(configFile, after);

if (values.json) {
  const result = { file, targetQuality, configFile, written: write, before: { ...before, metrics: beforeMetrics }, after: chosen };
  process.stdout.write(JSON.stringify(result, null, 1) + "\n");
} else {
  const fmt = (p: typeof before) => `k=${p.k} margin=${p.margin} floor=${p.minSimilarity}`;
  const rows = [{ name: `before: ${fmt(before)}`, metrics: beforeMetrics }];
  if (chosen && after) rows.push({ name: `after:  ${fmt(after)}`, metrics: chosen.metrics });
  console.log(`${file}: ${data.queries.length} queries, ${data.exemplars.length} exemplars, ${encoder.modelId}; target quality ${targetQuality}`);
  console.log(`searched k in {${grid.k.join(", ")}}, margin 0..1 step 0.01, floor in {${grid.minSimilarity.join(", ")}}\n`);
  console.log(formatMethodsTable(rows, setup.tiers));
  if (!chosen) console.log(`\nno setting reaches quality ${targetQuality}; ${configFile} left unchanged`);
  else console.log(write ? `\nwrote routing.k, routing.margin, routing.minSimilarity to ${configFile}` : "\n--dry-run: config not written");
}
if (!chosen) process.exitCode = 1;
