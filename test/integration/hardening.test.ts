/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "hardening-admin-token-01";
const ANALYST = "hardening-analyst-token-1";
const admin = { authorization: `Bearer ${ADMIN}` };

describe.each(databaseTargets())("hardened HTTP surface on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({
      database,
      encoder: defaultTestEncoder(),
      exemplars: sampleExemplars,
      env: { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_ANALYST_TOKEN: ANALYST },
      config: { rateLimit: { authFailuresPerMinute: 5, writesPerMinute: 1000 }, http: { corsOrigins: ["https://console.example"] } },
    });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await service.app.request(path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": typeof body === "string" ? "application/x-ndjson" : "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text === "" ? null : (JSON.parse(text) as any) };
  };
  const rows = async (q: string) => ((await database.db.execute(sql.raw(q))) as any).rows ?? (await database.db.execute(sql.raw(q)));

  it("refuses NUL characters with a 400 naming the field, on every path where text reaches the database", async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ["POST", "/exemplars", { text: "a\u0000b", tier: "fast" }, /text: must not contain NUL/],
      ["POST", "/exemplars", { text: "ok text here", tier: "fast", note: "x\u0000" }, /note: must not contain NUL/],
      ["POST", "/exemplars/import", '{"text":"bad\\u0000line","tier":"fast"}\n', /line 1: text: must not contain NUL/],
      ["POST", "/route", { query: "what\u0000is this" }, /query: must not contain NUL/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await send(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const list = await send("GET", "/exemplars?q=a%00b");
    expect(list.status).toBe(400);
    expect(list.body.error.message).toMatch(/q: must not contain NUL/);
    const id = (await send("GET", "/exemplars?limit=1")).body.exemplars[0].id;
    const patch = await send("PATCH", `/exemplars/${id}`, { note: "n\u0000" });
    expect(patch.status).toBe(400);
  });

  it("caps every import line before parsing it, and answers instead of crashing", async () => {
    const huge = JSON.stringify({ text: "x".repeat(300_000), tier: "fast" });
    const res = await send("POST", "/exemplars/import", `${huge}\n`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/line 1: line is 300\d+ characters; the longest accepted is/);
    const tooLong = await send("POST", "/exemplars/import", `${JSON.stringify({ text: "y".repeat(20_001), tier: "fast" })}\n`);
    expect(tooLong.status).toBe(400);
    expect((await send("GET", "/healthz", undefined, {})).status).toBe(200);
  });

  it("replays a write sent again with the same Idempotency-Key, refuses the key for another request, and applies the write once", async () => {
    const key = { ...admin, "idempotency-key": "add-walrus-1" };
    const body = { text: "How many tusks does a walrus have?", tier: "fast" };
    const first = await send("POST", "/exemplars", body, key);
    expect(first.status).toBe(201);
    const again = await send("POST", "/exemplars", body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const count = await rows("select count(*)::int as n from exemplars where text = 'How many tusks does a walrus have?'");
    expect(count[0].n).toBe(1);
    const other = await send("POST", "/exemplars", { ...body, text: "How long do walruses live?" }, key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");

    const id = first.body.exemplars[0].id;
    const del = { ...admin, "idempotency-key": "delete-walrus-1" };
    const removed = await send("DELETE", `/exemplars/${id}`, undefined, del);
    expect(removed.status).toBe(200);
    const removedAgain = await send("DELETE", `/exemplars/${id}`, undefined, del);
    expect(removedAgain.status).toBe(200); // the retry gets the original answer, not a 404
    expect(removedAgain.body).toEqual(removed.body);
    expect((await send("DELETE", `/exemplars/${id}`)).status).toBe(404);
  });

  it("validates statistics windows and filters: date-only accepted, impossible dates and unknown tiers are 400 without SQL", async () => {
    const analyst = { authorization: `Bearer ${ANALYST}` };
    expect((await send("GET", "/stats/routing?from=2026-11-01", undefined, analyst)).status).toBe(200);
    const ancient = await send("GET", "/stats/cache?from=0000-01-01T00:00:00Z", undefined, analyst);
    expect(ancient.status).toBe(400);
    expect(ancient.text).not.toMatch(/select|params/i);
    const gold = await send("GET", "/stats/cache?tier=gold", undefined, analyst);
    expect(gold.status).toBe(400);
    expect(gold.body.error.message).toMatch(/tier: must be one of the configured tiers \(fast, standard, premium\)/);
  });

  it("tells a valid token of the wrong role which role it needs (403)", async () => {
    const res = await send("GET", "/exemplars", undefined, { authorization: `Bearer ${ANALYST}` });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", message: expect.stringMatching(/needs the admin role; the token "analyst" has the analyst role/) });
  });

  it("answers OPTIONS, sends security headers, and CORS only for allowed origins", async () => {
    const health = await service.app.request("/healthz");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    const allowed = await service.app.request("/route", { method: "OPTIONS", headers: { origin: "https://console.example", "access-control-request-method": "POST" } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example");
    const foreign = await service.app.request("/route", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("caps the /route body and routes a hostile storm of combining marks at once", async () => {
    const big = await service.route({ query: "a".repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error.code).toBe("payload_too_large");
    const storm = await service.route({ query: "\u0316\u0301".repeat(120_000) });
    expect(storm.status).toBe(200);
    expect(((await storm.json()) as any).truncated).toBe(true);
  });

  it("says draining on /readyz and closes connections while shutting down", async () => {
    service.deps.lifecycle.draining = true;
    try {
      const ready = await service.app.request("/readyz");
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as any).status).toBe("draining");
      const routed = await service.route({ query: "What is 2+2?" });
      expect(routed.status).toBe(200);
      expect(routed.headers.get("connection")).toBe("close");
    } finally {
      service.deps.lifecycle.draining = false;
    }
  });

  it("limits an address's failed authentications (429 with Retry-After), and never locks out a valid token from it", async () => {
    const wrong = { authorization: "Bearer not-the-right-token-at-all" };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await send("GET", "/exemplars", undefined, wrong)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const locked = await send("GET", "/exemplars", undefined, wrong);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await send("GET", "/exemplars", undefined, admin)).status).toBe(200); // failures from an address never lock out a valid token (issue 20)
  });
});

describe.each(databaseTargets())("curator writes while the database is gone, on $name", (target) => {
  it("answer 503 within the guard's bound, and nothing appears later", async () => {
    const database = await target.open();
    const service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: ADMIN } });
    await database.close();
    const started = Date.now();
    const res = await service.app.request("/exemplars", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ text: "Is a tomato a fruit?", tier: "fast" }),
    });
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("database_unavailable");
    expect(body.error.message).toMatch(/nothing was written/);
    // Routing does not wait on the database at all.
    expect((await service.route({ query: "What is the capital of Germany?" })).status).toBe(200);
    await service.deps.lifecycle.stop();
  });
});
