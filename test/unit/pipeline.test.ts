import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { runSteps, type DecisionContext, type DecisionStep } from "../../src/routing/pipeline.js";
import { Router } from "../../src/routing/router.js";
import type { Policy } from "../../src/routing/steps/policy.js";
import { ExemplarIndex, ExemplarIndexRef } from "../../src/vector-index/exemplar-index.js";
import { HnswIndex } from "../../src/vector-index/hnsw-index.js";
import { axis, createFakeEncoder } from "../helpers/fake-encoder.js";

const blank = (): DecisionContext => ({ request: { query: "q" }, decisionId: "d-1", startedAt: 0, text: "q", truncated: false, index: null, revision: 3, cached: false, embedMs: 0, searchMs: 0 });
const step = (name: string, log: string[], decides = false): DecisionStep => ({
  name,
  run(ctx) {
    log.push(name);
    if (decides) ctx.verdict = { tier: name, confidence: 1, margin: 1, reason: "knn", revision: ctx.revision };
  },
});

describe("runSteps", () => {
  it("runs deciding steps until one decides, then every settling step", async () => {
    const log: string[] = [];
    const ctx = await runSteps(blank(), [step("a", log), step("b", log, true), step("c", log, true)], [step("s1", log), step("s2", log)]);
    expect(log).toEqual(["a", "b", "s1", "s2"]);
    expect(ctx.verdict.tier).toBe("b");
  });

  it("refuses a pipeline in which nothing decides", async () => {
    await expect(runSteps(blank(), [step("a", [])], [])).rejects.toThrow(/no step decided/);
  });
});

describe("Router policies", () => {
  const D = 8;
  const { tiers } = parseConfig({});

  async function router(policies: Policy[]) {
    const encoder = createFakeEncoder({ dimensions: D, vectors: { "fast one": axis(D, 0), "clearly fast": axis(D, 0, 1, 0.1) } });
    const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
    index.put({ id: 1, tier: "fast", text: "fast one" }, (await encoder.embed(["fast one"]))[0]!);
    const ref = new ExemplarIndexRef();
    ref.set(index);
    const calls = encoder.calls;
    const r = new Router({ encoder, index: ref, cache: null, policies, options: { k: 1, margin: 0.2, minSimilarity: 0.3, fallbackTier: "premium", tiers } });
    return { r, modelCalls: () => encoder.calls - calls };
  }

  it("lets a policy decide before the model runs, and passes to the vote when no policy decides", async () => {
    const pinned: Policy = (ctx) => (ctx.text.includes("contract") ? { tier: "standard", confidence: 1, margin: 1, reason: "knn", revision: ctx.revision } : undefined);
    const { r, modelCalls } = await router([pinned]);
    expect(await r.route({ query: "review this contract" })).toMatchObject({ tier: "standard", model: tiers[1]!.model });
    expect(modelCalls()).toBe(0);
    expect(await r.route({ query: "clearly fast" })).toMatchObject({ tier: "fast", reason: "knn" });
    expect(modelCalls()).toBe(1);
  });
});
