import { calibrateFromLabels, type CalibrationResult } from "../../routing/calibration/calibrate-from-labels.js";
import { defaultKnnGrid, gridDepth, type KnnParams, type LabelledNeighborhood } from "../../routing/calibration/knn-grid.js";
import type { Evaluated, RiskTarget } from "../../routing/calibration/risk-control.js";
import type { TierlineClient } from "../client/index.js";
import { fallbackTierOf, type Config } from "../../base/config/config-schema.js";
import { writeRoutingValues } from "./config-file.js";

export interface CalibrateOptions {
  client: TierlineClient;
  /** The config the service runs with (tiers, prices, current routing); --write updates its file. */
  config: Config;
  configFile: string;
  from?: string;
  to?: string;
  target: RiskTarget;
  write: boolean;
}

/** Every labelled row of the window, page by page, from GET /stats/feedback/labels. */
export async function fetchLabelledRows(options: { client: TierlineClient; from?: string; to?: string; tiers: readonly string[] }) {
  const rows: LabelledNeighborhood[] = [];
  let cursor: string | undefined;
  let page;
  do {
    page = await options.client.getFeedbackLabels({ from: options.from, to: options.to, cursor, limit: 1000, depth: gridDepth(defaultKnnGrid) });
    if (page.tiers.join() !== options.tiers.join())
      throw new Error(`the service's tiers (${page.tiers.join(", ")}) differ from the config file's (${options.tiers.join(", ")}): use the service's config file`);
    rows.push(...page.rows.map((r) => ({ label: r.label, neighbors: r.neighbors })));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { rows, decisions: page.decisions, withoutText: page.withoutText };
}

/**
 * `tierline calibrate --from-feedback`: the calibrate command's
 * risk-controlled rule (src/routing/calibration/risk-control.ts, the one `npm run
 * calibrate` uses) on the decisions that have feedback, routed with the
 * vote over their neighborhoods in the service's live exemplar set. The
 * service sends tiers and similarities only (no query text); the grid search
 * runs here. Writes routing.k / margin / minSimilarity only with --write.
 * It calibrates the vote (strategy "knn"); the second stage is retrained
 * from the same labels by `npm run calibrate -- --from-feedback`.
 */
export async function calibrateFromFeedback(options: CalibrateOptions): Promise<{ result: CalibrationResult; text: string; written: boolean }> {
  const { config, target } = options;
  const tiers = config.tiers.map((t) => t.name);
  const { rows, decisions, withoutText } = await fetchLabelledRows({ ...options, tiers });
  if (rows.length === 0)
    throw new Error(
      `no labelled decisions in the window (${decisions} with feedback, ${withoutText} of them without text): send feedback with the query, or turn on decisions.storeText`,
    );
  const { k, margin, minSimilarity, ood } = config.routing;
  const result = calibrateFromLabels({ rows, tiers: config.tiers, fallbackTier: fallbackTierOf(config), current: { k, margin, minSimilarity }, ood, target });
  const chosen = result.selection.chosen;
  const secondStage = config.routing.strategy === "second-stage";
  const written = options.write && chosen !== null;
  if (written) writeRoutingValues(options.configFile, chosen.params);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const line = (name: string, p: Evaluated<KnnParams>) =>
    `${name.padEnd(8)} k=${p.params.k} margin=${p.params.margin.toFixed(2)} floor=${p.params.minSimilarity}: quality ${p.metrics.quality.toFixed(3)} (bound ${p.lower.toFixed(3)}), cost ${p.metrics.relativeCost.toFixed(3)} of always-${tiers[tiers.length - 1]}, traffic ${tiers.map((t) => `${t} ${pct(p.metrics.traffic[t] ?? 0)}`).join(" / ")}`;
  const text = [
    `calibrate --from-feedback: ${decisions} decisions with feedback, ${rows.length} placed (${withoutText} without text cannot be placed)`,
    `labels (the most capable tier each row's feedback leaves open): ${tiers.map((t) => `${t} ${result.labels[t] ?? 0}`).join(", ")}`,
    `target: quality >= ${target.targetQuality} with confidence ${target.confidence}, criterion ${target.criterion ?? "quality"} (${target.method} bound; ${result.selection.tested.length} points tested)`,
    ...(secondStage
      ? [
          `note: the service routes with the second stage (routing.strategy); these are the vote's settings, used by strategy "knn". Retrain the second stage on these labels with npm run calibrate -- --from-feedback`,
        ]
      : []),
    line("current", result.current),
    chosen ? line("chosen", chosen) : `chosen   none: no setting's bound reaches ${target.targetQuality} with ${rows.length} rows; nothing written`,
    `downgrades at ${chosen ? "the chosen" : "the current"} setting: ${result.downgrades.map((d) => `${d.tier} ${d.downgraded}/${d.n} (bound ${pct(d.upper)})`).join(", ")}`,
    chosen
      ? written
        ? `wrote routing.k, routing.margin, routing.minSimilarity to ${options.configFile}; restart the service to use them`
        : `(--write puts routing.k, routing.margin, routing.minSimilarity into ${options.configFile})`
      : "",
  ].filter((l) => l !== "");
  return { result, text: text.join("\n"), written };
}
