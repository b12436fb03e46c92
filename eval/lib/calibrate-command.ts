import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../../src/base/config/config-schema.js";
import { routerOptionsFrom, secondStageModelFor } from "../../src/app/routers.js";
import type { OodOptions } from "../../src/routing/ood.js";
import { Router } from "../../src/routing/router.js";
import type { SecondStageModel } from "../../src/routing/second-stage/model.js";
import { writeRoutingPatch } from "./config-file.js";
import { openLiveService } from "./live-service.js";
import type { Strategy } from "./loso.js";
import type { ProgressBar } from "./progress-bar.js";
import { formatModelJson } from "./model-json.js";
import { labelEfficiency, type EfficiencyPoint } from "./label-efficiency.js";
import { loadRealInputs, type LabelledSource } from "./real-inputs.js";
import { evaluatePoint, type Evaluated } from "./risk-control.js";
import { fitKnn, fitSecondStageStrategy, type FitOptions, type KnnFit, type SecondStageFit } from "./strategy-fit.js";

export interface CalibrateRequest {
  config: Config;
  /** The config file read, and written only with `write`. */
  configFile: string;
  strategy: Strategy;
  fit: FitOptions;
  /** A labelled-data path, or rows read from the live service (--from-feedback). */
  data: string | LabelledSource;
  write: boolean;
  /** Where the second-stage model is written (with `write`); as given, relative to the working directory. */
  modelFile: string;
  progress?: (label: string) => ProgressBar;
  /** Measure the label-efficiency curve (default true). */
  efficiency?: boolean;
}

export interface CalibrateResult {
  strategy: Strategy;
  rows: number;
  bySource: Record<string, number>;
  exemplars: number;
  revision: number;
  embeddingModel: string;
  /** The configured setting, routed through the service's own router over the same rows (null if its model cannot load). */
  current: Evaluated<string> | null;
  fit: KnnFit | SecondStageFit;
  /** Quality and cost on held-out rows when calibrating on 100, 250, 500, 1,000 of them (sizes the data allows). */
  efficiency: EfficiencyPoint[];
  /** Files written: empty unless `write`. */
  written: string[];
}

/**
 * Calibrates the chosen strategy on the calibration rows (never the report
 * rows), with the exemplar set the service routes with, read from its
 * database. Prints nothing and writes nothing by itself: with `write` it
 * writes the routing values into the config file (and the model file),
 * otherwise the caller only reports.
 */
export async function runCalibrate(req: CalibrateRequest): Promise<CalibrateResult> {
  // Built with the vote, so a missing or stale model file never blocks its own recalibration.
  const live = await openLiveService({ ...req.config, routing: { ...req.config.routing, strategy: "knn" } });
  try {
    const inputs = await loadRealInputs(live, req.config, req.data, req.progress);
    const rows = inputs.rows.filter((r) => r.split === "calibration");
    if (rows.length === 0) throw new Error(`${typeof req.data === "string" ? req.data : "the decision log"}: no calibration rows`);
    const bySource: Record<string, number> = {};
    for (const r of rows) bySource[r.source] = (bySource[r.source] ?? 0) + 1;
    const fit = req.strategy === "knn" ? fitKnn(rows, req.fit) : fitSecondStageStrategy(rows, inputs.exemplarRows, req.fit);
    if (fit.strategy === "second-stage") {
      fit.model.training = provenance(req, fit, rows.length, bySource, live.exemplars.length, live.index.revision);
    }
    const current = await evaluateCurrent(req, live, rows);
    const efficiency = req.efficiency === false ? [] : labelEfficiency(rows, inputs.exemplarRows, req.strategy, req.fit);
    const written = req.write && fit.selection.chosen ? writeResult(req, fit) : [];
    return {
      strategy: req.strategy,
      rows: rows.length,
      bySource,
      exemplars: live.exemplars.length,
      revision: live.index.revision,
      embeddingModel: live.deps.encoder.modelId,
      current,
      fit,
      efficiency,
      written,
    };
  } finally {
    await live.close();
  }
}

async function evaluateCurrent(
  req: CalibrateRequest,
  live: Awaited<ReturnType<typeof openLiveService>>,
  rows: ReadonlyArray<{ query: string; tier: string }>,
): Promise<Evaluated<string> | null> {
  let model: SecondStageModel | undefined;
  try {
    model = secondStageModelFor(req.config, live.deps.encoder.modelId);
  } catch {
    return null;
  }
  const router = new Router({ encoder: live.deps.encoder, index: live.deps.index, cache: null, options: routerOptionsFrom(req.config, model) });
  const routed: string[] = [];
  for (const r of rows) routed.push((await router.route({ query: r.query })).tier);
  return evaluatePoint(
    describeCurrent(req.config),
    routed,
    rows.map((r) => r.tier),
    req.fit.tiers,
    req.fit.target,
  );
}

export function describeCurrent(config: Config): string {
  const r = config.routing;
  const ood = r.ood.enabled ? `ood nearest<${r.ood.minNearest} mean${r.ood.k}<${r.ood.minMeanSimilarity}` : "ood off";
  if (r.strategy === "second-stage")
    return `second-stage ${r.secondStage.modelFile}${r.secondStage.downgradeCost === undefined ? "" : ` downgradeCost ${r.secondStage.downgradeCost}`}, ${ood}`;
  return `knn k=${r.k} margin=${r.margin} floor=${r.minSimilarity}, ${ood}`;
}

function oodPatch(ood: OodOptions | null): Record<string, unknown> {
  return ood ? { ...ood } : { enabled: false };
}

function writeResult(req: CalibrateRequest, fit: KnnFit | SecondStageFit): string[] {
  if (fit.strategy === "knn") {
    const { k, margin, minSimilarity } = fit.selection.chosen!.params;
    writeRoutingPatch(req.configFile, { strategy: "knn", k, margin, minSimilarity, ood: oodPatch(fit.ood) });
    return [req.configFile];
  }
  const modelPath = path.resolve(req.modelFile);
  mkdirSync(path.dirname(modelPath), { recursive: true });
  writeFileSync(modelPath, formatModelJson(fit.model));
  // The model file carries its downgrade cost; an override in the config would silently undo the calibration.
  writeRoutingPatch(req.configFile, { strategy: "second-stage", secondStage: { modelFile: req.modelFile, downgradeCost: undefined }, ood: oodPatch(fit.ood) });
  return [modelPath, req.configFile];
}

function provenance(req: CalibrateRequest, fit: SecondStageFit, rows: number, bySource: Record<string, number>, exemplars: number, revision: number): Record<string, unknown> {
  const chosen = fit.selection.chosen;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    data: typeof req.data === "string" ? req.data : "feedback on logged decisions",
    rows,
    bySource,
    exemplars: { count: exemplars, revision, weight: req.fit.exemplarWeight },
    recipe: { l2: req.fit.recipe.l2, folds: req.fit.folds, seed: req.fit.seed },
    target: req.fit.target,
    ood: fit.ood,
    // The chosen downgrade cost on out-of-fold risks of the calibration rows, with the prices it was chosen for.
    prices: Object.fromEntries(req.fit.tiers.map((t) => [t.name, t.pricePer1MTokens])),
    calibration: chosen
      ? {
          quality: r4(chosen.metrics.quality),
          lowerBound: r4(chosen.lower),
          relativeCost: r4(chosen.metrics.relativeCost),
          downgrades: fit.downgrades.map((d) => ({ ...d, rate: r4(d.rate), upper: r4(d.upper) })),
        }
      : null,
  };
}
