/**
 * Routing quality on labelled real prompts nobody here wrote (issue 12):
 * the shipped configuration through the service's own router on the report
 * split (and, labelled in-sample/in-house, on test/data/dev.jsonl); both
 * strategies calibrated on the calibration split and measured on the report
 * split against always-premium, random and length baselines; leave-one-source-
 * out transfer at the target and as the target moves; the chart.
 *   npm run eval:real -- [--out-dir docs] [--json] [calibration options as for npm run calibrate]
 * Reads the live exemplar set from the service's database (stop a PGlite service first).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/base/config/load-config.js";
import { describeCurrent } from "./lib/calibrate-command.js";
import { fitArgs, fitOptionsFrom } from "./lib/calibration-options.js";
import { describeTarget } from "./lib/calibration-report.js";
import { readLabelledJsonl } from "./lib/labelled-data.js";
import { openLiveService } from "./lib/live-service.js";
import { createProgressBar } from "./lib/progress-bar.js";
import { reportCurves, renderReportChart } from "./lib/real-chart.js";
import { loadRealInputs } from "./lib/real-inputs.js";
import { baselinesAtQuality, losoAt, losoCurves, reportSplit, runThroughRouter, strategies } from "./lib/real-report.js";
import { costAtQuality, formatSummaries } from "./lib/real-report-text.js";
import type { Summary } from "./lib/summary.js";

const { values } = parseArgs({
  options: { ...fitArgs, "out-dir": { type: "string", default: "docs" }, dev: { type: "string", default: "test/data/dev.jsonl" }, json: { type: "boolean", default: false } },
});
const config = loadConfig();
const live = await openLiveService(config);
const out: string[] = [];
try {
  const fit = fitOptionsFrom(values, config, live.deps.encoder.modelId);
  const names = fit.setup.tiers;
  const inputs = await loadRealInputs(live, config, values.data, (label) => createProgressBar(label));
  const report = inputs.rows.filter((r) => r.split === "report");
  const shipped = await runThroughRouter(live.deps.router, report, config);
  const shippedBaselines = Object.fromEntries(
    Object.entries(shipped.bySource).map(([src, v]) => [
      src,
      baselinesAtQuality(
        report.filter((r) => r.source === src),
        fit.tiers,
        v.quality,
      ),
    ]),
  );
  const dev = await runThroughRouter(live.deps.router, readLabelledJsonl(values.dev, names), config);
  const split = reportSplit(inputs, fit, config.routing.strategy);
  const loso = losoAt(inputs, fit);
  const curves = losoCurves(inputs, fit);
  const sameQuality = Object.fromEntries(
    [0.95, 0.97, 0.98, 0.99].map((q) => [
      q,
      Object.fromEntries(
        strategies.map((s) => [
          s,
          costAtQuality(
            curves.map((c) => c[s]),
            q,
          ),
        ]),
      ),
    ]),
  ) as Record<string, Record<string, number | null>>;
  const chartCurves = reportCurves(report, split.fits, split.candidates, fit);

  const bySource: Record<string, Record<string, number>> = {};
  for (const r of inputs.rows) {
    const s = (bySource[r.source] ??= { calibration: 0, report: 0 });
    s[r.split]! += 1;
    s[r.tier] = (s[r.tier] ?? 0) + 1;
  }
  const result = {
    command: ["npm run eval:real", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    data: { dir: values.data, rows: inputs.rows.length, bySource },
    exemplars: { count: live.exemplars.length, revision: live.index.revision },
    embeddingModel: live.deps.encoder.modelId,
    target: fit.target,
    shipped: { setting: describeCurrent(config), report: shipped, atSameQualityBySource: shippedBaselines, devInSampleInHouse: dev },
    reportSplit: {
      calibratedNow: split.methods,
      settings: Object.fromEntries(strategies.map((s) => [s, split.fits[s].selection.chosen?.params ?? null])),
      baselines: split.baselines,
    },
    leaveOneSourceOut: { basis: "calibrated on the other sources' calibration rows, measured on every row of the left-out source", ...loso },
    losoTargetSweep: curves,
    losoCostAtQuality: sameQuality,
    curves: chartCurves,
  };
  const outDir = path.resolve(values["out-dir"]);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "real-quality.json"), JSON.stringify(result, null, 1) + "\n");
  const shippedPoint = { ...shipped.summary, label: `shipped: ${config.routing.strategy}` };
  writeFileSync(path.join(outDir, "real-quality-vs-cost.svg"), renderReportChart(chartCurves, shippedPoint, report.length, fit.target.targetQuality));

  if (values.json) process.stdout.write(JSON.stringify(result, null, 1) + "\n");
  out.push(`${inputs.rows.length} labelled real prompts (${report.length} report rows); ${live.exemplars.length} live exemplars; ${live.deps.encoder.modelId}`);
  out.push(`target: ${describeTarget(fit.target)}\n`);
  out.push(`shipped (${describeCurrent(config)}), through the service's router; reasons on the report split: ${JSON.stringify(shipped.reasons)}`);
  out.push(
    formatSummaries(
      [["report split", shipped.summary], ...Object.entries(shipped.bySource).map(([s, v]): [string, Summary] => [`  ${s}`, v]), ["dev.jsonl (in-house, in-sample)", dev.summary]],
      names,
    ),
  );
  for (const [src, b] of Object.entries(shippedBaselines)) {
    const f = (x: number | null) => (x === null ? "not reached" : x.toFixed(3));
    out.push(
      `  ${src}: at the shipped router's quality ${shipped.bySource[src]!.quality.toFixed(3)}, the cheapest random mix costs ${f(b.random)}, the cheapest word-count cuts ${f(b.length)} (tuned in hindsight); the router ${shipped.bySource[src]!.relativeCost.toFixed(3)}`,
    );
  }
  out.push(`\nreport split, calibrated now on the calibration split:`);
  const calibratedNow = strategies.map((s): [string, Summary] => [`${s} ${JSON.stringify(split.fits[s].selection.chosen?.params ?? null)}`, split.methods[s]]);
  out.push(formatSummaries([...calibratedNow, ...Object.entries(split.baselines)], names));
  for (const s of strategies) {
    out.push(`\nleave-one-source-out, ${s} (calibrated on the other sources' calibration rows; every row of the left-out source):`);
    out.push(formatSummaries([["pooled", loso[s].pooled], ...Object.entries(loso[s].perSource).map(([src, v]) => [`${src} ${v.setting}`, v] as [string, typeof v])], names));
    for (const [src, v] of Object.entries(loso[s].perSource)) {
      const f = (x: number | null) => (x === null ? "not reached" : x.toFixed(3));
      out.push(
        `  ${src}: at its quality ${v.quality.toFixed(3)}, the cheapest random mix costs ${f(v.atSameQuality.random)} and the cheapest word-count cuts ${f(v.atSameQuality.length)} (both tuned in hindsight on ${src}); the router ${v.relativeCost.toFixed(3)}`,
      );
    }
  }
  out.push(`\nleave-one-source-out as the target moves (pooled quality / cost):`);
  for (const c of curves) out.push(`  target ${c.targetQuality}: ${strategies.map((s) => `${s} ${c[s].quality.toFixed(3)} / ${c[s].relativeCost.toFixed(3)}`).join("   ")}`);
  for (const [q, byStrategy] of Object.entries(sameQuality)) {
    out.push(`  cost at pooled quality ${q} (interpolated along the curve): ${strategies.map((s) => `${s} ${byStrategy[s]?.toFixed(3) ?? "not reached"}`).join(", ")}`);
  }
  out.push(`\nwrote ${path.relative(process.cwd(), path.join(outDir, "real-quality.json"))}, ${path.relative(process.cwd(), path.join(outDir, "real-quality-vs-cost.svg"))}`);
} finally {
  await live.close();
}
if (!values.json) console.log(out.join("\n"));
