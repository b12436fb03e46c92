import { computeMetrics, type RoutingMetrics } from "./metrics.js";

/**
 * The naive router every learned one must beat: longer query, bigger model.
 * Words below cuts[0] go to the cheapest tier, below cuts[1] to the next,
 * and so on; the last tier takes the rest. Cuts are fitted on training data.
 */
export interface LengthThresholds {
  /** Ascending word counts, one fewer than there are tiers. */
  cuts: number[];
}

export interface FittedLength {
  thresholds: LengthThresholds;
  /** Metrics on the data the thresholds were fitted on. */
  train: RoutingMetrics;
}

type Tier = { name: string; pricePer1MTokens: number };

export function wordCount(text: string): number {
  return text.split(/\s+/u).filter((w) => w !== "").length;
}

export function routeByLength(text: string, thresholds: LengthThresholds, tiers: readonly string[]): string {
  const words = wordCount(text);
  const below = thresholds.cuts.findIndex((cut) => words < cut);
  return tiers[below === -1 ? tiers.length - 1 : below]!;
}

/**
 * Every sensible set of cuts (each cut just above a word count seen in the
 * training data, or 0), with its training metrics. Exhaustive: fine for a few
 * tiers and a few hundred distinct lengths.
 */
export function lengthCandidates(train: ReadonlyArray<{ text: string; tier: string }>, tiers: readonly Tier[]): FittedLength[] {
  const names = tiers.map((t) => t.name);
  const words = train.map((e) => wordCount(e.text));
  const cutPoints = [0, ...[...new Set(words)].sort((a, b) => a - b).map((w) => w + 1)];
  const out: FittedLength[] = [];
  const choose = (from: number, cuts: number[]) => {
    if (cuts.length === names.length - 1) {
      const thresholds = { cuts: [...cuts] };
      const outcomes = train.map((e) => ({ label: e.tier, routed: routeByLength(e.text, thresholds, names) }));
      out.push({ thresholds, train: computeMetrics(outcomes, tiers) });
      return;
    }
    for (let i = from; i < cutPoints.length; i++) choose(i, [...cuts, cutPoints[i]!]);
  };
  choose(0, []);
  return out;
}

/** The cuts with the best training accuracy (ties: cheaper). */
export function fitForAccuracy(candidates: readonly FittedLength[]): FittedLength {
  return best(candidates, (a, b) => b.train.accuracy - a.train.accuracy || a.train.relativeCost - b.train.relativeCost);
}

/**
 * The cheapest cuts whose training quality reaches the target (ties: higher
 * quality); null when none does short of sending everything to the top tier.
 */
export function fitForQuality(candidates: readonly FittedLength[], target: number): FittedLength | null {
  const ok = candidates.filter((c) => c.train.quality >= target - 1e-12);
  return ok.length === 0 ? null : best(ok, (a, b) => a.train.relativeCost - b.train.relativeCost || b.train.quality - a.train.quality);
}

function best<T>(items: readonly T[], compare: (a: T, b: T) => number): T {
  if (items.length === 0) throw new Error("no candidates");
  return items.reduce((a, b) => (compare(b, a) < 0 ? b : a));
}
