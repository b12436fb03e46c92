import { describe, expect, it } from "vitest";
import { foldSplits, stratifiedFolds } from "../../eval/lib/stratified-folds.js";

const labels = [...Array(23).fill("fast"), ...Array(17).fill("standard"), ...Array(12).fill("premium")] as string[];

describe("stratifiedFolds", () => {
  it("puts every item in exactly one test fold and no fold in its own training set", () => {
    const splits = foldSplits(stratifiedFolds(labels, 5, 7), 5);
    const tested = splits.flatMap((s) => s.test).sort((a, b) => a - b);
    expect(tested).toEqual(labels.map((_, i) => i));
    for (const { train, test } of splits) {
      expect(train.length + test.length).toBe(labels.length);
      expect(test.some((i) => train.includes(i))).toBe(false);
    }
  });

  it("keeps each label's share per fold within one item, and fold sizes within one", () => {
    const folds = stratifiedFolds(labels, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const label of ["fast", "standard", "premium"]) {
      const perFold = [0, 1, 2, 3, 4].map((f) => labels.filter((l, i) => l === label && folds[i] === f).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it("is reproducible from the seed and shuffles differently for another seed", () => {
    expect(stratifiedFolds(labels, 5, 3)).toEqual(stratifiedFolds(labels, 5, 3));
    expect(stratifiedFolds(labels, 5, 3)).not.toEqual(stratifiedFolds(labels, 5, 4));
  });

  it("refuses fewer than two folds or more folds than items", () => {
    expect(() => stratifiedFolds(labels, 1)).toThrow(RangeError);
    expect(() => stratifiedFolds(["fast", "premium"], 3)).toThrow(RangeError);
  });
});
