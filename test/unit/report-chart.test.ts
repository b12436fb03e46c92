import { describe, expect, it } from "vitest";
import { renderDailyChart } from "../../src/stores/stats/report-chart.js";

describe("renderDailyChart", () => {
  it("draws one stacked bar segment per tier and day, and the hit-rate line through each day", () => {
    const svg = renderDailyChart(
      [
        { day: "2026-11-01", requests: 10, hits: 5, hitRate: 0.5, tiers: { fast: 6, standard: 3, premium: 1 } },
        { day: "2026-11-02", requests: 4, hits: 1, hitRate: 0.25, tiers: { fast: 1, premium: 3 } },
      ],
      ["fast", "standard", "premium"],
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect [^>]*opacity="0.75"><title>/g)).toHaveLength(6);
    expect(svg).toContain("<title>2026-11-01 fast: 6</title>");
    expect(svg).toContain("<title>2026-11-02 standard: 0</title>");
    const points = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(" ");
    expect(points).toHaveLength(2);
    // 50 % is higher on the chart (smaller y) than 25 %.
    expect(Number(points[0]!.split(",")[1])).toBeLessThan(Number(points[1]!.split(",")[1]));
  });

  it("says so when there is no traffic", () => {
    expect(renderDailyChart([], ["fast"])).toContain("no traffic in this window");
  });
});
