/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { openDatabase } from "../../src/adapters/db/client.js";
import { startTestService, type TestService } from "../helpers/runtime.js";

/**
 * Common sense on the shipped defaults (issue 19): a panel of everyday
 * queries with an obvious tier, written for this test and never used to
 * train or calibrate anything (test/fixtures/everyday-panel.jsonl): greetings,
 * thanks, one-line facts, conversions and one-word translations must go to
 * the cheapest tier; proofs, system designs and multi-part analyses to
 * premium; everyday tasks mostly to the middle.
 */
const panel = readFileSync("test/fixtures/everyday-panel.jsonl", "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as { kind: "trivial" | "everyday" | "hard"; query: string });
const shipped = JSON.parse(readFileSync("tierline.config.json", "utf8")) as Record<string, unknown>;

describe("the shipped defaults on an everyday panel", () => {
  let database: DatabaseHandle;
  let service: TestService;
  const tiers: Record<string, string[]> = { trivial: [], everyday: [], hard: [] };
  const reasons: string[] = [];

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    // tierline.config.json as `npm start` reads it: the second stage, its model file, the OOD guard; the shipped exemplars.
    service = await startTestService({ database, config: { ...shipped, port: undefined, exemplarsDir: "exemplars" } });
    for (const p of panel) {
      const d = (await (await service.route({ query: p.query })).json()) as any;
      tiers[p.kind]!.push(d.tier);
      reasons.push(d.reason);
    }
  }, 300_000);
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const share = (kind: string, tier: string) => tiers[kind]!.filter((t) => t === tier).length / tiers[kind]!.length;

  it("runs the panel on the shipped strategy", () => {
    expect(service.config.routing.strategy).toBe("second-stage");
    expect(panel.filter((p) => p.kind === "trivial").length).toBeGreaterThanOrEqual(20);
    expect(panel.filter((p) => p.kind === "hard").length).toBeGreaterThanOrEqual(10);
  });

  it("sends at least 60% of trivial queries to the cheapest tier and at most 10% to premium", () => {
    expect(share("trivial", "fast")).toBeGreaterThanOrEqual(0.6);
    expect(share("trivial", "premium")).toBeLessThanOrEqual(0.1);
  });

  it("sends at least 90% of proofs, designs and multi-part analyses to premium", () => {
    expect(share("hard", "premium")).toBeGreaterThanOrEqual(0.9);
  });

  it("sends at most half of everyday tasks to premium", () => {
    expect(share("everyday", "premium")).toBeLessThanOrEqual(0.5);
  });

  it("uses every configured tier, and none of it as a fallback", () => {
    for (const tier of ["fast", "standard", "premium"]) expect(Object.values(tiers).flat()).toContain(tier);
    expect(reasons.filter((r) => r === "low_confidence_fallback")).toEqual([]);
  });

  it("reports no unreachable tier", async () => {
    expect(service.deps.router.unreachableTiers()).toEqual([]);
  });
});
