import type { RoutingMetrics } from "../eval/lib/metrics.js";
import type { DecisionDifference } from "./encoder-routing.js";
import type { Summary } from "./stats.js";

export interface EncoderResult {
  name: string;
  modelId: string;
  load: { coldMs: number; warmMs: number };
  short: Summary;
  medium: Summary;
  batch32PerSecond: number;
  /** Reference (TF.js) figure divided by this encoder's: > 1 is faster. */
  speedup: { shortP50: number; mediumP50: number; batch32: number };
  cosine?: { n: number; min: number; mean: number };
  routing?: { metrics: RoutingMetrics; differences: DecisionDifference[] };
}

export interface EncoderReport {
  at: string;
  machine: { cpus: number; model: string; node: string; intraOpThreads: number };
  settings: { iterations: number; batches: number; shortQueries: number; mediumQueries: number; exemplars: number; k: number; margin: number; minSimilarity: number };
  encoders: EncoderResult[];
}

const f = (n: number, digits = 2) => n.toFixed(digits);
const tierChanges = (e: EncoderResult) => e.routing?.differences.filter((d) => d.tierChanged).length ?? 0;

export function formatEncoderReport(r: EncoderReport): string {
  const lines = [
    `Measured ${r.at} on ${r.machine.cpus}× ${r.machine.model}, Node ${r.machine.node}; onnxruntime intra-op threads ${r.machine.intraOpThreads} unless named; ` +
      `${r.settings.iterations} single queries per length (${r.settings.shortQueries} dev queries of <= 60 chars, ${r.settings.mediumQueries} cut to 200 chars), ` +
      `${r.settings.batches} batches of 32 dev queries; rounds interleaved across encoders. ` +
      "Cold load: TF.js parses its weight shards; ONNX converts into an empty data directory and opens the session " +
      "(onnx-fp32-1thread reuses the file onnx-fp32 wrote); warm: a second instance.",
    "",
    "| encoder | short p50 | short p99 | 200-char p50 | 200-char p99 | batch-32 texts/s | speed-up short / 200-char / batch | load cold / warm (ms) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.encoders.map(
      (e) =>
        `| ${e.name} | ${f(e.short.p50)} | ${f(e.short.p99)} | ${f(e.medium.p50)} | ${f(e.medium.p99)} | ${f(e.batch32PerSecond, 0)} | ` +
        `${f(e.speedup.shortP50, 1)}× / ${f(e.speedup.mediumP50, 1)}× / ${f(e.speedup.batch32, 1)}× | ${e.load.coldMs} / ${e.load.warmMs} |`,
    ),
    "",
    `Equivalence and routing on the dev set (the ${r.settings.exemplars} shipped exemplars, k=${r.settings.k}, margin ${r.settings.margin}, floor ${r.settings.minSimilarity}); cosine to TF.js over the exemplars, the dev queries and the equivalence-test texts (tfjs-wasm against itself shows the float32 rounding floor):`,
    "",
    "| encoder | texts | min cosine | mean cosine | quality | relative cost | accuracy | decisions differing from TF.js: tier / reason only |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...r.encoders
      .filter((e) => e.cosine && e.routing)
      .map((e) => {
        const m = e.routing!.metrics;
        return `| ${e.name} | ${e.cosine!.n} | ${f(e.cosine!.min, 8)} | ${f(e.cosine!.mean, 8)} | ${f(m.quality, 3)} | ${f(m.relativeCost, 3)} | ${f(m.accuracy, 3)} | ${tierChanges(e)} / ${e.routing!.differences.length - tierChanges(e)} of ${m.n} |`;
      }),
  ];
  for (const e of r.encoders.filter((x) => x.routing?.differences.length)) {
    lines.push("", `Decisions where ${e.name} differs from tfjs-wasm (label: TF.js -> ${e.name}):`, "");
    for (const d of e.routing!.differences) lines.push(`- ${JSON.stringify(d.query.slice(0, 90))} [${d.label}]: ${d.reference} -> ${d.candidate}`);
  }
  return lines.join("\n");
}
