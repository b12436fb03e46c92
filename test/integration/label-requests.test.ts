/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { call } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const FEEDBACK = "feedback-token-0123456789";
const ANALYST = "analyst-token-0123456789";

// GET /feedback/requests: which logged decisions a label would help most, spread across tiers.
describe.each(databaseTargets())("label requests on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;
  const ids: Record<string, string> = {};
  const queries = [
    "What is the capital city of Italy?",
    "What is the capital of Germany?",
    "Write a Python function that merges two sorted lists",
    "Prove that there are infinitely many primes",
    "lorem ipsum dolor sit amet consectetur",
    "zxq vbnm plokij uhygtf",
  ];

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({
      database,
      encoder: defaultTestEncoder(),
      exemplars: sampleExemplars,
      env: { TIERLINE_FEEDBACK_TOKEN: FEEDBACK, TIERLINE_ANALYST_TOKEN: ANALYST },
      config: { decisions: { storeText: true }, routing: { ood: { enabled: true, minNearest: 0.4, minMeanSimilarity: 0, k: 3 } } },
    });
    for (const q of queries) ids[q] = (await call(service.app, "POST", "/route", { json: { query: q } })).body.decisionId;
    const labelled = await call(service.app, "POST", `/decisions/${ids[queries[0]!]}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } });
    expect(labelled.status).toBe(201);
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("lists unlabelled decisions, the doubtful and unfamiliar first, with why, the text when logged, every tier in turn", async () => {
    const res = await call(service.app, "GET", "/feedback/requests?limit=50", { token: FEEDBACK });
    expect(res.status).toBe(200);
    const requests: any[] = res.body.requests;
    expect(res.body.scanned).toBe(queries.length - 1);
    // The labelled decision is not asked for again.
    expect(requests.map((r) => r.decisionId)).not.toContain(ids[queries[0]!]);
    expect(requests).toHaveLength(queries.length - 1);
    for (const r of requests) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(queries).toContain(r.query);
    }
    const unfamiliar = requests.find((r) => r.query === "zxq vbnm plokij uhygtf");
    expect(unfamiliar.reason).toBe("out_of_distribution");
    expect(unfamiliar.why.join(" ")).toMatch(/went up without deciding|far from every exemplar/);
    // Tiers take turns: the first picks come from different tiers.
    const firstTiers = requests.slice(0, new Set(requests.map((r) => r.routed)).size).map((r) => r.routed);
    expect(new Set(firstTiers).size).toBe(firstTiers.length);
  });

  it("honours the limit and the window, and needs the feedback role", async () => {
    expect((await call(service.app, "GET", "/feedback/requests?limit=2", { token: FEEDBACK })).body.requests).toHaveLength(2);
    const past = await call(service.app, "GET", "/feedback/requests?from=2020-01-01&to=2020-01-02", { token: FEEDBACK });
    expect(past.body).toMatchObject({ scanned: 0, requests: [] });
    expect((await call(service.app, "GET", "/feedback/requests")).status).toBe(401);
    expect((await call(service.app, "GET", "/feedback/requests", { token: ANALYST })).status).toBe(403);
    const bad = await call(service.app, "GET", "/feedback/requests?limit=0", { token: FEEDBACK });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
  });
});
