/**
 * Weighted, L2-regularised binary logistic regression fitted by Newton's
 * method (iteratively reweighted least squares). Small and exact enough for
 * a few dozen standardised features and a few thousand rows; the intercept
 * is not penalised.
 */
export interface LogisticFit {
  bias: number;
  weights: number[];
  iterations: number;
}

export function fitLogistic(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: { l2: number; sampleWeights?: readonly number[]; maxIterations?: number },
): LogisticFit {
  const n = x.length;
  const d = n === 0 ? 0 : x[0]!.length;
  const sw = options.sampleWeights ?? new Array<number>(n).fill(1);
  const beta = new Array<number>(d + 1).fill(0); // beta[0] is the bias
  const totalWeight = sw.reduce((a, b) => a + b, 0);
  const positive = sw.reduce((s, w, i) => s + w * y[i]!, 0);
  // Start at the base rate: Newton then converges in a handful of steps.
  beta[0] = Math.log(Math.max(positive, 1e-6) / Math.max(totalWeight - positive, 1e-6));
  const loss = (b: readonly number[]) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = b[0]!;
      for (let j = 0; j < d; j++) s += b[j + 1]! * x[i]![j]!;
      // log(1 + e^s) - y s, computed without overflow
      total += sw[i]! * (Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - y[i]! * s);
    }
    for (let j = 1; j <= d; j++) total += (options.l2 / 2) * b[j]! ** 2;
    return total;
  };
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 50); iterations++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const row = x[i]!;
      let s = beta[0]!;
      for (let j = 0; j < d; j++) s += beta[j + 1]! * row[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = sw[i]! * (y[i]! - p);
      const h = sw[i]! * p * (1 - p);
      grad[0]! += r;
      for (let j = 0; j < d; j++) grad[j + 1]! += r * row[j]!;
      for (let a = 0; a <= d; a++) {
        const xa = a === 0 ? 1 : row[a - 1]!;
        for (let b = a; b <= d; b++) hess[a]![b]! += h * xa * (b === 0 ? 1 : row[b - 1]!);
      }
    }
    for (let a = 0; a <= d; a++) for (let b = 0; b < a; b++) hess[a]![b] = hess[b]![a]!;
    for (let j = 1; j <= d; j++) {
      grad[j]! -= options.l2 * beta[j]!;
      hess[j]![j]! += options.l2;
    }
    hess[0]![0]! += 1e-9; // keeps a separable or empty class solvable
    const step = solve(hess, grad);
    // Damped Newton: halve the step until the penalised loss does not grow (plain Newton can overshoot on nearly separable data).
    const before = loss(beta);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]!);
    while (loss(next) > before + 1e-12 && scale > 1e-6) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]!);
    }
    const largest = Math.max(...next.map((b, j) => Math.abs(b - beta[j]!)));
    beta.splice(0, beta.length, ...next);
    if (largest < 1e-8) break;
  }
  return { bias: beta[0]!, weights: beta.slice(1), iterations };
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky). */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) l[i]![i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i]![j] = s / l[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}
