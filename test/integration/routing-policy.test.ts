/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { withEmbed } from "../../src/adapters/embeddings/encoder.js";
import { databaseTargets } from "../helpers/databases.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "policy-admin-token-0123";
const SUPPORT = "policy-support-token-01";
const WEB = "policy-web-token-012345";
const policyConfig = {
  rules: [
    { name: "greeting", match: { regex: "^(hi|hello|thanks)\\b" }, action: { tier: "fast" } },
    { name: "contracts", match: { keywords: ["contract", "indemnity"] }, action: { minTier: "standard" } },
    { name: "billing-tag", match: { tag: "billing" }, action: { maxTier: "standard" } },
  ],
  profiles: { support: { tiers: ["fast", "premium"], tokens: ["support-bot"], session: { policy: "no-downgrade", ttlSeconds: 2 } } },
};
const policyEnv = { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_ROUTE_TOKENS: `support-bot:${SUPPORT},web:${WEB}` };
const HARD = "Prove that there are infinitely many primes of the form 4k+3 and generalise the argument to other progressions";
const EASY = "What is the capital of Germany?";

describe.each(databaseTargets())("routing policy on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;
  const counter = { calls: 0 };
  const base = defaultTestEncoder();
  const encoder = withEmbed(base, (texts, options) => {
    counter.calls++;
    return base.embed(texts, options);
  });

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env: policyEnv, config: policyConfig });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const route = async (body: unknown, token = WEB, headers: Record<string, string> = {}) => {
    const res = await service.app.request("/route", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("requires a route token once route tokens are configured", async () => {
    const res = await service.app.request("/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: EASY }) });
    expect(res.status).toBe(401);
  });

  it("decides by rule before the model, says which rule, and explain lists the matches", async () => {
    const calls = counter.calls;
    const { body } = await route({ query: "hi, can you help me with my order?", explain: true });
    expect(body).toMatchObject({ tier: "fast", reason: "rule", rule: "greeting", cached: false, profile: "default" });
    expect(body.rules).toEqual([{ name: "greeting", action: { tier: "fast" } }]);
    expect(counter.calls).toBe(calls); // the fast path never embeds
  });

  it("bounds the vote with minTier and maxTier rules", async () => {
    const raised = await route({ query: "What is the capital of Germany? Asking for a contract", explain: true });
    expect(raised.body.rules.map((r: any) => r.name)).toEqual(["contracts"]);
    expect(["standard", "premium"]).toContain(raised.body.tier);
    const capped = await route({ query: HARD, tags: ["billing"] });
    expect(capped.body).toMatchObject({ tier: "standard", constrainedBy: "rule", rule: "billing-tag" });
  });

  it("applies per-request limits and names the limit that changed the answer", async () => {
    const free = await route({ query: HARD });
    expect(free.body.tier).toBe("premium");
    expect((await route({ query: HARD, maxTier: "standard" })).body).toMatchObject({ tier: "standard", constrainedBy: "maxTier" });
    expect((await route({ query: EASY, minTier: "premium" })).body).toMatchObject({ tier: "premium", constrainedBy: "minTier" });
    expect((await route({ query: HARD, allowedTiers: ["fast", "standard"] })).body).toMatchObject({ tier: "standard", constrainedBy: "allowedTiers" });
    const tokens = free.body.estimatedInputTokens;
    expect(tokens).toBeGreaterThan(10);
    const budget = (tokens * 1) / 1e6; // exactly standard's cost
    expect((await route({ query: HARD, budget })).body).toMatchObject({ tier: "standard", constrainedBy: "budget" });
    expect(free.body.estimatedCost.chosen).toBeCloseTo((tokens * 10) / 1e6, 12);
    expect(free.body.estimatedCost.mostCapable).toBeCloseTo((tokens * 10) / 1e6, 12);
  });

  it("answers 400 naming the field for an invalid limit and 422 for a budget too small", async () => {
    const cases: Array<[unknown, string]> = [
      [{ query: EASY, minTier: "gold" }, "minTier"],
      [{ query: EASY, maxTier: "gold" }, "maxTier"],
      [{ query: EASY, allowedTiers: [] }, "allowedTiers"],
      [{ query: EASY, minTier: "premium", maxTier: "fast" }, "maxTier"],
    ];
    for (const [body, field] of cases) {
      const res = await route(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_limit", details: { field } });
      expect(res.body.error.message.startsWith(`${field}:`)).toBe(true);
    }
    const schema = await route({ query: EASY, budget: -1 });
    expect(schema.status).toBe(400);
    expect(schema.body.error.message).toMatch(/budget/);
    const poor = await route({ query: HARD, budget: 1e-12 });
    expect(poor.status).toBe(422);
    expect(poor.body.error.code).toBe("budget_too_small");
  });

  it("chooses the profile by token label or by name, offers only its tiers, and refuses an unknown one", async () => {
    const support = await route({ query: "Write a SQL query that returns the top five customers by revenue" }, SUPPORT);
    expect(support.body.profile).toBe("support");
    expect(["fast", "premium"]).toContain(support.body.tier); // standard is not offered: a standard query goes up
    expect((await route({ query: EASY, profile: "support" })).body.profile).toBe("support");
    const unknown = await route({ query: EASY, profile: "nope" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("unknown_profile");
  });

  it("keeps a session at the highest tier it used within the TTL, then lets it go", async () => {
    const session = { "x-session-id": `s-${target.name}-1` };
    expect((await route({ query: HARD }, SUPPORT, session)).body.tier).toBe("premium");
    const sticky = await route({ query: EASY }, SUPPORT, session);
    expect(sticky.body).toMatchObject({ tier: "premium", constrainedBy: "session" });
    const other = await route({ query: EASY, sessionId: `s-${target.name}-2` }, SUPPORT);
    expect(other.body.tier).toBe("fast");
    await new Promise((r) => setTimeout(r, 2100));
    expect((await route({ query: EASY }, SUPPORT, session)).body.tier).toBe("fast");
  });

  it("routes a batch in order with per-item errors, embedding the misses in one pass", async () => {
    const queries = [
      { query: "Explain the difference between TCP and UDP with a worked example for each" },
      { query: "   " },
      { query: "Translate 'thank you very much' into Italian" },
      { query: EASY, minTier: "gold" },
      { messages: [{ role: "system", content: "be brief" }] },
      { query: "Design an event-sourced inventory system and analyse its consistency trade-offs in depth" },
      42,
    ];
    const calls = counter.calls;
    const res = await service.app.request("/route/batch", {
      method: "POST",
      headers: { authorization: `Bearer ${WEB}`, "content-type": "application/json" },
      body: JSON.stringify({ queries }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as any;
    expect(results).toHaveLength(7);
    expect(results[0].tier).toBeDefined();
    expect(results[1].error.code).toBe("empty_query");
    expect(results[2].tier).toBeDefined();
    expect(results[3].error).toMatchObject({ code: "invalid_limit" });
    expect(results[4].error.code).toBe("no_user_message");
    expect(results[5].tier).toBeDefined();
    expect(results[6].error.code).toBe("invalid_request");
    expect(counter.calls - calls).toBe(1);
    // The same queries one by one decide the same tiers.
    for (const i of [0, 2, 5]) expect((await route(queries[i])).body.tier).toBe(results[i].tier);
  });

  it("replaces the rules through the admin API (audited, used at once) and tests a draft without applying it", async () => {
    const admin = { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" };
    const draft = [{ name: "capitals", match: { regex: "capital of" }, action: { tier: "standard" } }];
    const test = await service.app.request("/rules/test", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ rules: draft, labelled: `${JSON.stringify({ query: EASY, tier: "fast" })}\n${JSON.stringify({ query: HARD, tier: "premium" })}\n` }),
    });
    expect(test.status).toBe(200);
    expect(await test.json()).toMatchObject({ lines: 2, decided: 1, agree: 0, tooWeak: 0, byRule: { capitals: { decided: 1, tooWeak: 0 } } });
    expect((await route({ query: EASY })).body.reason).not.toBe("rule"); // the draft was not applied
    // The draft sees what the router's rules step sees: the last user message, not the whole conversation.
    const conversation = {
      messages: [
        { role: "system", content: "You know the capital of every country." },
        { role: "user", content: "Write a haiku about rain" },
      ],
    };
    const one = await service.app.request("/rules/test", { method: "POST", headers: admin, body: JSON.stringify({ rules: draft, request: conversation }) });
    expect(await one.json()).toMatchObject({ matched: [], tier: null });

    const bad = await service.app.request("/rules", {
      method: "PUT",
      headers: admin,
      body: JSON.stringify({ rules: [{ name: "x", match: { regex: "(a)\\1" }, action: { tier: "fast" } }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe("invalid_rules");
    const put = await service.app.request("/rules", { method: "PUT", headers: admin, body: JSON.stringify({ rules: draft }) });
    expect(put.status).toBe(200);
    expect(((await put.json()) as any).revision).toBe(1);
    expect((await route({ query: EASY })).body).toMatchObject({ reason: "rule", rule: "capitals", tier: "standard" });
    const listed: any = await (await service.app.request("/rules", { headers: admin })).json();
    expect(listed).toMatchObject({ revision: 1, source: "database", rules: draft });
    const audit = (await database.db.execute("select actor, revision from routing_rules_audit" as never)) as any;
    expect((audit.rows ?? audit)[0]).toMatchObject({ actor: "admin" });
  });
});
