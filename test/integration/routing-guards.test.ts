/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { modelFormat } from "../../src/routing/second-stage/model.js";
import { SecondStageMismatchError, SecondStageModelError } from "../../src/routing/second-stage/second-stage-file.js";
import { secondStageModelFor } from "../../src/app/routers.js";
import { databaseTargets } from "../helpers/databases.js";
import { buildTestDeps, defaultTestEncoder, sampleExemplars, startTestService, testConfig, type TestService } from "../helpers/runtime.js";

const ANALYST = "analyst-token-0123456789";
const inDistribution = "What is the capital city of Italy?";
// Nearest sample exemplar at cosine ~0.35 with the default model, against ~0.75 for the question above.
const unlikeAnything = "lorem ipsum dolor sit amet consectetur";

/** Sums the samples of one Prometheus metric whose labels include the given ones. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#") && (l.startsWith(`${name}{`) || l.startsWith(`${name} `)))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/** A second-stage model that reads only the maths flag of the text, for the real default model's neighborhoods. */
function mathsModelFile(embeddingModel: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tierline-model-")), "second-stage.json");
  const model = {
    format: modelFormat,
    tiers: ["fast", "standard", "premium"],
    ks: [3, 7],
    features: [{ name: "text.math", mean: 0, sd: 1 }],
    boundaries: [
      { above: "fast", bias: -4, weights: { "text.math": 8 } },
      { above: "standard", bias: -4, weights: { "text.math": 6 } },
    ],
    thresholds: [0.05, 0.05],
    embeddingModel,
  };
  writeFileSync(file, JSON.stringify(model));
  return file;
}

describe.each(databaseTargets())("routing guards and strategies on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({
      database,
      encoder,
      exemplars: sampleExemplars,
      env: { TIERLINE_ANALYST_TOKEN: ANALYST },
      config: { routing: { strategy: "knn", ood: { enabled: true, minNearest: 0.6, minMeanSimilarity: -1, k: 7 } } },
    });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("answers out_of_distribution for a query unlike the calibration data, and counts it in /stats/routing and /metrics", async () => {
    const known: any = await (await service.route({ query: inDistribution })).json();
    expect(known.reason).not.toBe("out_of_distribution");
    const first: any = await (await service.route({ query: unlikeAnything, explain: true })).json();
    expect(first).toMatchObject({ tier: "premium", reason: "out_of_distribution", cached: false });
    expect(first.neighbors.length).toBeGreaterThan(0);
    const again: any = await (await service.route({ query: unlikeAnything })).json();
    expect(again).toMatchObject({ tier: "premium", reason: "out_of_distribution", cached: true });

    const stats: any = await (await service.app.request("/stats/routing", { headers: { authorization: `Bearer ${ANALYST}` } })).json();
    expect(stats.requests).toBe(3);
    expect(stats.reasons.out_of_distribution).toBe(2);
    expect(stats.outOfDistributionRate).toBeCloseTo(2 / 3, 10);
    expect(stats.fallbackRate).toBeGreaterThanOrEqual(2 / 3 - 1e-10);

    const text = await (await service.app.request("/metrics")).text();
    expect(metric(text, "tierline_out_of_distribution_total")).toBe(2);
    expect(metric(text, "tierline_decisions_total", { reason: "out_of_distribution", tier: "premium" })).toBe(2);
  });

  it("routes with a second-stage model file when routing.strategy is second-stage", async () => {
    await encoder.load();
    const modelFile = mathsModelFile(encoder.modelId);
    const db = await target.open();
    const s = await startTestService({ database: db, encoder, exemplars: sampleExemplars, config: { routing: { strategy: "second-stage", secondStage: { modelFile } } } });
    try {
      const easy: any = await (await s.route({ query: "Who wrote Hamlet?" })).json();
      expect(easy).toMatchObject({ tier: "fast", reason: "second_stage" });
      const hard: any = await (await s.route({ query: "Prove the theorem: derive the integral and solve the equation for x" })).json();
      expect(hard).toMatchObject({ tier: "premium", reason: "second_stage" });
      // The analysts' view counts neither as a fallback (migration 0007), as isFallback does.
      await s.deps.statsRecorder.flush();
      const result: any = await db.db.execute(sql`select requests::int, all_fallbacks::int from v_fallback_rate_daily`);
      expect((result.rows ?? result)[0]).toEqual({ requests: 2, all_fallbacks: 0 });
    } finally {
      await s.deps.lifecycle.stop();
      await db.close();
    }
  });

  it("routes with the vote, and says so, when the model was trained on another embedding model", async () => {
    const config = testConfig({ routing: { strategy: "second-stage", secondStage: { modelFile: mathsModelFile("some-other-model@1") } } });
    expect(() => secondStageModelFor(config, encoder.modelId)).toThrow(SecondStageMismatchError);
    const deps = await buildTestDeps({ config, database, encoder });
    try {
      await deps.lifecycle.start();
      const d = await deps.router.route({ query: inDistribution });
      expect(d.reason).not.toBe("second_stage");
    } finally {
      await deps.lifecycle.stop();
    }
  });

  it("refuses to start with a model file it cannot read", async () => {
    const config = testConfig({ routing: { strategy: "second-stage", secondStage: { modelFile: path.join(tmpdir(), "no-such-model.json") } } });
    await expect(buildTestDeps({ config, database, encoder })).rejects.toThrow(SecondStageModelError);
  });
});
