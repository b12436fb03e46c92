/**
 * Routing-quality arithmetic, shared by the eval and tuning scripts.
 * "Quality" counts a query as served when it went to its labelled tier or a
 * more capable one: the chosen model could answer it.
 */
export interface LabelledOutcome {
  label: string;
  routed: string;
}

export interface RoutingMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  /** Share routed to a tier at or above the label. */
  quality: number;
  /** Share of premium-labelled queries routed to premium. */
  premiumRecall: number;
  /** Cost relative to sending everything to the most expensive tier (equal tokens per query). */
  relativeCost: number;
  traffic: Record<string, number>;
  /** confusion[label][routed] = count */
  confusion: Record<string, Record<string, number>>;
}

export function computeMetrics(outcomes: readonly LabelledOutcome[], tiers: ReadonlyArray<{ name: string; pricePer1MTokens: number }>): RoutingMetrics {
  const names = tiers.map((t) => t.name);
  const rank = new Map(names.map((t, i) => [t, i]));
  const price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens]));
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  const premium = names[names.length - 1]!;
  const confusion: Record<string, Record<string, number>> = {};
  for (const a of names) confusion[a] = Object.fromEntries(names.map((b) => [b, 0]));
  const traffic: Record<string, number> = Object.fromEntries(names.map((t) => [t, 0]));
  let correct = 0;
  let served = 0;
  let cost = 0;
  let premiumTotal = 0;
  let premiumHit = 0;
  for (const { label, routed } of outcomes) {
    confusion[label]![routed] = (confusion[label]![routed] ?? 0) + 1;
    traffic[routed] = (traffic[routed] ?? 0) + 1;
    if (label === routed) correct++;
    if ((rank.get(routed) ?? 0) >= (rank.get(label) ?? 0)) served++;
    cost += price.get(routed) ?? 0;
    if (label === premium) {
      premiumTotal++;
      if (routed === premium) premiumHit++;
    }
  }
  const n = outcomes.length;
  const f1s = names.map((t) => {
    const tp = confusion[t]![t]!;
    const predicted = names.reduce((s, l) => s + confusion[l]![t]!, 0);
    const actual = names.reduce((s, r) => s + confusion[t]![r]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  });
  for (const t of names) traffic[t] = n === 0 ? 0 : traffic[t]! / n;
  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: f1s.reduce((a, b) => a + b, 0) / f1s.length,
    quality: n === 0 ? 0 : served / n,
    premiumRecall: premiumTotal === 0 ? 0 : premiumHit / premiumTotal,
    relativeCost: n === 0 || top === 0 ? 0 : cost / (n * top),
    traffic,
    confusion,
  };
}
