import type { CalibrateResult } from "./calibrate-command.js";
import type { Evaluated, RiskTarget } from "./risk-control.js";
import type { FitOptions } from "./strategy-fit.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const n3 = (x: number) => x.toFixed(3);

export function describeTarget(t: RiskTarget): string {
  const mix = {
    quality: "on the calibration rows' tier mix",
    "uniform-mix": "for a uniform tier mix",
    "any-mix": "for any tier mix",
    "per-source": "on each source's own tier mix",
  }[t.criterion ?? "quality"];
  return `quality >= ${t.targetQuality} ${mix}, one-sided ${pct(t.confidence)} ${t.method === "wilson" ? "Wilson" : "Clopper-Pearson"} bound`;
}

function line(name: string, e: Evaluated<unknown>, tiers: readonly string[]): string {
  const mix = tiers.map((t) => `${t} ${pct(e.metrics.traffic[t] ?? 0)}`).join(" / ");
  return `${name}: quality ${n3(e.metrics.quality)} (bound ${n3(e.lower)}), cost ${n3(e.metrics.relativeCost)}, premium recall ${n3(e.metrics.premiumRecall)}; traffic ${mix}`;
}

/** The calibration's plain-text report: data, target, the current setting, the chosen one, downgrades, OOD, what was written. */
export function formatCalibration(r: CalibrateResult, o: { configFile: string; fit: FitOptions; write: boolean; modelFile: string }): string {
  const tiers = o.fit.setup.tiers;
  const sources = Object.entries(r.bySource)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  const out = [
    `${r.rows} calibration rows (${sources}); ${r.exemplars} live exemplars at revision ${r.revision}; ${r.embeddingModel}`,
    `target: ${describeTarget(o.fit.target)}; strategy ${r.strategy}; ${r.fit.selection.tested.length} operating points tested`,
  ];
  if (r.current) {
    // A model trained on these very rows scores them in-sample: a flattering figure, not a measurement.
    const note = r.current.params.startsWith("second-stage") ? "; in-sample if that model was trained on these rows" : "";
    out.push(line(`current (${r.current.params}${note})`, r.current, tiers));
  } else out.push("current: its second-stage model file does not load for this configuration");
  const chosen = r.fit.selection.chosen;
  if (!chosen) {
    out.push(`no operating point reaches the target: nothing written; with too few rows of a tier the bound alone fails (add labelled rows or lower --confidence)`);
    return out.join("\n");
  }
  const p = chosen.params as unknown as Record<string, number>;
  const setting =
    r.fit.strategy === "knn"
      ? `k=${p.k} margin=${p.margin} floor=${p.minSimilarity}`
      : `risk thresholds ${JSON.stringify((chosen.params as { thresholds: number[] }).thresholds)} (on out-of-fold risks)`;
  out.push(line(`chosen (${r.strategy} ${setting})`, chosen, tiers));
  for (const d of r.fit.downgrades) out.push(`  ${d.tier}-labelled rows sent cheaper: ${d.downgraded}/${d.n} = ${pct(d.rate)} (upper bound ${pct(d.upper)})`);
  if (r.fit.ood) {
    const { minNearest, minMeanSimilarity, k } = r.fit.ood;
    out.push(`  out of distribution: nearest exemplar < ${minNearest} or mean of the nearest ${k} < ${minMeanSimilarity} (percentile ${o.fit.oodPercentile} of these rows)`);
  } else out.push("  out-of-distribution guard off (--ood-percentile 0)");
  if (r.efficiency.length > 0) {
    out.push("label efficiency (calibrated on a random subset, measured on the rest; mean of the draws):");
    for (const e of r.efficiency) {
      const none = e.noPoint > 0 ? `; ${e.noPoint} of ${e.draws} draws found no point and sent everything to the fallback tier` : "";
      out.push(`  ${String(e.labels).padStart(5)} labels: quality ${n3(e.quality)}, cost ${n3(e.relativeCost)} on ${e.heldOut} held-out rows${none}`);
    }
    out.push("  where quality still rises or cost still falls from one size to the next, more labels would pay");
  }
  if (o.write) out.push(`wrote ${r.written.join(" and ")}`);
  else {
    const model = r.strategy === "second-stage" ? ` and the model to ${o.modelFile}` : "";
    out.push(`nothing written: pass --write to write routing.* to ${o.configFile}${model}`);
  }
  return out.join("\n");
}
