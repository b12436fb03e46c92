import { describe, expect, it } from "vitest";
import { betaQuantile, incompleteBeta, interval, logGamma, lowerBound, normalQuantile, upperBound } from "../../eval/lib/bounds.js";

/** Binomial pmf, exactly enough for n up to a few hundred. */
function pmf(x: number, n: number, p: number): number {
  return Math.exp(logGamma(n + 1) - logGamma(x + 1) - logGamma(n - x + 1) + x * Math.log(p) + (n - x) * Math.log(1 - p));
}

describe("Clopper-Pearson bounds", () => {
  it("match published values", () => {
    // 95/100: one-sided 95% lower bound 0.8977; two-sided 95% interval [0.8872, 0.9836].
    expect(lowerBound(95, 100, 0.95)).toBeCloseTo(0.89775, 4);
    const [lo, hi] = interval(95, 100, 0.95);
    expect(lo).toBeCloseTo(0.88717, 4);
    expect(hi).toBeCloseTo(0.98357, 4);
    // No failures in n: the upper bound on the failure rate is 1 - alpha^(1/n) (the "rule of three" region).
    expect(upperBound(0, 10, 0.95)).toBeCloseTo(1 - 0.05 ** (1 / 10), 8);
    expect(lowerBound(10, 10, 0.95)).toBeCloseTo(0.05 ** (1 / 10), 8);
  });

  it("are symmetric and ordered, with the edges at 0 and 1", () => {
    for (const [x, n] of [
      [0, 7],
      [3, 20],
      [19, 20],
      [140, 150],
    ] as const) {
      expect(lowerBound(x, n, 0.9)).toBeCloseTo(1 - upperBound(n - x, n, 0.9), 9);
      expect(lowerBound(x, n, 0.9)).toBeLessThanOrEqual(x / n);
      expect(upperBound(x, n, 0.9)).toBeGreaterThanOrEqual(x / n);
      expect(lowerBound(x, n, 0.99)).toBeLessThan(lowerBound(x, n, 0.9) + 1e-12);
    }
    expect(lowerBound(0, 5, 0.95)).toBe(0);
    expect(upperBound(5, 5, 0.95)).toBe(1);
  });

  it("cover the true rate at least as often as promised (exact, by summing the binomial)", () => {
    for (const n of [40, 120]) {
      for (const p of [0.8, 0.9, 0.95, 0.97]) {
        let coverage = 0;
        for (let x = 0; x <= n; x++) if (lowerBound(x, n, 0.95) <= p) coverage += pmf(x, n, p);
        expect(coverage).toBeGreaterThanOrEqual(0.95 - 1e-9);
      }
    }
  });

  it("Wilson is inside [0, 1], close to Clopper-Pearson for large n, and less conservative", () => {
    expect(lowerBound(950, 1000, 0.95, "wilson")).toBeCloseTo(lowerBound(950, 1000, 0.95), 2);
    expect(lowerBound(95, 100, 0.95, "wilson")).toBeGreaterThan(lowerBound(95, 100, 0.95));
    expect(lowerBound(0, 3, 0.95, "wilson")).toBe(0);
    expect(upperBound(3, 3, 0.95, "wilson")).toBeLessThanOrEqual(1);
  });

  it("rejects impossible counts and confidences", () => {
    expect(() => lowerBound(5, 4, 0.95)).toThrow(RangeError);
    expect(() => lowerBound(1.5, 4, 0.95)).toThrow(RangeError);
    expect(() => upperBound(1, 4, 1)).toThrow(RangeError);
  });
});

describe("the special functions behind them", () => {
  it("normal quantiles", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });

  it("the incomplete beta function and its quantile", () => {
    expect(incompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 10);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 10);
    // I_x(a, 1) = x^a
    expect(incompleteBeta(0.7, 3, 1)).toBeCloseTo(0.343, 10);
    expect(betaQuantile(0.343, 3, 1)).toBeCloseTo(0.7, 8);
    expect(Math.exp(logGamma(6))).toBeCloseTo(120, 8);
  });
});
