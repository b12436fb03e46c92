import type { ParseArgsConfig } from "node:util";
import { fallbackTierOf, type Config } from "../../src/base/config/config-schema.js";
import type { BoundMethod } from "./bounds.js";
import { defaultRealDataDir } from "./real-data.js";
import type { RiskTarget } from "./risk-control.js";
import { defaultRecipe } from "./second-stage-training.js";
import { defaultKnnGrid } from "./strategies.js";
import type { FitOptions } from "./strategy-fit.js";

/** Command-line options shared by `calibrate` and `eval:real` (one definition, so both fit the same way). */
export const fitArgs = {
  data: { type: "string", default: defaultRealDataDir },
  "target-quality": { type: "string", default: "0.95" },
  confidence: { type: "string", default: "0.95" },
  criterion: { type: "string" },
  scope: { type: "string" },
  bound: { type: "string", default: "clopper-pearson" },
  "ood-percentile": { type: "string", default: "1" },
  "exemplar-weight": { type: "string", default: "0" },
  l2: { type: "string", default: "10" },
  folds: { type: "string", default: "5" },
  seed: { type: "string", default: "1" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

type FitArgValues = { [K in keyof typeof fitArgs]?: string };

export class UsageError extends Error {}

function numberArg(values: FitArgValues, name: keyof typeof fitArgs, ok: (n: number) => boolean): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name}: invalid value "${values[name]}"`);
  return n;
}

/** The fit options the arguments describe; throws UsageError naming the bad argument. */
/**
 * The fit options the arguments describe; throws UsageError naming the bad
 * argument. Defaults depend on the data: the shipped outcome sets (several
 * sources, labels judged against the strongest model) are held to the
 * target on each source and on the rows the model decides; one's own
 * traffic (one source) on its own tier mix and on every row.
 */
export function fitOptionsFrom(values: FitArgValues, config: Config, embeddingModel: string, from: { feedback?: boolean } = {}): FitOptions {
  const shipped = !from.feedback && (values.data === undefined || values.data === defaultRealDataDir);
  const criterion = (values.criterion ?? (shipped ? "per-source" : "quality")) as RiskTarget["criterion"];
  if (!["quality", "uniform-mix", "any-mix", "per-source"].includes(criterion!)) throw new UsageError(`--criterion: one of quality, per-source, uniform-mix, any-mix`);
  const scope = values.scope ?? (shipped ? "model" : "all");
  if (scope !== "model" && scope !== "all") throw new UsageError(`--scope: model or all`);
  const method = values.bound as BoundMethod;
  if (!["clopper-pearson", "wilson"].includes(method)) throw new UsageError(`--bound: clopper-pearson or wilson`);
  const tierNames = config.tiers.map((t) => t.name);
  return {
    tiers: config.tiers,
    setup: { tiers: tierNames, fallbackTier: fallbackTierOf(config) },
    target: {
      targetQuality: numberArg(values, "target-quality", (n) => n > 0 && n < 1),
      confidence: numberArg(values, "confidence", (n) => n > 0 && n < 1),
      method,
      criterion,
    },
    oodPercentile: numberArg(values, "ood-percentile", (n) => n >= 0 && n < 50),
    oodK: config.routing.ood.k,
    knnGrid: defaultKnnGrid,
    recipe: { ...defaultRecipe(tierNames), l2: numberArg(values, "l2", (n) => n >= 0) },
    exemplarWeight: numberArg(values, "exemplar-weight", (n) => n >= 0),
    folds: numberArg(values, "folds", (n) => Number.isInteger(n) && n >= 2),
    seed: numberArg(values, "seed", Number.isInteger),
    embeddingModel,
    scope,
  };
}
