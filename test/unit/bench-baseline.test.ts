import { describe, expect, it } from "vitest";
import { compare, comparisonTable } from "../../bench/baseline.js";

const baseline = { missOverFloor: 1.74, repeatOverHealthz: 0.34, missPeakRssMb: 471, warmReadyS: 1.9, coldReadyS: 6.4 };

describe("the bench's comparison with its baseline", () => {
  it("flags a figure more than 25 % worse, in the direction that is worse for it, and nothing else", () => {
    const rows = compare({ missOverFloor: 2.2, repeatOverHealthz: 0.27, missPeakRssMb: 600, warmReadyS: 1.5, coldReadyS: 8.1 }, baseline);
    expect(rows.map((r) => [r.change, r.regressed])).toEqual([
      ["+26 %", true],
      ["-21 %", false],
      ["+27 %", true],
      ["-21 %", false],
      ["+27 %", true],
    ]);
    expect(rows.map((r) => r.meetsGoal)).toEqual([false, false, false, true, false]);
    expect(comparisonTable(rows, "test")).toContain("3 REGRESSION(S) beyond 25 %");
  });

  it("without a baseline, prints the figures and flags nothing", () => {
    const rows = compare(baseline, undefined);
    expect(rows.every((r) => !r.regressed && r.change === "n/a")).toBe(true);
    expect(comparisonTable(rows, "none")).toContain("no regression beyond 25 %");
  });
});
