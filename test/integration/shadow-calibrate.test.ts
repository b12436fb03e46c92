/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// First: the app's modules extend zod for OpenAPI before any schema is built (src/http/rules-handlers.ts needs it).
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";
import { createClient } from "../../src/http/client/index.js";
import { calibrateFromFeedback } from "../../src/http/cli/calibrate-client.js";
import { report } from "../../src/http/cli/report-client.js";
import { parseConfig } from "../../src/base/config/load-config.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { call, metric } from "../helpers/http.js";

const ANALYST = "analyst-token-0123456789";
const FEEDBACK = "feedback-token-0123456789";
const env = { TIERLINE_ANALYST_TOKEN: ANALYST, TIERLINE_FEEDBACK_TOKEN: FEEDBACK };
const tiers = ["fast", "standard", "premium"];
const price: Record<string, number> = { fast: 0.2, standard: 1, premium: 10 };

/** The first rows of the labelled dev set: a generated log of labelled traffic. */
const labelled = readFileSync(new URL("../data/dev.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .slice(0, 120)
  .map((l) => JSON.parse(l) as { query: string; tier: string });

// Shadow mode collects labels; the report and calibrate --from-feedback use them.
describe.each(databaseTargets())("shadow mode and calibration from feedback on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;
  let server: ServerType;
  let baseUrl: string;
  const decisions: any[] = [];

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env, config: { shadow: { enabled: true } } });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [i, row] of labelled.entries()) {
      decisions.push((await call(service.app, "POST", "/route", { json: { query: row.query, tags: [i % 2 === 0 ? "team-a" : "team-b"] } })).body);
    }
  });
  afterAll(async () => {
    server?.close();
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("answers the shadow tier with reason shadow and the routed tier in shadowOf; counted apart in stats and metrics", async () => {
    for (const d of decisions) {
      expect(d).toMatchObject({ tier: "premium", model: service.config.tiers[2]!.model, reason: "shadow" });
      expect(tiers).toContain(d.shadowOf);
    }
    expect(new Set(decisions.map((d) => d.shadowOf)).size).toBeGreaterThan(1);
    // Per request: off for one call; the cache kept the routed verdict, not the shadow answer.
    const live = (await call(service.app, "POST", "/route", { json: { query: labelled[0]!.query, shadow: false } })).body;
    expect(live).toMatchObject({ tier: decisions[0].shadowOf, cached: true });
    expect(live.reason).not.toBe("shadow");
    expect(live.shadowOf).toBeUndefined();

    // /stats waits at most 300 ms for pending counts (then answers from what is written): on a loaded machine the
    // 120 rows could take longer, so the test writes them first.
    await service.deps.statsRecorder.flush();
    const routing = (await call(service.app, "GET", "/stats/routing", { token: ANALYST })).body;
    expect(routing.reasons.shadow).toBe(labelled.length);
    expect(routing.tierMix.premium.requests).toBeGreaterThanOrEqual(labelled.length);
    expect(routing.fallbackRate).toBeCloseTo((routing.requests - routing.reasons.shadow - (routing.reasons.knn ?? 0)) / routing.requests, 10);
    const text = (await call(service.app, "GET", "/metrics")).body as string;
    expect(metric(text, "tierline_decisions_total", { reason: "shadow" })).toBe(labelled.length);
    expect(metric(text, "tierline_shadow_decisions_total")).toBe(labelled.length);
    for (const t of tiers) expect(metric(text, "tierline_shadow_decisions_total", { routed_tier: t })).toBe(decisions.filter((d) => d.shadowOf === t).length);
  });

  it("turns on per request when the config has it off", async () => {
    const other = await target.open();
    const s = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env });
    const d = (await call(s.app, "POST", "/route", { json: { query: "What is the capital city of Ghana?", shadow: true } })).body;
    expect(d).toMatchObject({ tier: "premium", reason: "shadow", shadowOf: "fast" });
    await s.deps.decisionLog.flush();
    expect((await s.deps.decisionLog.find([d.decisionId])).get(d.decisionId)).toMatchObject({
      tier: "premium",
      reason: "shadow",
      shadowOf: "fast",
      shadowReason: "knn",
      profile: "default",
    });
    // The caller's own limits still bound the shadow answer.
    const bounded = (await call(s.app, "POST", "/route", { json: { query: "What is the capital city of Ghana?", shadow: true, maxTier: "standard" } })).body;
    expect(bounded).toMatchObject({ tier: "standard", reason: "shadow", shadowOf: "fast", constrainedBy: "maxTier" });
    await s.deps.lifecycle.stop();
    await other.close();
  });

  it("with labels as feedback, the report gives savings and quality per tier and tag, with intervals", async () => {
    // Label collection: an evaluator judges each premium answer and names the cheapest tier that would have done
    // (ok + correctTier premium: premium was needed; overkill + a cheaper correctTier).
    const lines = decisions.map((d, i) => {
      const label = labelled[i]!.tier;
      return JSON.stringify({ decisionId: d.decisionId, verdict: label === "premium" ? "ok" : "overkill", correctTier: label, query: labelled[i]!.query });
    });
    const imported = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body: lines.join("\n"), contentType: "application/x-ndjson" });
    expect(imported.body).toMatchObject({ lines: labelled.length, created: labelled.length, notFound: [], invalid: [], conflicts: [] });

    const served = decisions.filter((d, i) => tiers.indexOf(d.shadowOf) >= tiers.indexOf(labelled[i]!.tier)).length;
    const cost = decisions.reduce((s, d) => s + price[d.shadowOf]! / 10, 0) / decisions.length;
    const res = await call(service.app, "GET", "/stats/shadow", { token: ANALYST });
    expect(res.status).toBe(200);
    const shadow = res.body.shadow;
    expect(shadow).toMatchObject({ decisions: labelled.length, share: 1 });
    expect(shadow.relativeCost).toBeCloseTo(cost, 10);
    expect(shadow.savings).toBeCloseTo(1 - cost, 10);
    expect(shadow.costInterval[0]).toBeLessThan(cost);
    expect(shadow.costInterval[1]).toBeGreaterThan(cost);
    expect(shadow.quality).toMatchObject({ n: labelled.length, served, failed: labelled.length - served, unknown: 0 });
    expect(shadow.quality.interval[0]).toBeLessThan(shadow.quality.rate);
    expect(shadow.quality.interval[1]).toBeGreaterThan(shadow.quality.rate);
    for (const t of tiers) expect(shadow.byTier[t].decisions).toBe(decisions.filter((d) => d.shadowOf === t).length);
    expect(shadow.byTag["team-a"].decisions + shadow.byTag["team-b"].decisions).toBe(labelled.length);
    expect(shadow.byTag["team-a"].quality.n).toBe(labelled.length / 2);
    expect(res.body.live.quality).toBeNull();

    const text = await report({ client: createClient({ baseUrl, token: ANALYST }) });
    expect(text).toContain(`Shadow mode: ${labelled.length} decisions answered premium`);
    expect(text).toMatch(/team-a/);
    expect(text).toMatch(/Feedback: 120 reports/);
    expect(text).toMatch(/Drift \(per UTC day\)/);
  });

  it("tierline calibrate --from-feedback applies the risk-controlled rule to the labelled log and writes only with --write", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tierline-calibrate-"));
    const configFile = path.join(dir, "tierline.config.json");
    writeFileSync(configFile, JSON.stringify({ routing: { k: 7, margin: 0.17, minSimilarity: 0.3 }, port: 9999 }));
    const target = { targetQuality: 0.9, confidence: 0.9, method: "clopper-pearson" as const, criterion: "quality" as const };
    const options = { client: createClient({ baseUrl, token: ANALYST }), config: service.config, configFile, target };
    const dry = await calibrateFromFeedback({ ...options, write: false });
    expect(dry.result.n).toBe(labelled.length);
    expect(dry.result.labels).toEqual(Object.fromEntries(tiers.map((t) => [t, labelled.filter((r) => r.tier === t).length])));
    const chosen = dry.result.selection.chosen!;
    expect(chosen.lower).toBeGreaterThanOrEqual(0.9);
    expect(chosen.metrics.relativeCost).toBeLessThan(1);
    // The configured setting, evaluated on the same rows, is what the shadow report measured for routing.
    expect(dry.result.current.served).toBe(decisions.filter((d, i) => tiers.indexOf(d.shadowOf) >= tiers.indexOf(labelled[i]!.tier)).length);
    expect(dry.written).toBe(false);
    expect(JSON.parse(readFileSync(configFile, "utf8")).routing).toEqual({ k: 7, margin: 0.17, minSimilarity: 0.3 });
    expect(dry.text).toMatch(/calibrate --from-feedback: 120 decisions with feedback, 120 placed/);

    const written = await calibrateFromFeedback({ ...options, write: true });
    expect(written.written).toBe(true);
    const after = parseConfig(JSON.parse(readFileSync(configFile, "utf8")));
    expect(after.routing).toMatchObject(chosen.params);
    expect(after.port).toBe(9999);
    // A target the rows cannot support: nothing chosen, nothing written.
    const none = await calibrateFromFeedback({ ...options, target: { ...target, targetQuality: 0.999, confidence: 0.99 }, write: true });
    expect(none.result.selection.chosen).toBeNull();
    expect(none.text).toMatch(/nothing written/);
  });
});
