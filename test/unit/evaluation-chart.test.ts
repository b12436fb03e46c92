import { describe, expect, it } from "vitest";
import { renderQualityCostChart } from "../../eval/lib/quality-cost-chart.js";

const svg = renderQualityCostChart(
  [
    {
      name: "router <k=7>",
      color: "#1f6fd1",
      style: "line",
      points: [
        { relativeCost: 0.5, quality: 0.95 },
        { relativeCost: 0.3, quality: 0.9 },
        { relativeCost: 1, quality: 1 },
      ],
    },
    { name: "always premium", color: "#222", style: "points", points: [{ relativeCost: 1, quality: 1 }] },
  ],
  { width: 700, height: 500, yMin: 0.8, targetQuality: 0.95, title: "Q & C" },
);

describe("renderQualityCostChart", () => {
  it("is a standalone SVG document with balanced elements", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect((svg.match(/<text\b/g) ?? []).length).toBe((svg.match(/<\/text>/g) ?? []).length);
  });

  it("draws a line series as one polyline in cost order, mapped onto the plot area", () => {
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!);
    expect(polylines).toHaveLength(1);
    const pts = polylines[0]!.split(" ").map((p) => p.split(",").map(Number) as [number, number]);
    expect(pts).toHaveLength(3);
    expect(pts.map((p) => p[0])).toEqual([...pts.map((p) => p[0])].sort((a, b) => a - b));
    // Plot area: x from 64 to 676, y from 44 (quality 1) to 448 (quality yMin).
    expect(pts[2]).toEqual([676, 44]);
    expect(pts[0]![0]).toBeCloseTo(64 + 0.3 * 612, 1);
    expect(pts[0]![1]).toBeCloseTo(44 + ((1 - 0.9) / 0.2) * 404, 1);
  });

  it("draws point series as markers and escapes names in the legend", () => {
    expect(svg).toContain('<circle cx="676.0" cy="44.0" r="4" fill="#222"/>');
    expect(svg).toContain("router &lt;k=7&gt;");
    expect(svg).toContain("Q &amp; C");
    expect(svg).not.toContain("<k=7>");
  });

  it("marks the target quality with a guide line", () => {
    const y = (44 + ((1 - 0.95) / 0.2) * 404).toFixed(1);
    expect(svg).toContain(`y1="${y}" x2="676" y2="${y}" stroke="#999" stroke-dasharray="2 3"`);
  });
});
