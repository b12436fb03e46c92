/**
 * The figures a bench run is judged by (issue 22), and their comparison with
 * a committed baseline (bench/baseline.json). A comparison prints; it never
 * fails: timing on a shared machine is a reading, not a verdict, so a
 * regression of more than 25 % is flagged in the summary for a person to look at.
 */

export interface Headline {
  /** Cache miss at c=1, server-side p50 (timings.totalMs) over the model floor's p50. Lower is better; goal ≤ 1.2. */
  missOverFloor: number;
  /** Repeats at c=32 over GET /healthz at c=32 on the same server, decision log on. Higher is better; goal ≥ 0.6. */
  repeatOverHealthz: number;
  /** Peak RSS during cache-miss load at c=64, MB. Lower is better; goal ≤ 400. */
  missPeakRssMb: number;
  /** Ready after start with the data dir of an earlier run, s. Lower is better; goal ≤ 2. */
  warmReadyS: number;
  /** Ready after start on an empty data dir (every exemplar embedded), s. Lower is better; goal ≤ 8. */
  coldReadyS: number;
}

type Direction = "lower" | "higher";

const MEASURES: ReadonlyArray<{ key: keyof Headline; label: string; better: Direction; goal: number; digits: number }> = [
  { key: "missOverFloor", label: "cache miss at c=1, server-side p50 / model floor p50", better: "lower", goal: 1.2, digits: 2 },
  { key: "repeatOverHealthz", label: "repeats at c=32 / GET /healthz at c=32", better: "higher", goal: 0.6, digits: 2 },
  { key: "missPeakRssMb", label: "peak RSS, cache misses at c=64 (MB)", better: "lower", goal: 400, digits: 0 },
  { key: "warmReadyS", label: "ready after start, warm (s)", better: "lower", goal: 2, digits: 1 },
  { key: "coldReadyS", label: "ready after start, cold (s)", better: "lower", goal: 8, digits: 1 },
];

/** A change worse than this, relative to the baseline, is flagged. */
export const REGRESSION = 0.25;

export interface Row {
  label: string;
  baseline: number | undefined;
  now: number;
  goal: string;
  change: string;
  regressed: boolean;
  meetsGoal: boolean;
}

export function compare(now: Headline, baseline: Partial<Headline> | undefined): Row[] {
  return MEASURES.map(({ key, label, better, goal, digits }) => {
    const b = baseline?.[key];
    const n = now[key];
    // Relative to the baseline, as the change column shows it: "25 % worse" is 1.25× a lower-is-better figure, 0.75× a higher-is-better one.
    const worse = b === undefined || b === 0 ? 0 : better === "lower" ? n / b - 1 : 1 - n / b;
    return {
      label,
      baseline: b === undefined ? undefined : Number(b.toFixed(digits)),
      now: Number(n.toFixed(digits)),
      goal: `${better === "lower" ? "≤" : "≥"} ${goal}`,
      change: b === undefined ? "n/a" : `${n >= b ? "+" : ""}${(((n - b) / b) * 100).toFixed(0)} %`,
      regressed: worse > REGRESSION,
      meetsGoal: better === "lower" ? n <= goal : n >= goal,
    };
  });
}

export function comparisonTable(rows: readonly Row[], baselineNote: string): string {
  const flagged = rows.filter((r) => r.regressed);
  return [
    `Against the committed baseline (${baselineNote}); a change more than ${REGRESSION * 100} % worse is flagged, never failed:`,
    "",
    "| measure | baseline | now | change | goal | |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.baseline ?? "n/a"} | ${r.now} | ${r.change} | ${r.goal} ${r.meetsGoal ? "met" : "missed"} | ${r.regressed ? `**REGRESSION > ${REGRESSION * 100} %**` : "ok"} |`,
    ),
    "",
    flagged.length === 0
      ? "bench summary: no regression beyond 25 % against the baseline"
      : `bench summary: ${flagged.length} REGRESSION(S) beyond 25 % against the baseline: ${flagged.map((r) => `${r.label} ${r.baseline} -> ${r.now}`).join("; ")}`,
  ].join("\n");
}
