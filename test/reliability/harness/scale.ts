/**
 * RELIABILITY_SCALE sizes every scenario: 1 is the full run (>= 5,000 fuzz
 * cases per route, 60 s soak, 10,000-line import), 0.1 the CI run. Criteria
 * never scale; only counts and durations do.
 */
export const scale = (() => {
  const raw = process.env.RELIABILITY_SCALE ?? "1";
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 10) throw new Error(`RELIABILITY_SCALE must be a number in (0, 10], got ${raw}`);
  return value;
})();

/** A count at this scale, never below min. */
export function scaled(full: number, min = 1): number {
  return Math.max(min, Math.round(full * scale));
}

/** A duration in ms at this scale, never below minMs. */
export function scaledMs(fullMs: number, minMs: number): number {
  return Math.max(minMs, Math.round(fullMs * scale));
}

/** The seed of every generator; change it to explore, keep it to reproduce. */
export const seed = Number(process.env.RELIABILITY_SEED ?? "20261125");
