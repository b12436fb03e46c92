/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { gatewayAttempts, gatewayExchanges } from "../../src/adapters/db/gateway-tables.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, easyQuestion, hardQuestion, startGatewayService, listen, type GatewayTestService } from "../helpers/gateway.js";

/** expect.poll with room for a loaded two-core machine. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 50 });
const upstreamsOf = (res: Response) => res.headers.get("x-tierline-attempts");

// Fallbacks, circuit breakers, Retry-After, timeouts, broken streams and callers who leave, against fake upstreams.
describe.each(databaseTargets())("gateway resilience on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  let http: Awaited<ReturnType<typeof listen>>;
  let base: string;
  const up = {
    fast: new FakeUpstream(),
    standard: new FakeUpstream(),
    premiumA: new FakeUpstream(),
    premiumB: new FakeUpstream(),
    rlA: new FakeUpstream(),
    rlB: new FakeUpstream(),
    slowA: new FakeUpstream(),
    slowB: new FakeUpstream(),
    cut: new FakeUpstream(),
  };

  beforeAll(async () => {
    await Promise.all(Object.values(up).map((f) => f.start()));
    database = await target.open();
    const tier = (name: string, price: number, upstreams: unknown[], fallbackTiers?: string[]) => ({
      name,
      model: `${name}-model`,
      pricePer1MTokens: price,
      upstreams,
      ...(fallbackTiers && { fallbackTiers }),
    });
    service = await startGatewayService({
      database,
      config: {
        routing: { fallbackTier: "premium" },
        tiers: [
          tier("fast", 0.2, [{ baseUrl: up.fast.baseUrl, model: "fast-a" }], ["standard"]),
          tier("standard", 1, [{ baseUrl: up.standard.baseUrl, model: "standard-a" }], ["premium"]),
          tier("premium", 10, [
            { baseUrl: up.premiumA.baseUrl, model: "premium-a" },
            { baseUrl: up.premiumB.baseUrl, model: "premium-b" },
          ]),
          // Tiers no exemplar votes for, named directly as the model: one scenario each, so circuits never interfere.
          tier("ratelimited", 10, [
            { baseUrl: up.rlA.baseUrl, model: "rl-a" },
            { baseUrl: up.rlB.baseUrl, model: "rl-b" },
          ]),
          tier("slow", 10, [
            { baseUrl: up.slowA.baseUrl, model: "slow-a", timeoutMs: 300 },
            { baseUrl: up.slowB.baseUrl, model: "slow-b" },
          ]),
          tier("cut", 10, [{ baseUrl: up.cut.baseUrl, model: "cut-a" }]),
        ],
        gateway: { breaker: { failureThreshold: 3, cooldownMs: 1_000, halfOpenProbes: 1 }, maxRetryAfterWaitMs: 2_500 },
      },
    });
    // A real HTTP server too: disconnects and streaming go over a socket.
    http = await listen(service.app);
    base = http.base;
  });
  afterAll(async () => {
    await http?.close();
    await service?.deps.lifecycle.stop();
    await database?.close();
    await Promise.all(Object.values(up).map((f) => f.stop()));
  });

  it("keeps answering through an outage of the first premium upstream: 0 failed requests, the circuit opens, then a probe closes it", async () => {
    const send = (stream: boolean) =>
      service
        .chat(ask(hardQuestion, { stream }))
        .then(async (r) => ({ status: r.status, attempts: upstreamsOf(r), id: r.headers.get("x-tierline-decision-id")!, body: await r.text() }));
    const before = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i % 2 === 0)));
    await up.premiumA.stop();
    const during = [];
    for (let i = 0; i < 12; i++) during.push(await send(i % 3 === 0));
    const concurrent = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i % 2 === 0)));
    const all = [...before, ...during, ...concurrent];
    expect(all.filter((r) => r.status !== 200)).toEqual([]);
    expect(during[0]!.attempts).toBe("premium/0=connect_error, premium/1=ok");
    // After three failures in a row the circuit is open: premium/0 is skipped without a connection attempt
    // (or, on a machine slow enough for the cooldown to pass, probed once and found still down).
    const later = during.slice(3).map((r) => r.attempts);
    expect(later.filter((a) => a !== "premium/0=skipped, premium/1=ok" && a !== "premium/0=connect_error, premium/1=ok")).toEqual([]);
    expect(later.filter((a) => a === "premium/0=skipped, premium/1=ok").length).toBeGreaterThan(later.length / 2);

    // Every attempt is in the attempt log, keyed by the decision.
    await service.deps.gatewayLog.flush();
    const rows = await database.db
      .select()
      .from(gatewayAttempts)
      .where(inArray(gatewayAttempts.decisionId, [during[0]!.id]));
    expect(rows.sort((a, b) => a.seq - b.seq).map((r) => [r.upstream, r.outcome, r.served])).toEqual([
      ["premium/0", "connect_error", false],
      ["premium/1", "ok", true],
    ]);
    const [exchange] = await database.db
      .select()
      .from(gatewayExchanges)
      .where(inArray(gatewayExchanges.decisionId, [during[0]!.id]));
    expect(exchange).toMatchObject({ outcome: "ok", fallback: true, attempts: 2, servedUpstream: "premium/1" });

    // Back up: once the cooldown has passed, a half-open probe reaches it and closes the circuit.
    await up.premiumA.start();
    await eventually(async () => (await send(false)).attempts).toBe("premium/0=ok");
    const snapshot = service.deps.gatewayStats.upstreams().find((u) => u.upstream === "premium/0");
    expect(snapshot).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    const metrics = await (await service.get("/metrics")).text();
    expect(metrics).toMatch(/tierline_upstream_attempts_total\{upstream="premium\/0",tier="premium",kind="answer",outcome="connect_error"\} [1-9]/);
    expect(metrics).toMatch(/tierline_upstream_attempts_total\{upstream="premium\/0",tier="premium",kind="answer",outcome="skipped"\} [1-9]/);
    expect(metrics).toContain('tierline_upstream_circuit_state{upstream="premium/0"} 0');
  });

  it("falls back to the tier's fallback tiers when its own upstreams fail with 5xx", async () => {
    up.fast.script = { status: 502 };
    const res = await service.chat(ask(easyQuestion));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tierline-tier")).toBe("fast");
    expect(res.headers.get("x-tierline-served-tier")).toBe("standard");
    expect(upstreamsOf(res)).toBe("fast/0=server_error:502, standard/0=ok");
    up.fast.script = {};
  });

  it("honours Retry-After: a 429 holds the upstream back until then, a short wait is waited out, a long one is the caller's 429", async () => {
    up.rlA.script = { status: 429, retryAfter: "1" };
    const first = await service.chat({ ...ask("hello"), model: "ratelimited" });
    expect(first.status).toBe(200);
    expect(upstreamsOf(first)).toBe("ratelimited/0=rate_limited:429, ratelimited/1=ok");
    up.rlA.script = {};
    const seenA = up.rlA.seen;
    const second = await service.chat({ ...ask("hello"), model: "ratelimited" });
    expect(upstreamsOf(second)).toBe("ratelimited/0=skipped, ratelimited/1=ok");
    expect(up.rlA.seen).toBe(seenA);
    await eventually(async () => upstreamsOf(await service.chat({ ...ask("hello"), model: "ratelimited" }))).toBe("ratelimited/0=ok");

    // Both held back for a second: the gateway waits the hold out and answers.
    up.rlA.script = { status: 429, retryAfter: "1" };
    up.rlB.script = { status: 429, retryAfter: "1" };
    const limited = await service.chat({ ...ask("hello"), model: "ratelimited" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    up.rlA.script = {};
    up.rlB.script = {};
    const waited = await service.chat({ ...ask("hello"), model: "ratelimited" });
    expect(waited.status).toBe(200);
    expect(upstreamsOf(waited)).toBe("ratelimited/0=skipped, ratelimited/1=skipped, ratelimited/0=ok");

    // Held back for longer than the gateway may wait: the caller gets 429 and the time to come back.
    up.rlA.script = { status: 429, retryAfter: "30" };
    up.rlB.script = { status: 429, retryAfter: "40" };
    expect((await service.chat({ ...ask("hello"), model: "ratelimited" })).status).toBe(429);
    up.rlA.script = {};
    up.rlB.script = {};
    const held = await service.chat({ ...ask("hello"), model: "ratelimited" });
    expect(held.status).toBe(429);
    expect(held.headers.get("retry-after")).toMatch(/^(29|30)$/);
    const body: any = await held.json();
    expect(body.error.code).toBe("upstream_rate_limited");
    expect(body.error.details.attempts.map((a: any) => a.outcome)).toEqual(["skipped", "skipped"]);
  });

  it("moves on when the first byte is late (stream) or the answer is (non-stream), and cancels the late call", async () => {
    up.slowA.script = { firstByteDelayMs: 5_000 };
    const before = up.slowB.seen;
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("hi", { stream: true }), model: "slow" }),
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(upstreamsOf(res)).toBe("slow/0=timeout, slow/1=ok");
    expect(bytes).toEqual(Buffer.concat(up.slowB.requests[before]!.sent));
    await eventually(() => up.slowA.requests.at(-1)!.callerGone).toBe(true);

    up.slowA.script = { latencyMs: 5_000 };
    const plain = await service.chat({ ...ask("hi"), model: "slow" });
    expect(plain.status).toBe(200);
    expect(upstreamsOf(plain)).toBe("slow/0=timeout, slow/1=ok");
    up.slowA.script = {};
  });

  it("relays a stream that breaks off part-way as far as it got, then breaks the caller's stream too", async () => {
    up.cut.script = { reply: "one two three four five six seven eight", breakAfterChunks: 4, chunkIntervalMs: 5 };
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("hi", { stream: true }), model: "cut" }),
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-tierline-decision-id")!;
    const received: Buffer[] = [];
    let broken = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received.push(Buffer.from(chunk));
    } catch {
      broken = true;
    }
    expect(broken).toBe(true);
    expect(Buffer.concat(received)).toEqual(Buffer.concat(up.cut.requests.at(-1)!.sent));
    expect(up.cut.requests.at(-1)!.sent).toHaveLength(4);
    await eventually(async () => {
      await service.deps.gatewayLog.flush();
      const rows = await database.db
        .select()
        .from(gatewayExchanges)
        .where(inArray(gatewayExchanges.decisionId, [id]));
      return rows[0]?.outcome;
    }).toBe("interrupted");
    up.cut.script = {};
  });

  it("cancels the upstream call when the caller disconnects, streaming or not", async () => {
    up.cut.script = { reply: Array.from({ length: 200 }, (_, i) => `w${i}`).join(" "), chunkIntervalMs: 50 };
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("hi", { stream: true }), model: "cut" }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const id = res.headers.get("x-tierline-decision-id")!;
    controller.abort();
    await eventually(() => up.cut.requests.at(-1)!.callerGone).toBe(true);
    expect(up.cut.requests.at(-1)!.sent.length).toBeLessThan(100);

    up.cut.script = { latencyMs: 10_000 };
    const waiting = new AbortController();
    const pending = fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("hi"), model: "cut" }),
      signal: waiting.signal,
    }).catch((err: Error) => err);
    const seen = up.cut.seen;
    await eventually(() => up.cut.seen).toBe(seen + 1);
    waiting.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => up.cut.requests.at(-1)!.callerGone).toBe(true);
    await eventually(async () => {
      await service.deps.gatewayLog.flush();
      const rows = await database.db
        .select()
        .from(gatewayExchanges)
        .where(inArray(gatewayExchanges.decisionId, [id]));
      return rows[0]?.outcome;
    }).toBe("cancelled");
    up.cut.script = {};
  });

  it("answers 64 concurrent callers without an error while one upstream fails half its requests", async () => {
    up.premiumA.script = { failureRate: 0.5 };
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        fetch(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(ask(hardQuestion, { stream: i % 4 === 0 })),
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ),
    );
    expect(results.filter((r) => r.status !== 200).map((r) => r.text)).toEqual([]);
    up.premiumA.script = {};
  });
});
