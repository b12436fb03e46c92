import { computeMetrics } from "./metrics.js";
import { downgradeRates, withIntervals, type Downgrade } from "./risk-control.js";

type Tier = { name: string; pricePer1MTokens: number };

/** One method on one set of rows: quality with its 95% Clopper–Pearson interval, cost with its 95% interval, and the detail behind them. */
export interface Summary {
  n: number;
  quality: number;
  qualityInterval: [number, number];
  relativeCost: number;
  costInterval: [number, number];
  accuracy: number;
  premiumRecall: number;
  traffic: Record<string, number>;
  downgrades: Downgrade[];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function summarise(routed: readonly string[], labels: readonly string[], tiers: readonly Tier[]): Summary {
  const w = withIntervals(routed, labels, tiers);
  const m = computeMetrics(
    routed.map((r, i) => ({ label: labels[i]!, routed: r })),
    tiers,
  );
  return {
    n: w.n,
    quality: r4(w.quality),
    qualityInterval: [r4(w.qualityInterval[0]), r4(w.qualityInterval[1])],
    relativeCost: r4(w.relativeCost),
    costInterval: [r4(w.costInterval[0]), r4(w.costInterval[1])],
    accuracy: r4(m.accuracy),
    premiumRecall: r4(m.premiumRecall),
    traffic: Object.fromEntries(Object.entries(m.traffic).map(([t, s]) => [t, r4(s)])),
    downgrades: downgradeRates(
      routed,
      labels,
      tiers.map((t) => t.name),
      0.95,
    ).map((d) => ({ ...d, rate: r4(d.rate), upper: r4(d.upper) })),
  };
}

/** "0.962 [0.948, 0.973]" */
export function withInterval(value: number, [lo, hi]: readonly [number, number]): string {
  return `${value.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
}
