/**
 * Confidence bounds for a binomial proportion (x successes in n trials),
 * for risk-controlled calibration: "quality is at least Q with confidence C"
 * is a statement about the lower bound, not the observed share.
 *
 * Clopper–Pearson inverts the binomial test exactly (conservative: the
 * coverage is at least C for every true rate); Wilson is the score interval
 * (closer to nominal on average, can undercover slightly).
 */
export type BoundMethod = "clopper-pearson" | "wilson";

/** One-sided lower bound: the true rate is at least this with confidence `confidence`. */
export function lowerBound(x: number, n: number, confidence: number, method: BoundMethod = "clopper-pearson"): number {
  check(x, n, confidence);
  if (n === 0) return 0;
  if (method === "wilson") return wilson(x, n, normalQuantile(confidence), -1);
  return x === 0 ? 0 : betaQuantile(1 - confidence, x, n - x + 1);
}

/** One-sided upper bound: the true rate is at most this with confidence `confidence`. */
export function upperBound(x: number, n: number, confidence: number, method: BoundMethod = "clopper-pearson"): number {
  check(x, n, confidence);
  if (n === 0) return 1;
  if (method === "wilson") return wilson(x, n, normalQuantile(confidence), 1);
  return x === n ? 1 : betaQuantile(confidence, x + 1, n - x);
}

/** Two-sided interval at `level` (each side (1 - level) / 2). */
export function interval(x: number, n: number, level = 0.95, method: BoundMethod = "clopper-pearson"): [number, number] {
  const side = 1 - (1 - level) / 2;
  return [lowerBound(x, n, side, method), upperBound(x, n, side, method)];
}

function check(x: number, n: number, confidence: number): void {
  if (!Number.isInteger(x) || !Number.isInteger(n) || x < 0 || x > n) throw new RangeError(`need 0 <= x <= n integers, got x=${x} n=${n}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

function wilson(x: number, n: number, z: number, sign: -1 | 1): number {
  const p = x / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return Math.min(1, Math.max(0, (centre + sign * spread) / (1 + (z * z) / n)));
}

/** The p-quantile of Beta(a, b), by bisection on the regularised incomplete beta function. */
export function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Lentz's method). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast below the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) above it.
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * continuedFraction(1 - x, b, a)) / b;
  return (front * continuedFraction(x, a, b)) / a;
}

function continuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 500; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(z), Lanczos approximation (g = 7, 9 terms): ~15 significant digits for z > 0. */
export function logGamma(z: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (t: number) => {
    const r = Math.sqrt(-2 * Math.log(t));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  };
  let x: number;
  if (p < 0.02425) x = tail(p);
  else if (p > 1 - 0.02425) x = -tail(1 - p);
  else {
    const s = p - 0.5;
    const r = s * s;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * s) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  return x;
}
