import type { EvaluationReport } from "./evaluate-router.js";
import { renderQualityCostChart, type ChartSeries } from "./quality-cost-chart.js";

/** The eval's --sweep chart: router and baselines, on the shipped exemplars and under cross-validation. */
export function sweepChart(report: EvaluationReport, options: { targetQuality?: number; costBudget?: number } = {}): string {
  if (!report.sweep) throw new Error("the report has no sweep");
  const { k, minSimilarity, margin } = report.params;
  const series: ChartSeries[] = [{ name: `router, shipped exemplars (k=${k}, floor ${minSimilarity})`, points: report.sweep.router, color: "#1f6fd1", style: "line" }];
  const cv = report.cv;
  if (cv?.sweep) series.push({ name: `router, ${cv.folds}-fold CV on the labelled set`, points: cv.sweep.router, color: "#1f6fd1", style: "line", dashed: true });
  series.push({ name: "length thresholds fitted on exemplars", points: report.sweep.length, color: "#e07b00", style: "line" });
  if (cv?.lengthCurve) series.push({ name: `length thresholds, ${cv.folds}-fold CV`, points: cv.lengthCurve, color: "#e07b00", style: "line", dashed: true });
  series.push({ name: "random at the router's tier mix", points: report.sweep.random, color: "#8a8a8a", style: "line" });
  series.push({ name: `configured router (margin ${margin})`, points: [report.router], color: "#0b3d91", style: "points" });
  series.push({ name: "always premium", points: [{ relativeCost: 1, quality: 1 }], color: "#222222", style: "points" });
  return renderQualityCostChart(series, {
    title: `Quality vs cost on ${report.n} labelled queries (${report.modelId})`,
    targetQuality: options.targetQuality,
    costBudget: options.costBudget,
  });
}
