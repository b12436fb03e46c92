import type { CrossValidationResult } from "./cross-validation.js";
import type { RoutingMetrics } from "./metrics.js";

/** Plain-text tables for the eval and calibrate scripts. */

export interface ReportRow {
  name: string;
  metrics: RoutingMetrics;
  detail?: string;
}

const n3 = (x: number) => x.toFixed(3);

export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** One row per method: the headline figures and the traffic share per tier. */
export function formatMethodsTable(rows: readonly ReportRow[], tierNames: readonly string[]): string {
  const header = ["method", "accuracy", "macro-F1", "quality", "premium recall", "rel. cost", ...tierNames.map((t) => `% ${t}`)];
  return formatTable(
    header,
    rows.map((r) => [
      r.name,
      n3(r.metrics.accuracy),
      n3(r.metrics.macroF1),
      n3(r.metrics.quality),
      n3(r.metrics.premiumRecall),
      n3(r.metrics.relativeCost),
      ...tierNames.map((t) => ((r.metrics.traffic[t] ?? 0) * 100).toFixed(1)),
    ]),
  );
}

/** Rows are labels, columns the routed tier. */
export function formatConfusion(metrics: RoutingMetrics, tierNames: readonly string[]): string {
  return formatTable(
    ["label \\ routed", ...tierNames],
    tierNames.map((label) => [label, ...tierNames.map((routed) => String(metrics.confusion[label]?.[routed] ?? 0))]),
  );
}

/** Pooled figures per method, plus the spread of quality and cost over folds. */
export function formatCrossValidation(cv: CrossValidationResult, tierNames: readonly string[]): string {
  const spread = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
    return `${n3(mean)} ± ${n3(sd)}`;
  };
  const pooled = formatMethodsTable(
    cv.methods.map((m) => ({ name: m.name, metrics: m.pooled })),
    tierNames,
  );
  const folds = formatTable(
    ["method", "quality per fold (mean ± sd)", "rel. cost per fold", "accuracy per fold"],
    cv.methods.map((m) => [m.name, spread(m.perFold.map((f) => f.quality)), spread(m.perFold.map((f) => f.relativeCost)), spread(m.perFold.map((f) => f.accuracy))]),
  );
  return `${pooled}\n\n${folds}`;
}
