/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, easyQuestion, hardQuestion, startGatewayService, type GatewayTestService } from "../helpers/gateway.js";

const KEY = "sk-test-SECRET-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ANALYST = "analyst-token-0123456789abcdef";

// The gateway's happy paths, refusals, key handling and usage accounting, through app.request() with the real model.
describe.each(databaseTargets())("gateway forwarding on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  const fast = new FakeUpstream();
  const standard = new FakeUpstream();
  const premiumA = new FakeUpstream();
  const premiumB = new FakeUpstream();
  const fakes = [fast, standard, premiumA, premiumB];
  const logLines: string[] = [];

  beforeAll(async () => {
    await Promise.all(fakes.map((f) => f.start()));
    database = await target.open();
    const capture = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    service = await startGatewayService({
      database,
      // A plain pino logger, not the service's own: this proves the gateway never hands the key to a logger.
      logger: pino({ level: "debug" }, capture),
      env: { PREMIUM_KEY: KEY, TIERLINE_ANALYST_TOKEN: ANALYST },
      config: {
        tiers: [
          { name: "fast", model: "fast-model", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: fast.baseUrl, model: "fast-a" }], fallbackTiers: ["standard"] },
          { name: "standard", model: "standard-model", pricePer1MTokens: 1, upstreams: [{ baseUrl: standard.baseUrl, model: "standard-a" }], fallbackTiers: ["premium"] },
          {
            name: "premium",
            model: "premium-model",
            pricePer1MTokens: 10,
            upstreams: [
              { baseUrl: premiumA.baseUrl, model: "premium-a", apiKeyEnv: "PREMIUM_KEY" },
              { baseUrl: premiumB.baseUrl, model: "premium-b", name: "premium-backup" },
            ],
          },
        ],
        profiles: { support: { tiers: ["standard", "premium"] } },
      },
    });
  });
  afterAll(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
    await Promise.all(fakes.map((f) => f.stop()));
  });
  beforeEach(() => {
    for (const f of fakes) f.script = {};
  });

  it("routes on the last user message, forwards the whole request to the chosen tier's upstream and returns its bytes unchanged", async () => {
    const body = {
      ...ask(easyQuestion),
      temperature: 0.3,
      max_tokens: 50,
      user: "u-1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: easyQuestion },
      ],
    };
    const before = fast.seen;
    const res = await service.chat(body, { headers: { "x-session-id": "s-42", "x-tierline-tags": "support, beta" } });
    expect(res.status).toBe(200);
    const seen = fast.requests[before]!;
    expect(seen.body).toEqual({ ...body, model: "fast-a" });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.concat(seen.sent));
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.headers.get("x-tierline-tier")).toBe("fast");
    expect(res.headers.get("x-tierline-reason")).toBe("knn");
    expect(res.headers.get("x-tierline-served-tier")).toBe("fast");
    expect(res.headers.get("x-tierline-upstream")).toBe("fast/0");
    expect(res.headers.get("x-tierline-attempts")).toBe("fast/0=ok");
    expect(res.headers.get("x-tierline-decision-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    // The same decision POST /route makes for that text.
    const decision: any = await (await service.route({ query: easyQuestion })).json();
    expect(decision.tier).toBe("fast");
  });

  it("sends hard questions to premium with tierline's key, and the caller's own model name never reaches the upstream", async () => {
    const res = await service.chat(ask(hardQuestion));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tierline-tier")).toBe("premium");
    const seen = premiumA.requests.at(-1)!;
    expect(seen.body.model).toBe("premium-a");
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(premiumB.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it("passes a stream through byte for byte, as it arrives, asking the upstream for its usage chunk", async () => {
    fast.script = { reply: "Rome is the capital of Italy and has been since 1871", chunkIntervalMs: 5 };
    const before = fast.seen;
    const res = await service.chat(ask(easyQuestion, { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const received: Buffer[] = [];
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received.push(Buffer.from(chunk));
    const seen = fast.requests[before]!;
    expect(seen.body.stream_options).toEqual({ include_usage: true });
    expect(Buffer.concat(received)).toEqual(Buffer.concat(seen.sent));
    expect(seen.sent.length).toBeGreaterThan(10);
    expect(Buffer.concat(received).toString()).toContain('"usage"');
  });

  it("passes a tier name or a concrete upstream model straight through, and lists profiles and tiers", async () => {
    const byTier = await service.chat({ ...ask(hardQuestion), model: "standard" });
    expect(byTier.status).toBe(200);
    expect(byTier.headers.get("x-tierline-reason")).toBe("tier");
    expect(byTier.headers.get("x-tierline-upstream")).toBe("standard/0");
    const before = premiumB.seen;
    const byModel = await service.chat({ ...ask(easyQuestion), model: "premium-b" });
    expect(byModel.status).toBe(200);
    expect(byModel.headers.get("x-tierline-reason")).toBe("model");
    expect(byModel.headers.get("x-tierline-upstream")).toBe("premium-backup");
    expect(premiumB.requests[before]!.body.model).toBe("premium-b");
    // A profile that offers standard and premium only: the easy question moves up to standard.
    const profile = await service.chat({ ...ask(easyQuestion), model: "support" });
    expect(profile.headers.get("x-tierline-tier")).toBe("standard");
    expect(profile.headers.get("x-tierline-upstream")).toBe("standard/0");
    const unknown = await service.chat({ ...ask(easyQuestion), model: "gpt-9" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe("model_not_found");

    const models: any = await (await service.get("/v1/models")).json();
    expect(models.object).toBe("list");
    expect(models.data.map((m: any) => [m.id, m.tierline.kind])).toEqual([
      ["tierline", "profile"],
      ["default", "profile"],
      ["support", "profile"],
      ["fast", "tier"],
      ["standard", "tier"],
      ["premium", "tier"],
    ]);
    expect(models.data.find((m: any) => m.id === "premium").tierline.upstreams).toEqual(["premium-a", "premium-b"]);
  });

  it("hands tierline's own options (limits, session, tags) to the router, as POST /route takes them, and never upstream", async () => {
    const before = standard.seen;
    const res = await service.chat({ ...ask(easyQuestion), tierline: { minTier: "standard", sessionId: "s-1", tags: ["beta"] } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tierline-tier")).toBe("standard");
    expect(standard.requests[before]!.body).not.toHaveProperty("tierline");
    const capped = await service.chat({ ...ask(hardQuestion), tierline: { maxTier: "standard" } });
    expect(capped.headers.get("x-tierline-tier")).toBe("standard");
    const refusals: Array<[unknown, number, string]> = [
      [{ maxTier: "gold" }, 400, "invalid_limit"],
      [{ budget: 0 }, 422, "budget_too_small"],
      [{ colour: "red" }, 400, "invalid_request"],
    ];
    for (const [tierline, status, code] of refusals) {
      const r = await service.chat({ ...ask(easyQuestion), tierline });
      expect(r.status, JSON.stringify(tierline)).toBe(status);
      expect(((await r.json()) as any).error.code).toBe(code);
    }
  });

  it("answers malformed requests with the one error envelope, before any upstream is called", async () => {
    const before = fakes.map((f) => f.seen);
    const cases: Array<[unknown, number, string]> = [
      [{ model: "tierline", messages: [{ role: "system", content: "hi" }] }, 400, "no_user_message"],
      [{ model: "tierline", messages: [{ role: "user", content: "   " }] }, 400, "empty_query"],
      [{ model: "tierline" }, 400, "invalid_request"],
      [{ messages: [{ role: "user", content: "hi" }] }, 400, "invalid_request"],
      [{ model: "tierline", messages: [{ role: "user", content: "a\u0000b" }] }, 400, "invalid_request"],
      ["{not json", 400, "invalid_json"],
    ];
    for (const [body, status, code] of cases) {
      const res = await service.chat(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as any).error.code).toBe(code);
    }
    const big = await service.chat(ask("x".repeat(service.config.gateway.maxBodyBytes + 10)));
    expect(big.status).toBe(413);
    expect(fakes.map((f) => f.seen)).toEqual(before);
  });

  it("passes the caller's own mistakes (400) back without retrying, scrubbing any key the upstream echoed", async () => {
    premiumA.script = { status: 400, errorBody: JSON.stringify({ error: { message: `context too long for key ${KEY}`, code: "context_length_exceeded" } }) };
    const before = premiumB.seen;
    const res = await service.chat(ask(hardQuestion));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("context_length_exceeded");
    expect(text).not.toContain(KEY);
    expect(text).toContain("[redacted]");
    expect(res.headers.get("x-tierline-attempts")).toBe("premium/0=refused:400");
    expect(premiumB.seen).toBe(before);
  });

  it("does not retry an upstream's 401 and does not pass its body (it may quote the key) on", async () => {
    premiumA.script = { status: 401, errorBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY.slice(0, 12)}***` } }) };
    const before = premiumB.seen;
    const res = await service.chat(ask(hardQuestion));
    expect(res.status).toBe(502);
    const body: any = await res.json();
    expect(body.error.code).toBe("upstream_unauthorized");
    expect(JSON.stringify(body)).not.toContain(KEY.slice(0, 12));
    expect(premiumB.seen).toBe(before);
  });

  it("never shows the key: not in answers, errors, logs, /metrics, /openapi.json, /v1/models or /stats/gateway", async () => {
    premiumA.script = { reset: true };
    premiumB.script = { status: 503 };
    const failed = await service.chat(ask(hardQuestion));
    expect(failed.status).toBe(502);
    const texts = [await failed.text()];
    premiumA.script = {};
    premiumB.script = {};
    texts.push(await (await service.chat(ask(hardQuestion))).text());
    for (const path of ["/metrics", "/openapi.json", "/v1/models", "/stats/gateway"]) texts.push(await (await service.get(path, ANALYST)).text());
    await service.deps.gatewayLog.flush();
    const seen = [...texts, ...logLines].join("\n");
    // The printed config holds the variable's name, never its value.
    const all = [seen, JSON.stringify(service.config), JSON.stringify(service.deps.config)].join("\n");
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(KEY.slice(-16));
    // Nor the upstream URLs (they may name private hosts): answers, errors, logs and metrics name upstreams by id.
    expect(seen).not.toContain(premiumA.baseUrl.replace(/\/v1$/, ""));
    expect(texts[2]).toContain('tierline_upstream_attempts_total{upstream="premium/0",tier="premium",kind="answer",outcome="connect_error"}');
  });

  it("records usage per decision: spend per tier against the all-premium counterfactual", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    fast.script = { usage: { prompt_tokens: 1000, completion_tokens: 500 } };
    premiumA.script = { usage: { prompt_tokens: 2000, completion_tokens: 1000 } };
    const easy = await service.chat(ask(easyQuestion));
    const hard = await service.chat(ask(hardQuestion));
    expect([easy.status, hard.status]).toEqual([200, 200]);
    const ids: [string, string] = [easy.headers.get("x-tierline-decision-id")!, hard.headers.get("x-tierline-decision-id")!];
    await service.deps.gatewayLog.flush();
    const { gatewayExchanges } = await import("../../src/adapters/db/gateway-tables.js");
    const { inArray } = await import("drizzle-orm");
    const rows = await database.db.select().from(gatewayExchanges).where(inArray(gatewayExchanges.decisionId, ids));
    const byId = new Map(rows.map((r) => [r.decisionId, r]));
    expect(byId.get(ids[0])).toMatchObject({ tier: "fast", servedTier: "fast", promptTokens: 1000, completionTokens: 500, outcome: "ok", mode: "routed", profile: "default" });
    expect(byId.get(ids[0])!.costUsd).toBeCloseTo((1500 * 0.2) / 1e6, 12);
    expect(byId.get(ids[0])!.counterfactualUsd).toBeCloseTo((1500 * 10) / 1e6, 12);
    expect(byId.get(ids[1])!.costUsd).toBeCloseTo((3000 * 10) / 1e6, 12);

    const stats: any = await (await service.get(`/stats/gateway?from=${from}`, ANALYST)).json();
    expect(stats.requests).toBeGreaterThanOrEqual(2);
    expect(stats.byTier.fast.promptTokens).toBeGreaterThanOrEqual(1000);
    expect(stats.spend.counterfactualUsd).toBeGreaterThan(stats.spend.actualUsd);
    expect(stats.spend.savingsUsd).toBeCloseTo(stats.spend.counterfactualUsd - stats.spend.actualUsd, 12);
    expect(stats.upstreams.map((u: any) => u.upstream)).toEqual(["fast/0", "standard/0", "premium/0", "premium-backup"]);
  });
});
