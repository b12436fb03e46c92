/**
 * Stratified k-fold assignment: each label's items are shuffled (seeded) and
 * dealt round the folds, continuing where the previous label stopped, so every
 * fold holds each label in nearly the same share and the folds differ in size
 * by at most one. Returns the fold number of each item.
 */
export function stratifiedFolds(labels: readonly string[], folds: number, seed = 1): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${folds}`);
  if (folds > labels.length) throw new RangeError(`cannot make ${folds} folds of ${labels.length} items`);
  const random = mulberry32(seed);
  const byLabel = new Map<string, number[]>();
  labels.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), i]));
  const fold = new Array<number>(labels.length);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const i of shuffle(byLabel.get(label)!, random)) {
      fold[i] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

/** Item indices for training and testing in each fold. */
export function foldSplits(assignment: readonly number[], folds: number): Array<{ train: number[]; test: number[] }> {
  return Array.from({ length: folds }, (_, f) => ({
    train: assignment.flatMap((a, i) => (a === f ? [] : [i])),
    test: assignment.flatMap((a, i) => (a === f ? [i] : [])),
  }));
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Small seeded PRNG (mulberry32): the same seed gives the same folds everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
