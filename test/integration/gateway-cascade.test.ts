/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { gatewayAttempts } from "../../src/adapters/db/gateway-tables.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream, type Behaviour } from "../../scripts/fake-upstream.js";
import { ask, hardQuestion, startGatewayService, type GatewayTestService } from "../helpers/gateway.js";

const ANALYST = "analyst-token-0123456789abcdef";
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 50 });

/** The fake's answer depends on what it is asked: a complexity rating, a self-check, or the caller's question. */
const byPrompt =
  (rules: { rating?: Array<[RegExp, Behaviour]>; check?: Array<[RegExp, Behaviour]>; answer?: Array<[RegExp, Behaviour]> }) =>
  ({ body }: { body: Record<string, unknown> }): Behaviour => {
    const messages = body.messages as Array<{ content: string }>;
    const system = messages[0]?.content ?? "";
    const text = JSON.stringify(messages);
    const pick = (list: Array<[RegExp, Behaviour]> | undefined, fallback: Behaviour) => list?.find(([re]) => re.test(text))?.[1] ?? fallback;
    if (system.startsWith("You rate how hard")) return pick(rules.rating, { reply: "I would rather not say" });
    if (system.startsWith("You check answers")) return pick(rules.check, { reply: "I cannot tell" });
    return pick(rules.answer, {});
  };

// The cascade for the ambiguous middle and the LLM-rated complexity step, with every routing threshold raised so
// that most votes are unsure (routing.margin 0.99): what the vote cannot settle goes to these two.
describe.each(databaseTargets())("gateway cascade and LLM-rated complexity on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  const fast = new FakeUpstream();
  const standard = new FakeUpstream();
  const premium = new FakeUpstream();

  beforeAll(async () => {
    await Promise.all([fast, standard, premium].map((f) => f.start()));
    fast.script = byPrompt({
      rating: [
        [/capital city of Italy/, { reply: "1" }],
        [/refrigerator/, { reply: "3" }],
        [/Fahrenheit/, { reply: "1", latencyMs: 5_000 }],
      ],
    });
    standard.script = byPrompt({
      check: [
        [/haiku/, { reply: "9" }],
        [/poem/, { reply: "3" }],
        [/tweet/, { reply: "10", latencyMs: 5_000 }],
      ],
      answer: [[/Hamlet/, { status: 500 }]],
    });
    database = await target.open();
    service = await startGatewayService({
      database,
      env: { TIERLINE_ANALYST_TOKEN: ANALYST },
      verifiers: {
        "always-no": { verify: async () => 0 },
        broken: {
          verify: async () => {
            throw new Error("verifier down");
          },
        },
      },
      config: {
        routing: { margin: 0.99 },
        tiers: [
          { name: "fast", model: "fast-model", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: fast.baseUrl, model: "fast-a" }] },
          { name: "standard", model: "standard-model", pricePer1MTokens: 1, upstreams: [{ baseUrl: standard.baseUrl, model: "standard-a" }] },
          { name: "premium", model: "premium-model", pricePer1MTokens: 10, upstreams: [{ baseUrl: premium.baseUrl, model: "premium-a" }] },
        ],
        gateway: { complexityRating: { enabled: true, timeoutMs: 300 } },
        profiles: {
          careful: { cascade: { threshold: 0.8, verifierTimeoutMs: 300 } },
          strict: { cascade: { verifier: "always-no" } },
          shaky: { cascade: { verifier: "broken" } },
        },
      },
    });
  });
  afterAll(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
    await Promise.all([fast, standard, premium].map((f) => f.stop()));
  });

  const chat = async (question: string, model = "careful", extra: Record<string, unknown> = {}) => {
    const res = await service.chat({ ...ask(question, extra), model });
    return { res, body: res.headers.get("content-type")?.includes("json") ? ((await res.json()) as any) : await res.text() };
  };

  it("serves the cheaper tier's answer when its self-check passes, saying which attempts were made", async () => {
    const premiumBefore = premium.seen;
    const { res, body } = await chat("Write a haiku about autumn leaves");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tierline-tier")).toBe("premium");
    expect(res.headers.get("x-tierline-reason")).toBe("low_margin_fallback");
    expect(res.headers.get("x-tierline-served-tier")).toBe("standard");
    expect(body.model).toBe("standard-a");
    expect(body.tierline.cascade).toEqual({ first: "standard", then: "premium", outcome: "accepted", score: 0.9 });
    expect(body.tierline.attempts).toEqual([{ upstream: "standard/0", outcome: "ok", status: 200 }]);
    expect(premium.seen).toBe(premiumBefore);

    await service.deps.gatewayLog.flush();
    const rows = await database.db
      .select()
      .from(gatewayAttempts)
      .where(inArray(gatewayAttempts.decisionId, [body.tierline.decisionId]));
    expect(rows.map((r) => [r.kind, r.upstream, r.served, r.score]).sort()).toEqual([
      ["answer", "standard/0", true, expect.closeTo(0.9, 5)],
      ["rate", "fast/0", true, null],
      ["verify", "standard/0", true, null],
    ]);
  });

  it("escalates when the check fails, is late, cannot be read, or the verifier throws; and when the cheap tier fails", async () => {
    const cases: Array<[string, string, number | null]> = [
      ["Write a short poem about the sea", "careful", 0.3],
      ["Draft a tweet announcing our new product", "careful", null],
      ["How do I reverse a list in Python?", "careful", null],
      ["How do I reverse a list in Python?", "strict", 0],
      ["How do I reverse a list in Python?", "shaky", null],
    ];
    for (const [question, profile, score] of cases) {
      const { res, body } = await chat(question, profile);
      expect(res.status, `${question} (${profile})`).toBe(200);
      expect(res.headers.get("x-tierline-served-tier")).toBe("premium");
      expect(body.model).toBe("premium-a");
      expect(body.tierline.cascade).toEqual({ first: "standard", then: "premium", outcome: "escalated", score });
      expect(body.tierline.attempts.map((a: any) => `${a.upstream}=${a.outcome}`)).toEqual(["standard/0=ok", "premium/0=ok"]);
    }
    const failed = await chat("Summarise the plot of Hamlet in two sentences");
    expect(failed.res.status).toBe(200);
    expect(failed.body.tierline.attempts.map((a: any) => `${a.upstream}=${a.outcome}`)).toEqual(["standard/0=server_error", "premium/0=ok"]);
    expect(failed.body.tierline.cascade.score).toBeNull();
  });

  it("does not cascade streams, clear votes, or profiles without a cascade", async () => {
    const stream = await chat("Write a haiku about autumn leaves", "careful", { stream: true });
    expect(stream.res.headers.get("x-tierline-served-tier")).toBe("premium");
    expect(stream.res.headers.get("x-tierline-attempts")).toBe("premium/0=ok");
    const plain = await chat("Write a haiku about autumn leaves", "tierline");
    expect(plain.res.headers.get("x-tierline-attempts")).toBe("premium/0=ok");
    expect(plain.body.tierline).toBeUndefined();
    const clear = await chat(hardQuestion);
    expect(clear.res.headers.get("x-tierline-reason")).toBe("knn");
    expect(clear.res.headers.get("x-tierline-attempts")).toBe("premium/0=ok");
  });

  it("lets the fast tier's model rate what the vote cannot settle, on /route and the gateway alike", async () => {
    const routed: any = await (await service.route({ query: "What is the capital city of Italy?" })).json();
    expect(routed).toMatchObject({ tier: "fast", reason: "llm_rated" });
    expect(routed.margin).toBeLessThan(0.99);
    const middle: any = await (await service.route({ query: "Explain how a refrigerator works" })).json();
    expect(middle).toMatchObject({ tier: "standard", reason: "llm_rated" });

    const before = fast.seen;
    const { res } = await chat("What is the capital city of Italy?", "tierline");
    expect(res.headers.get("x-tierline-reason")).toBe("llm_rated");
    expect(res.headers.get("x-tierline-attempts")).toBe("fast/0=ok");
    // The rated verdict was cached: the repeat asked no model for a rating, only for the answer.
    expect(fast.requests.slice(before).map((r) => (r.body.messages as any[])[0].content.startsWith("You rate"))).toEqual([false]);
  });

  it("never holds a decision past the rating's timeout: a late rating leaves the fallback and is cancelled", async () => {
    const routed: any = await (await service.route({ query: "What is the boiling point of water in Fahrenheit?" })).json();
    expect(routed).toMatchObject({ tier: "premium", reason: "low_margin_fallback" });
    await eventually(() => fast.requests.at(-1)!.callerGone).toBe(true);
    const unrated: any = await (await service.route({ query: "Summarise the plot of Hamlet in two sentences" })).json();
    expect(unrated.reason).toBe("low_margin_fallback");

    const metrics = await (await service.get("/metrics")).text();
    expect(metrics).toMatch(/tierline_complexity_ratings_total\{outcome="rated",rating="1"\} [1-9]/);
    expect(metrics).toMatch(/tierline_complexity_ratings_total\{outcome="timeout",rating="none"\} [1-9]/);
    expect(metrics).toMatch(/tierline_complexity_ratings_total\{outcome="unparseable",rating="none"\} [1-9]/);
    expect(metrics).toMatch(/tierline_gateway_cascades_total\{outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/tierline_decisions_total\{tier="fast",reason="llm_rated"\} [1-9]/);

    const from = new Date(Date.now() - 3600_000).toISOString();
    const routing: any = await (await service.get(`/stats/routing?from=${from}`, ANALYST)).json();
    expect(routing.reasons.llm_rated).toBeGreaterThanOrEqual(2);
    const stats: any = await (await service.get(`/stats/gateway?from=${from}`, ANALYST)).json();
    expect(stats.cascade.accepted).toBeGreaterThanOrEqual(1);
    expect(stats.cascade.escalated).toBeGreaterThanOrEqual(5);
    expect(stats.llmRating.ratings).toBeGreaterThanOrEqual(3);
    expect(stats.llmRating.ratedRequests).toBeGreaterThanOrEqual(1);
    expect(stats.spend.byKind.verify).toBeGreaterThan(0);
    expect(stats.spend.byKind.rate).toBeGreaterThan(0);
  });
});
