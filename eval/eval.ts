/**
 * Routing-quality evaluation on a labelled JSONL file ({"query", "tier"} per
 * line), in process, with the service's config, model, index and vote.
 *   npm run eval -- test/data/dev.jsonl [--sweep] [--cv 5] [--seed 1] [--json]
 *                  [--target-quality 0.95] [--out-dir docs]
 * --sweep writes <out-dir>/quality-vs-cost.{json,svg}. Embeddings are cached
 * under the config's dataDir, so only the first run pays for the model.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/base/config/load-config.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { evaluateRouter, type AtRouterCost, type EvaluationReport } from "./lib/evaluate-router.js";
import { loadEvaluationData } from "./lib/evaluation-data.js";
import { createProgressBar } from "./lib/progress-bar.js";
import { formatConfusion, formatCrossValidation, formatMethodsTable } from "./lib/report-text.js";
import { sweepChart } from "./lib/sweep-chart.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sweep: { type: "boolean", default: false },
    cv: { type: "string" },
    seed: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    "target-quality": { type: "string", default: "0.95" },
    "cost-budget": { type: "string", default: "0.55" },
    "out-dir": { type: "string", default: "docs" },
  },
});
const file = positionals[0];
if (file === undefined) {
  console.error("usage: npm run eval -- <labelled.jsonl> [--sweep] [--cv 5] [--seed 1] [--json] [--target-quality 0.95] [--out-dir docs]");
  process.exit(2);
}
const targetQuality = Number(values["target-quality"]);
const costBudget = Number(values["cost-budget"]);
const cvFolds = values.cv === undefined ? undefined : Number(values.cv);
const seed = Number(values.seed);
for (const [name, v] of [
  ["--target-quality", targetQuality],
  ["--cost-budget", costBudget],
  ["--cv", cvFolds ?? 2],
  ["--seed", seed],
] as const) {
  if (!Number.isFinite(v)) {
    console.error(`${name}: expected a number`);
    process.exit(2);
  }
}

const config = loadConfig();
const encoder = createEncoder(config);
const progress = (label: string) => createProgressBar(label);
process.stderr.write(`loading ${encoder.modelId}…\n`);
await encoder.load();
const data = await loadEvaluationData(config, encoder, file, { progress });
const report = await evaluateRouter(config, encoder, data, { targetQuality, sweep: values.sweep, cvFolds, seed, progress });

let written: string[] = [];
if (report.sweep) {
  const outDir = path.resolve(values["out-dir"]);
  mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, "quality-vs-cost.json");
  const svgFile = path.join(outDir, "quality-vs-cost.svg");
  const cv = report.cv && { folds: report.cv.folds, seed: report.cv.seed, ...report.cv.sweep, length: report.cv.lengthCurve };
  const curves = { file, n: report.n, modelId: report.modelId, params: report.params, sweep: report.sweep, cv };
  writeFileSync(jsonFile, JSON.stringify(curves, null, 1) + "\n");
  writeFileSync(svgFile, sweepChart(report, { targetQuality, costBudget }));
  written = [path.relative(process.cwd(), jsonFile), path.relative(process.cwd(), svgFile)];
}

if (values.json) {
  process.stdout.write(JSON.stringify({ file, ...report, written }, null, 1) + "\n");
} else {
  printReport(report, written);
}

function printReport(r: EvaluationReport, files: string[]): void {
  const tierNames = config.tiers.map((t) => t.name);
  const prices = config.tiers.map((t) => `${t.name} ${t.pricePer1MTokens}`).join(", ");
  const out: string[] = [];
  out.push(`${file}: ${r.n} queries; ${r.exemplars} exemplars; ${r.modelId}; k=${r.params.k} margin=${r.params.margin} floor=${r.params.minSimilarity}`);
  out.push(`prices per 1M tokens: ${prices}; cost is relative to sending every query to the most expensive tier\n`);
  out.push(formatMethodsTable([{ name: "router", metrics: r.router }, ...r.baselines], tierNames));
  for (const b of r.baselines.filter((b) => b.detail !== "")) out.push(`  ${b.name}: ${b.detail}`);
  out.push(
    `\nrouter decisions by reason: ${Object.entries(r.reasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  out.push(`\nconfusion matrix (router):\n${formatConfusion(r.router, tierNames)}`);
  const q = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  const atCost = (a: AtRouterCost) => `at the router's cost (${a.cost.toFixed(3)}): quality router ${q(a.router)}, random ${q(a.random)}, best length fit ${q(a.length)}`;
  out.push(`\n${atCost(r.atRouterCost)}`);
  out.push(`target: quality >= ${targetQuality} at cost <= ${costBudget}: ` + (r.router.quality >= targetQuality && r.router.relativeCost <= costBudget ? "met" : "NOT met"));
  if (r.cv) {
    out.push(`\n${r.cv.folds}-fold stratified cross-validation (seed ${r.cv.seed}): the training folds replace the shipped exemplars`);
    out.push(formatCrossValidation(r.cv, tierNames));
    if (r.cvAtRouterCost) out.push(`\n${atCost(r.cvAtRouterCost)}`);
  }
  if (files.length > 0) out.push(`\nwrote ${files.join(", ")}`);
  console.log(out.join("\n"));
}
