import { calibrateFromLabels, type CalibrationResult } from "../calibration/calibrate-from-labels.js";
import { defaultKnnGrid, gridDepth, type KnnParams, type LabelledNeighbourhood } from "../calibration/knn-grid.js";
import type { OperatingPoint } from "../calibration/risk-rule.js";
import { fallbackTierOf, type Config } from "../config/config-schema.js";
import { getJson, type ClientOptions } from "./api.js";
import { writeRoutingValues } from "./config-file.js";

interface LabelPage {
  tiers: string[];
  decisions: number;
  withoutText: number;
  rows: Array<{ label: string; neighbors: Array<{ tier: string; similarity: number }> }>;
  nextCursor: string | null;
}

export interface CalibrateOptions extends ClientOptions {
  /** The config the service runs with (tiers, prices, current routing); --write updates its file. */
  config: Config;
  configFile: string;
  from?: string;
  to?: string;
  targetQuality: number;
  confidence: number;
  write: boolean;
}

/** Every labelled row of the window, page by page, from GET /stats/feedback/labels. */
export async function fetchLabelledRows(options: ClientOptions & { from?: string; to?: string; tiers: readonly string[] }) {
  const rows: LabelledNeighbourhood[] = [];
  let cursor: string | undefined;
  let page: LabelPage;
  do {
    page = await getJson<LabelPage>(options, "/stats/feedback/labels", { from: options.from, to: options.to, cursor, limit: 1000, depth: gridDepth(defaultKnnGrid) });
    if (page.tiers.join() !== options.tiers.join()) throw new Error(`the service's tiers (${page.tiers.join(", ")}) differ from the config file's (${options.tiers.join(", ")}): use the service's config file`);
    rows.push(...page.rows.map((r) => ({ label: r.label, neighbors: r.neighbors })));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { rows, decisions: page.decisions, withoutText: page.withoutText };
}

/**
 * `tierline calibrate --from-feedback`: the calibrate command's
 * risk-controlled rule on the decisions that have feedback, routed over
 * their neighbourhoods in the service's live exemplar set. The service sends
 * tiers and similarities only (no query text); the grid search runs here.
 * Writes the chosen routing.k / margin / minSimilarity only with --write.
 */
export async function calibrateFromFeedback(options: CalibrateOptions): Promise<{ result: CalibrationResult; text: string; written: boolean }> {
  const { config } = options;
  const tiers = config.tiers.map((t) => t.name);
  const { rows, decisions, withoutText } = await fetchLabelledRows({ ...options, tiers });
  if (rows.length === 0) throw new Error(`no labelled decisions in the window (${decisions} with feedback, ${withoutText} of them without text): send feedback with the query, or turn on decisions.storeText`);
  const { k, margin, minSimilarity } = config.routing;
  const target = { targetQuality: options.targetQuality, confidence: options.confidence };
  const result = calibrateFromLabels({ rows, tiers: config.tiers, fallbackTier: fallbackTierOf(config), current: { k, margin, minSimilarity }, target });
  const chosen = result.selection.chosen;
  const written = options.write && chosen !== null;
  if (written) writeRoutingValues(options.configFile, chosen.params);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const line = (name: string, p: OperatingPoint<KnnParams>) =>
    `${name.padEnd(8)} k=${p.params.k} margin=${p.params.margin.toFixed(2)} floor=${p.params.minSimilarity}: quality ${p.quality.toFixed(3)} (lower bound ${p.lower.toFixed(3)}), cost ${p.relativeCost.toFixed(3)} of always-${tiers[tiers.length - 1]}, traffic ${tiers.map((t) => `${t} ${pct(p.traffic[t] ?? 0)}`).join(" / ")}`;
  const text = [
    `calibrate --from-feedback: ${decisions} decisions with feedback, ${rows.length} placed (${withoutText} without text cannot be placed)`,
    `labels (the most capable tier each row's feedback leaves open): ${tiers.map((t) => `${t} ${result.labels[t] ?? 0}`).join(", ")}`,
    `target: quality >= ${options.targetQuality} with confidence ${options.confidence} (Clopper–Pearson lower bound; ${result.selection.tested.length} points tested)`,
    line("current", result.current),
    chosen ? line("chosen", chosen) : `chosen   none: no setting's lower bound reaches ${options.targetQuality} with ${rows.length} rows (all-served needs n >= ${Math.ceil(Math.log(1 - options.confidence) / Math.log(options.targetQuality))}); nothing written`,
    chosen ? (written ? `wrote routing.k, routing.margin, routing.minSimilarity to ${options.configFile}; restart the service to use them` : `(--write puts routing.k, routing.margin, routing.minSimilarity into ${options.configFile})`) : "",
  ].filter((l) => l !== "");
  return { result, text: text.join("\n"), written };
}
