import { formatTable } from "./report-text.js";
import { withInterval, type Summary } from "./summary.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One row per method: quality and cost with their 95% intervals, premium recall, downgrade rates, traffic. */
export function formatSummaries(rows: ReadonlyArray<[string, Summary]>, tiers: readonly string[]): string {
  return formatTable(
    ["method", "n", "quality [95% CI]", "rel. cost [95% CI]", "premium recall", ...tiers.slice(1).map((t) => `${t} sent cheaper`), "traffic " + tiers.join(" / ")],
    rows.map(([name, s]) => [
      name,
      String(s.n),
      withInterval(s.quality, s.qualityInterval),
      withInterval(s.relativeCost, s.costInterval),
      s.downgrades.at(-1)?.n ? s.premiumRecall.toFixed(3) : "-",
      ...s.downgrades.map((d) => `${d.downgraded}/${d.n}`),
      tiers.map((t) => pct(s.traffic[t] ?? 0)).join(" / "),
    ]),
  );
}

/** Cost at a realised quality on a curve of (quality, cost) points, linearly interpolated between the two points around it; null if never reached. */
export function costAtQuality(points: ReadonlyArray<{ quality: number; relativeCost: number }>, quality: number): number | null {
  const sorted = [...points].sort((a, b) => a.quality - b.quality || a.relativeCost - b.relativeCost);
  const above = sorted.find((p) => p.quality >= quality - 1e-12);
  if (!above) return null;
  const below = [...sorted].reverse().find((p) => p.quality < quality - 1e-12);
  if (!below || above.quality === below.quality) return above.relativeCost;
  const t = (quality - below.quality) / (above.quality - below.quality);
  return below.relativeCost + t * (above.relativeCost - below.relativeCost);
}
