import { writeFileSync } from "node:fs";
import path from "node:path";
import { ensureDir, scenarioResultsDir } from "./paths.js";
import { scale, seed } from "./scale.js";

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Max without spreading (arrays of 100k+ samples overflow the call stack with Math.max(...)); NaN when empty. */
export function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return values.length ? m : NaN;
}

export function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return values.length ? m : NaN;
}

export function latency(values: readonly number[]): LatencySummary {
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN);
  return { n: values.length, p50: round(percentile(values, 50)), p90: round(percentile(values, 90)), p99: round(percentile(values, 99)), max: round(maxOf(values)) };
}

/** One line of the suite summary: the scenario's headline figure and whether its criteria held. */
export interface Headline {
  /** e.g. "freeze reproducer" */
  scenario: string;
  /** What the criterion is, e.g. "< 50 ms, 400 or routed" */
  criterion: string;
  /** What was measured, e.g. "max 77,012 ms, 0/20 in time" */
  measured: string;
  pass: boolean;
}

/**
 * Writes results/scenarios/<name>.json (figures + headlines) for the suite
 * summary that the global teardown assembles, and prints a table.
 */
export function recordFigures(name: string, figures: Record<string, unknown>, headlines: Headline[]): void {
  const file = path.join(ensureDir(scenarioResultsDir), `${name}.json`);
  const doc = { scenario: name, runId: process.env.RELIABILITY_RUN_ID ?? "adhoc", at: new Date().toISOString(), scale, seed, headlines, figures };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  printTable(
    `${name} (scale ${scale})`,
    headlines.map((h) => ({ scenario: h.scenario, criterion: h.criterion, measured: h.measured, result: h.pass ? "pass" : "FAIL" })),
  );
}

/** A plain-text table on stdout. */
export function printTable(title: string, rows: Array<Record<string, string | number | boolean>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.min(70, Math.max(c.length, ...rows.map((r) => String(r[c]).length))));
  const line = (cells: string[]) => cells.map((c, i) => c.slice(0, width[i]).padEnd(width[i]!)).join(" | ");
  const out = [`\n== ${title}`, line(cols), width.map((w) => "-".repeat(w)).join("-|-"), ...rows.map((r) => line(cols.map((c) => String(r[c]))))];
  console.log(out.join("\n"));
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms >= 100 ? Math.round(ms).toLocaleString("en-US") : ms.toFixed(1)} ms` : "n/a");
