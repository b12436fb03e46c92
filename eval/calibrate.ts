/**
 * Risk-controlled calibration (issue 12): picks the cheapest operating point
 * whose lower confidence bound on quality, over the calibration rows of the
 * labelled real prompts, reaches the target, with the exemplar set the
 * service routes with (read from its database: DATABASE_URL, or the PGlite
 * in dataDir; stop a PGlite service first). Prints the chosen setting and
 * writes nothing unless --write.
 *   npm run calibrate -- [--strategy knn|second-stage] [--target-quality 0.95] [--confidence 0.95]
 *                        [--criterion quality|per-source|any-mix|uniform-mix] [--scope all|model]
 *                        [--data test/data/outcomes | own.jsonl] [--write] [--config tierline.config.json]
 *                        [--model-out models/second-stage.json] [--skip-efficiency] [--json]
 * Defaults: on the shipped outcome data, quality >= 0.95 on each source (per-source) on the rows the model
 * decides (scope model); on your own traffic (a file or --from-feedback), quality >= 0.95 on its own tier
 * mix (quality) on every row (scope all), and the label-efficiency curve at 100/250/500/1,000 labels.
 * `npm run train-router` is the same with --strategy second-stage: it trains the second stage
 * on the calibration rows (cross-fitted, so its operating point is chosen on risks no model saw the label of).
 * --from-feedback [--from D] [--to D] takes the rows from the service's own traffic instead: the logged
 * decisions with feedback (default the last 30 days), each labelled with the most capable tier its feedback
 * leaves open, with their text from the report or the log (README "Calibration on your own traffic").
 */
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadConfig } from "../src/base/config/load-config.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { runCalibrate } from "./lib/calibrate-command.js";
import { fitArgs, fitOptionsFrom, UsageError } from "./lib/calibration-options.js";
import { formatCalibration } from "./lib/calibration-report.js";
import { readFeedbackRows } from "./lib/feedback-data.js";
import { createProgressBar } from "./lib/progress-bar.js";

const usage =
  "usage: npm run calibrate -- [--strategy knn|second-stage] [--target-quality Q] [--confidence C] [--criterion quality|per-source|any-mix|uniform-mix] [--scope all|model] [--data dir|file.jsonl | --from-feedback [--from D] [--to D]] [--write] [--config file] [--model-out file] [--skip-efficiency] [--json]";
const { values } = parseOrExit({
  options: {
    ...fitArgs,
    strategy: { type: "string" },
    config: { type: "string" },
    write: { type: "boolean", default: false },
    "model-out": { type: "string" },
    json: { type: "boolean", default: false },
    "from-feedback": { type: "boolean", default: false },
    "skip-efficiency": { type: "boolean", default: false },
    from: { type: "string" },
    to: { type: "string" },
  },
});
/** parseArgs, with its errors (an unknown option, a missing value) as one line and the usage instead of a stack trace. */
function parseOrExit<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) throw err;
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
const configFile = path.resolve(values.config ?? process.env.TIERLINE_CONFIG ?? "tierline.config.json");
const config = loadConfig({ ...process.env, TIERLINE_CONFIG: configFile });
const strategy = values.strategy ?? config.routing.strategy;
let fit;
try {
  if (strategy !== "knn" && strategy !== "second-stage") throw new UsageError("--strategy: knn or second-stage");
  fit = fitOptionsFrom(values, config, createEncoder(config).modelId, { feedback: values["from-feedback"] });
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}

const to = values.to ? new Date(values.to) : new Date();
const from = values.from ? new Date(values.from) : new Date(to.getTime() - 30 * 86_400_000);
if (values["from-feedback"] && (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)) {
  console.error(`--from and --to: dates with --from before --to\n${usage}`);
  process.exit(2);
}
let feedbackCounts: { decisions: number; withoutText: number } | undefined;
const result = await runCalibrate({
  config,
  configFile,
  strategy,
  fit,
  data: values["from-feedback"]
    ? async (live) => {
        const read = await readFeedbackRows(live, config, { from, to });
        feedbackCounts = { decisions: read.decisions, withoutText: read.withoutText };
        return read.rows;
      }
    : values.data,
  write: values.write,
  modelFile: values["model-out"] ?? config.routing.secondStage.modelFile,
  progress: (label) => createProgressBar(label),
  efficiency: !values["skip-efficiency"],
});
if (values.json) {
  const { fit: f, ...rest } = result;
  const fitted = {
    chosen: f.selection.chosen,
    tested: f.selection.tested.length,
    downgrades: f.downgrades,
    ood: f.ood,
    model: f.strategy === "second-stage" ? f.model : undefined,
  };
  process.stdout.write(JSON.stringify({ ...rest, configFile, target: fit.target, fitted }, null, 1) + "\n");
} else {
  if (feedbackCounts)
    console.log(
      `from feedback: ${feedbackCounts.decisions} decisions with feedback ${from.toISOString().slice(0, 10)} .. ${to.toISOString().slice(0, 10)}, ${feedbackCounts.withoutText} without text left out`,
    );
  console.log(formatCalibration(result, { configFile, fit, write: values.write, modelFile: values["model-out"] ?? config.routing.secondStage.modelFile }));
}
if (!result.fit.selection.chosen) process.exitCode = 1;
