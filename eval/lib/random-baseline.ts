/**
 * A router that ignores the query and picks tiers at random in fixed
 * proportions. Rather than one noisy draw, each label group is split across
 * tiers in exactly those proportions (largest remainder), which is the
 * expected confusion matrix of the random router rounded to whole queries:
 * deterministic, and its cost is the mix's cost.
 */
export function routeAtRandomMix(labels: readonly string[], mix: Readonly<Record<string, number>>, tiers: readonly string[]): string[] {
  const total = tiers.reduce((s, t) => s + Math.max(0, mix[t] ?? 0), 0);
  if (total <= 0) throw new Error("the tier mix has no positive share");
  const share = tiers.map((t) => Math.max(0, mix[t] ?? 0) / total);
  const routed = new Array<string>(labels.length);
  const byLabel = new Map<string, number[]>();
  labels.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), i]));
  for (const indices of byLabel.values()) {
    const counts = apportion(indices.length, share);
    let next = 0;
    counts.forEach((count, t) => {
      for (let j = 0; j < count; j++) routed[indices[next++]!] = tiers[t]!;
    });
  }
  return routed;
}

/** Shares of each tier among the labels (the "same tier mix" as the data). */
export function tierMix(labels: readonly string[], tiers: readonly string[]): Record<string, number> {
  const mix: Record<string, number> = Object.fromEntries(tiers.map((t) => [t, 0]));
  for (const l of labels) if (l in mix) mix[l]! += 1 / labels.length;
  return mix;
}

/** Splits n into whole counts proportional to shares (largest remainder). */
export function apportion(n: number, shares: readonly number[]): number[] {
  const exact = shares.map((s) => s * n);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = n - counts.reduce((a, b) => a + b, 0);
  for (const [, i] of order) {
    if (left <= 0) break;
    counts[i]! += 1;
    left--;
  }
  return counts;
}

/**
 * The relative cost of the cheapest fixed random mix whose expected quality
 * on these labels reaches `quality` (the base rates known in hindsight, so
 * the strongest random baseline there is): a linear programme whose optimum
 * mixes at most two tiers. Null when even the top tier alone falls short.
 */
export function cheapestRandomMixCost(labels: readonly string[], tiers: ReadonlyArray<{ name: string; pricePer1MTokens: number }>, quality: number): number | null {
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  const rank = new Map(tiers.map((t, i) => [t.name, i]));
  // Served share when everything goes to tier i: the labels at or below it.
  const served = tiers.map((_, i) => labels.filter((l) => rank.get(l)! <= i).length / Math.max(1, labels.length));
  const cost = tiers.map((t) => t.pricePer1MTokens / top);
  let best: number | null = null;
  const consider = (c: number) => (best = best === null ? c : Math.min(best, c));
  for (let i = 0; i < tiers.length; i++) {
    if (served[i]! >= quality - 1e-12) consider(cost[i]!);
    for (let j = i + 1; j < tiers.length; j++) {
      // a share on i, the rest on j: a*served_i + (1-a)*served_j = quality.
      if (served[j]! < quality - 1e-12 || served[i]! >= quality) continue;
      const a = (served[j]! - quality) / (served[j]! - served[i]!);
      consider(a * cost[i]! + (1 - a) * cost[j]!);
    }
  }
  return best;
}
