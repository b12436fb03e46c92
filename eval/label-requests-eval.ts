/**
 * How many labels do label requests (GET /feedback/requests) save against
 * labelling decisions at random, for the same quality? On each outcome-
 * labelled source: the shipped router's view of every calibration row (its
 * confidence, reason and nearest similarity, as the decision log keeps them)
 * ranks the rows as the service does; calibrating on the first n requested
 * rows is compared with calibrating on n random rows (mean of draws), both
 * measured on the source's report rows. Writes docs/label-requests.json.
 *   npm run eval:label-requests -- [--sizes 100,250,500] [--draws 5] [--out-dir docs]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/base/config/load-config.js";
import { pickLabelRequests, type LabelCandidate } from "../src/stores/feedback/label-requests.js";
import { secondStageModelFor } from "../src/app/routers.js";
import { exactTierLikelihoods, tierByThresholds, tierRisks } from "../src/routing/second-stage/model.js";
import { gateVote } from "../src/routing/steps/second-stage.js";
import { isOutOfDistribution } from "../src/routing/ood.js";
import { fitArgs, fitOptionsFrom } from "./lib/calibration-options.js";
import { openLiveService } from "./lib/live-service.js";
import { loadRealInputs } from "./lib/real-inputs.js";
import { examplesOf } from "./lib/second-stage-training.js";
import { mulberry32, shuffle } from "./lib/stratified-folds.js";
import { fitSecondStageStrategy, routeWithFit } from "./lib/strategy-fit.js";
import { summarise } from "./lib/summary.js";

const { values } = parseArgs({
  options: { sizes: { type: "string", default: "100,250,500" }, draws: { type: "string", default: "5" }, "out-dir": { type: "string", default: "docs" } },
});
const sizes = values.sizes.split(",").map(Number);
const draws = Number(values.draws);
const config = loadConfig();
const live = await openLiveService(config);
try {
  const model = secondStageModelFor(config, live.deps.encoder.modelId)!;
  // As a user's own traffic: one source, held to the target on its own mix, every row counted.
  const fit = fitOptionsFrom(
    { ...Object.fromEntries(Object.entries(fitArgs).map(([k, v]) => [k, "default" in v ? v.default : undefined])), data: "own" },
    config,
    live.deps.encoder.modelId,
  );
  const inputs = await loadRealInputs(live, config, "test/data/outcomes");
  const ood = config.routing.ood;
  const result: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const source of [...new Set(inputs.rows.map((r) => r.source))].sort()) {
    const pool = inputs.rows.filter((r) => r.source === source && r.split === "calibration");
    const test = inputs.rows.filter((r) => r.source === source && r.split === "report");
    // The decision the shipped router logs for each pool row.
    const candidates: LabelCandidate[] = pool.map((r, i) => {
      const base = { decisionId: String(i), at: new Date(0), textHash: r.query, queryText: r.query, nearestSimilarity: r.neighbors[0]?.similarity ?? null };
      if (ood.enabled && isOutOfDistribution(r.neighbors, ood)) return { ...base, tier: "premium", routed: "premium", reason: "out_of_distribution", confidence: 0 };
      const gated = model.voteGate ? gateVote(r.neighbors, model.tiers, model.voteGate) : null;
      if (gated) return { ...base, tier: gated.tier, routed: gated.tier, reason: "knn", confidence: gated.confidence };
      const risks = tierRisks(model, examplesOf([r], model)[0]!.features);
      const t = tierByThresholds(risks, model.thresholds!);
      return { ...base, tier: model.tiers[t]!, routed: model.tiers[t]!, reason: "second_stage", confidence: exactTierLikelihoods(risks)[t]! };
    });
    const requested = pickLabelRequests(candidates, model.tiers, pool.length).map((c) => Number(c.decisionId));
    const measure = (picked: readonly number[]) => {
      const f = fitSecondStageStrategy(
        picked.map((i) => pool[i]!),
        inputs.exemplarRows,
        fit,
      );
      return summarise(
        routeWithFit(test, f, fit.setup, fit.tiers),
        test.map((r) => r.tier),
        fit.tiers,
      );
    };
    const bySize = sizes
      .filter((n) => n < pool.length)
      .map((n) => {
        const active = measure(requested.slice(0, n));
        const randoms = Array.from({ length: draws }, (_, d) =>
          measure(
            shuffle(
              pool.map((_, i) => i),
              mulberry32(n * 100 + d),
            ).slice(0, n),
          ),
        );
        const mean = (k: "quality" | "relativeCost") => randoms.reduce((s, r) => s + r[k], 0) / draws;
        return {
          labels: n,
          requested: { quality: active.quality, relativeCost: active.relativeCost },
          random: { quality: round(mean("quality")), relativeCost: round(mean("relativeCost")) },
        };
      });
    result[source] = { pool: pool.length, test: test.length, bySize };
    lines.push(`${source}: ${pool.length} rows to label from, ${test.length} report rows measured`);
    for (const s of bySize)
      lines.push(
        `  ${String(s.labels).padStart(4)} labels: requested quality ${s.requested.quality.toFixed(3)} cost ${s.requested.relativeCost.toFixed(3)}; random (mean of ${draws}) quality ${s.random.quality.toFixed(3)} cost ${s.random.relativeCost.toFixed(3)}`,
      );
  }
  mkdirSync(values["out-dir"], { recursive: true });
  writeFileSync(path.join(values["out-dir"], "label-requests.json"), JSON.stringify({ command: "npm run eval:label-requests", draws, result }, null, 1) + "\n");
  console.log(lines.join("\n"));
} finally {
  await live.close();
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
