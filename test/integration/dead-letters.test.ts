/* eslint-disable @typescript-eslint/no-explicit-any -- rows and bodies are checked field by field */
import { randomUUID } from "node:crypto";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { decisionLog } from "../../src/adapters/db/decision-log-table.js";
import { gatewayExchanges } from "../../src/adapters/db/gateway-tables.js";
import type { ExchangeRecord } from "../../src/adapters/upstreams/recorder.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, easyQuestion, startGatewayService, type GatewayTestService } from "../helpers/gateway.js";
import { call, metric } from "../helpers/http.js";

const FEEDBACK = "feedback-token-0123456789";

/** A decision as the router hands it to the log; confidence 1e39 does not fit a `real` (refused on either database). */
const decision = (confidence = 0.9) => ({ decisionId: randomUUID(), tier: "fast", reason: "knn", confidence, margin: 0.5, revision: 1, cached: false, profile: "default" });
const facts = { text: "a query", textHash: "0".repeat(64) };

const exchange = (usage: ExchangeRecord["usage"]): ExchangeRecord => ({
  decisionId: randomUUID(),
  at: new Date(),
  caller: "anonymous",
  mode: "routed",
  profile: "default",
  tier: "fast",
  reason: "knn",
  servedTier: "fast",
  servedUpstream: "fast/0",
  stream: false,
  outcome: "ok",
  status: 200,
  attempts: 1,
  fallback: false,
  cascade: null,
  usage,
  costUsd: null,
  counterfactualUsd: null,
});

// Issue 20, fault 1: a row the database refuses is set aside and counted; it never holds up the rows behind it.
describe.each(databaseTargets())("rows the database refuses, on $name", (target) => {
  const upstream = new FakeUpstream();
  let database: DatabaseHandle;
  let service: GatewayTestService;

  beforeAll(async () => {
    await upstream.start();
    database = await target.open();
    const upstreams = [{ baseUrl: upstream.baseUrl, model: "m" }];
    service = await startGatewayService({
      database,
      env: { TIERLINE_FEEDBACK_TOKEN: FEEDBACK },
      config: {
        tiers: [
          { name: "fast", model: "fast-model", pricePer1MTokens: 1, upstreams },
          { name: "standard", model: "standard-model", pricePer1MTokens: 2, upstreams },
          { name: "premium", model: "premium-model", pricePer1MTokens: 10, upstreams },
        ],
        decisions: { flushIntervalMs: 60_000 },
        gateway: { log: { flushIntervalMs: 60_000 } },
      },
    });
  });
  afterAll(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
    await upstream.stop();
  });

  const deadLetters = async (writer: string) => metric(await (await service.get("/metrics")).text(), "tierline_write_behind_dead_letters_total", { writer });

  it("decision log: the issue's row (a lone surrogate tag, past the door) and an out-of-range value are set aside; every other row is written and found", async () => {
    const writer = service.deps.decisionLogWriter!;
    const good = Array.from({ length: 20 }, () => decision());
    const bad = [decision(), decision(1e39)];
    writer.record(bad[0] as never, { tags: ["\ud800"] } as never, facts as never);
    for (const d of good.slice(0, 10)) writer.record(d as never, {} as never, facts as never);
    writer.record(bad[1] as never, {} as never, facts as never);
    for (const d of good.slice(10)) writer.record(d as never, {} as never, facts as never);
    await service.deps.decisionLog.flush();

    const ids = [...good, ...bad].map((d) => d.decisionId);
    const written = new Set((await database.db.select({ id: decisionLog.decisionId }).from(decisionLog).where(inArray(decisionLog.decisionId, ids))).map((r) => r.id));
    for (const d of good) expect(written.has(d.decisionId), d.decisionId).toBe(true);
    expect(written.has(bad[1]!.decisionId)).toBe(false);
    // PostgreSQL refuses the surrogate; PGlite's COPY stores it as U+FFFD. Either way, written or set aside, never retried.
    expect(writer.pendingCount).toBe(0);
    expect(written.size + writer.deadLetters).toBe(ids.length);
    expect(writer.deadLetters).toBe(target.name === "postgres" ? 2 : 1);
    expect(await deadLetters("decision_log")).toBe(writer.deadLetters);
    const report = await call(service.app, "POST", `/decisions/${good[19]!.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } });
    expect(report.status).toBe(201);
  });

  it("gateway log: 2^31 tokens fit the 64-bit counters; a count no bigint holds is set aside, and the rows behind it are written", async () => {
    const log = service.deps.gatewayLog;
    const big = exchange({ promptTokens: 2 ** 31, completionTokens: 2 ** 32 });
    const absurd = exchange({ promptTokens: 1e30, completionTokens: 1 });
    const after = exchange({ promptTokens: 10, completionTokens: 5 });
    for (const r of [big, absurd, after]) log.exchange(r);
    await log.flush();
    const rows = await database.db
      .select()
      .from(gatewayExchanges)
      .where(inArray(gatewayExchanges.decisionId, [big.decisionId, absurd.decisionId, after.decisionId]));
    const byId = new Map(rows.map((r) => [r.decisionId, r]));
    expect(byId.get(big.decisionId)).toMatchObject({ promptTokens: 2 ** 31, completionTokens: 2 ** 32 });
    expect(byId.get(after.decisionId)).toMatchObject({ promptTokens: 10, completionTokens: 5 });
    expect(byId.has(absurd.decisionId)).toBe(false);
    expect(log.pendingCount).toBe(0);
    expect(log.deadLetters).toBe(1);
    expect(await deadLetters("gateway_log")).toBe(1);
  });

  it("an upstream reporting 2^31 tokens is answered, logged without usage, and adds nothing to spend", async () => {
    const spend = async () => metric(await (await service.get("/metrics")).text(), "tierline_gateway_spend_usd_total");
    const before = await spend();
    upstream.script = { usage: { prompt_tokens: 2 ** 31, completion_tokens: 10 } };
    const res = await service.chat(ask(easyQuestion));
    expect(res.status).toBe(200);
    const id = res.headers.get("x-tierline-decision-id")!;
    expect(await spend()).toBe(before);
    upstream.script = { usage: { prompt_tokens: 100, completion_tokens: 50 } };
    const next = await service.chat(ask(easyQuestion));
    await service.deps.gatewayLog.flush();
    const rows = await database.db
      .select()
      .from(gatewayExchanges)
      .where(inArray(gatewayExchanges.decisionId, [id, next.headers.get("x-tierline-decision-id")!]));
    expect(rows.find((r) => r.decisionId === id)).toMatchObject({ promptTokens: null, completionTokens: null, costUsd: null });
    expect(rows.find((r) => r.decisionId !== id)).toMatchObject({ promptTokens: 100, completionTokens: 50 });
    expect(await spend()).toBeGreaterThan(before);
    expect(await spend()).toBeLessThan(before + 0.01);
  });
});
