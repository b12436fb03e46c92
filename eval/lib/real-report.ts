import type { Config } from "../../src/base/config/config-schema.js";
import type { Decision, DecisionReason } from "../../src/routing/decision.js";
import { fitForQuality, lengthCandidates, routeByLength } from "./length-baseline.js";
import { leaveOneSourceOut, type Strategy } from "./loso.js";
import { cheapestRandomMixCost, routeAtRandomMix, tierMix } from "./random-baseline.js";
import type { RealInputs } from "./real-inputs.js";
import { fitKnn, fitSecondStageStrategy, routeWithFit, type FitOptions } from "./strategy-fit.js";
import { summarise, type Summary } from "./summary.js";

export const strategies: readonly Strategy[] = ["knn", "second-stage"];
/** Targets swept under leave-one-source-out to compare the strategies at the same realised quality. */
export const targetSweep = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98];

export interface ServiceRun {
  summary: Summary;
  /** The same decisions, per source (when the rows name one). */
  bySource: Record<string, Summary>;
  reasons: Partial<Record<DecisionReason, number>>;
  outOfDistributionRate: number;
}

/** Routes queries through a service router (the one the config builds), one at a time, as POST /route would. */
export async function runThroughRouter(
  router: { route(request: { query: string }): Promise<Decision> },
  rows: ReadonlyArray<{ query: string; tier: string; source?: string }>,
  config: Config,
): Promise<ServiceRun> {
  const routed: string[] = [];
  const reasons: Partial<Record<DecisionReason, number>> = {};
  for (const r of rows) {
    const d = await router.route({ query: r.query });
    routed.push(d.tier);
    reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
  }
  const summary = summarise(
    routed,
    rows.map((r) => r.tier),
    config.tiers,
  );
  const bySource: Record<string, Summary> = {};
  for (const source of [...new Set(rows.flatMap((r) => (r.source ? [r.source] : [])))].sort()) {
    const of = rows.flatMap((r, i) => (r.source === source ? [i] : []));
    bySource[source] = summarise(
      of.map((i) => routed[i]!),
      of.map((i) => rows[i]!.tier),
      config.tiers,
    );
  }
  return { summary, bySource, reasons, outOfDistributionRate: (reasons.out_of_distribution ?? 0) / Math.max(1, rows.length) };
}

/**
 * Both strategies calibrated on every calibration row (as `npm run
 * calibrate` does), measured on the report rows, with the baselines fitted on
 * the same calibration rows: always the fallback tier, random at the router's
 * own tier mix (its expected confusion matrix), and word-count cuts fitted for
 * the target quality.
 */
export function reportSplit(inputs: RealInputs, options: FitOptions, routerStrategy: Strategy) {
  const cal = inputs.rows.filter((r) => r.split === "calibration");
  const rep = inputs.rows.filter((r) => r.split === "report");
  const labels = rep.map((r) => r.tier);
  const fits = { knn: fitKnn(cal, options), "second-stage": fitSecondStageStrategy(cal, inputs.exemplarRows, options) };
  const routed = { knn: routeWithFit(rep, fits.knn, options.setup, options.tiers), "second-stage": routeWithFit(rep, fits["second-stage"], options.setup, options.tiers) };
  const names = options.setup.tiers;
  const candidates = lengthCandidates(
    cal.map((r) => ({ text: r.query, tier: r.tier })),
    options.tiers,
  );
  const lengthFit = fitForQuality(candidates, options.target.targetQuality);
  const routerMix = tierMix(routed[routerStrategy], names);
  const baselines: Record<string, Summary> = {
    [`always ${options.setup.fallbackTier}`]: summarise(
      labels.map(() => options.setup.fallbackTier),
      labels,
      options.tiers,
    ),
    "random at the router's tier mix": summarise(routeAtRandomMix(labels, routerMix, names), labels, options.tiers),
  };
  if (lengthFit) {
    baselines[`length, word cuts ${lengthFit.thresholds.cuts.join("/")} fitted on calibration rows for quality ${options.target.targetQuality}`] = summarise(
      rep.map((r) => routeByLength(r.query, lengthFit.thresholds, names)),
      labels,
      options.tiers,
    );
  }
  return {
    fits,
    routed,
    methods: { knn: summarise(routed.knn, labels, options.tiers), "second-stage": summarise(routed["second-stage"], labels, options.tiers) },
    baselines,
    candidates,
  };
}

/**
 * What the naive routers cost on these rows at a given quality, each tuned in
 * hindsight on the very rows measured (so the comparison flatters them): the
 * cheapest fixed random mix, and the cheapest word-count cuts.
 */
export function baselinesAtQuality(
  rows: ReadonlyArray<{ query: string; tier: string }>,
  tiers: FitOptions["tiers"],
  quality: number,
): { random: number | null; length: number | null } {
  const labels = rows.map((r) => r.tier);
  // Every pair of word-count cuts over thousands of rows: computed once per set of rows.
  const key = `${rows.length}\u0000${rows[0]?.query ?? ""}\u0000${rows.at(-1)?.query ?? ""}`;
  let candidates = lengthCache.get(key);
  if (!candidates)
    lengthCache.set(
      key,
      (candidates = lengthCandidates(
        rows.map((r) => ({ text: r.query, tier: r.tier })),
        tiers,
      )),
    );
  const length = fitForQuality(candidates, quality);
  return { random: cheapestRandomMixCost(labels, tiers, quality), length: length ? Math.round(length.train.relativeCost * 1e4) / 1e4 : null };
}

const lengthCache = new Map<string, ReturnType<typeof lengthCandidates>>();

export type HeldOutSummary = Summary & { setting: string; atSameQuality: { random: number | null; length: number | null } };

/** Leave-one-source-out at the given target: pooled and per source, per strategy, with the naive routers' cost at each source's realised quality. */
export function losoAt(inputs: RealInputs, options: FitOptions, withBaselines = true) {
  const held = leaveOneSourceOut(inputs.rows, inputs.exemplarRows, options, strategies);
  const out: Record<Strategy, { pooled: Summary; perSource: Record<string, HeldOutSummary> }> = {} as never;
  for (const s of strategies) {
    const perSource: Record<string, HeldOutSummary> = {};
    for (const h of held) {
      const chosen = h.fits[s]?.selection.chosen;
      const setting = chosen ? JSON.stringify(chosen.params) : "none passes: all to the fallback tier";
      const summary = summarise(h.routed[s], h.labels, options.tiers);
      const rows = inputs.rows.filter((r) => r.source === h.source);
      perSource[h.source] = { ...summary, setting, atSameQuality: withBaselines ? baselinesAtQuality(rows, options.tiers, summary.quality) : { random: null, length: null } };
    }
    out[s] = {
      pooled: summarise(
        held.flatMap((h) => h.routed[s]),
        held.flatMap((h) => h.labels),
        options.tiers,
      ),
      perSource,
    };
  }
  return out;
}

/** The leave-one-source-out curve of each strategy: pooled quality and cost as the calibration target moves. */
export function losoCurves(inputs: RealInputs, options: FitOptions, targets = targetSweep) {
  return targets.map((targetQuality) => {
    const at = losoAt(inputs, { ...options, target: { ...options.target, targetQuality } }, false);
    return { targetQuality, knn: at.knn.pooled, "second-stage": at["second-stage"].pooled };
  });
}
