import { tierRisks } from "../../src/routing/second-stage/model.js";
import { curveFromRoutes, lengthRoutesByTarget, randomCurve } from "./baselines.js";
import type { RoutingParams } from "./knn-routing.js";
import type { FittedLength } from "./length-baseline.js";
import { curvePoint, unitGrid, type CurvePoint } from "./margin-sweep.js";
import { computeMetrics } from "./metrics.js";
import type { Neighborhood } from "./neighborhoods.js";
import { renderQualityCostChart, type ChartSeries } from "./quality-cost-chart.js";
import { examplesOf } from "./second-stage-training.js";
import { knnRouter, oodFlags, secondStageRouter } from "./strategies.js";
import { gatedTiers, type FitOptions, type KnnFit, type SecondStageFit } from "./strategy-fit.js";

export interface ReportCurves {
  secondStage: CurvePoint[];
  knn: CurvePoint[];
  random: CurvePoint[];
  length: CurvePoint[];
}

/**
 * Quality-cost curves on the report rows: the second stage (fitted on the
 * calibration rows) as its risk thresholds open, the vote at its calibrated k and
 * floor as its margin moves, random routing at each second-stage point's tier
 * mix, and word-count cuts fitted on the calibration rows for each target.
 */
export function reportCurves(
  rows: ReadonlyArray<Neighborhood & { query: string }>,
  fits: { knn: KnnFit; "second-stage": SecondStageFit },
  candidates: readonly FittedLength[],
  options: FitOptions,
): ReportCurves {
  const labels = rows.map((r) => r.tier);
  const point = (at: number, routed: readonly string[]) =>
    curvePoint(
      at,
      computeMetrics(
        routed.map((r, i) => ({ label: labels[i]!, routed: r })),
        options.tiers,
      ),
    );
  const ss = fits["second-stage"];
  const risks = examplesOf(rows, ss.model).map((e) => tierRisks(ss.model, e.features));
  const ssRoute = secondStageRouter(risks, options.setup, oodFlags(rows, ss.ood), gatedTiers(rows, { tiers: ss.model.tiers, voteGate: ss.model.voteGate ?? null }));
  // Along the chosen thresholds' direction (all tiers alike when nothing passed), from closed to wide open.
  const chosen = ss.model.thresholds ?? [];
  const top = Math.max(0, ...chosen);
  const direction = top > 0 ? chosen.map((t) => t / top) : options.setup.tiers.slice(1).map(() => 1);
  const secondStage = unitGrid(0.01).map((x) => point(x, ssRoute({ thresholds: direction.map((d) => d * x) })));
  const base: RoutingParams = fits.knn.selection.chosen?.params ?? { k: 7, margin: 0, minSimilarity: 0 };
  const knnRoute = knnRouter(rows, options.setup, oodFlags(rows, fits.knn.ood));
  const knn = unitGrid(0.01).map((margin) => point(margin, knnRoute({ ...base, margin })));
  const targets = unitGrid(0.01).filter((t) => t >= 0.5);
  const tests = rows.map((r) => ({ text: r.query, tier: r.tier }));
  const length = curveFromRoutes(lengthRoutesByTarget(candidates, tests, options.setup.tiers, targets), labels, options.tiers);
  return { secondStage, knn, random: randomCurve(secondStage, labels, options.tiers), length };
}

export function renderReportChart(curves: ReportCurves, shipped: { relativeCost: number; quality: number; label: string }, n: number, targetQuality: number): string {
  const series: ChartSeries[] = [
    { name: "second stage, thresholds swept", points: curves.secondStage, color: "#1f6fd1", style: "line" },
    { name: "kNN vote at its calibrated k, margin swept", points: curves.knn, color: "#2a9d5c", style: "line" },
    { name: "length thresholds fitted on calibration rows", points: curves.length, color: "#e07b00", style: "line" },
    { name: "random at the second stage's tier mix", points: curves.random, color: "#8a8a8a", style: "line" },
    { name: shipped.label, points: [shipped], color: "#0b3d91", style: "points" },
    { name: "always premium", points: [{ relativeCost: 1, quality: 1 }], color: "#222222", style: "points" },
  ];
  return renderQualityCostChart(series, { title: `Quality vs cost on the report split (${n} held-out real prompts)`, targetQuality, yMin: 0.6 });
}
