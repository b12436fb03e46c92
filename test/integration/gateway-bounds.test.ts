/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { gatewayAttempts, gatewayExchanges } from "../../src/adapters/db/gateway-tables.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, startGatewayService, listen, type GatewayTestService } from "../helpers/gateway.js";

const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 50 });
const attemptsOf = (res: Response) => res.headers.get("x-tierline-attempts");
const MAX_ANSWER = 1_000_000;

// Issue 20, faults 4 and 5: every upstream body bounded in size and time, parsing off the loop, deep JSON refused, probe slots released.
describe.each(databaseTargets())("gateway bounds on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  let http: Awaited<ReturnType<typeof listen>>;
  let base: string;
  const up = {
    any: new FakeUpstream(),
    bigA: new FakeUpstream(),
    bigB: new FakeUpstream(),
    large: new FakeUpstream(),
    trickleA: new FakeUpstream(),
    trickleB: new FakeUpstream(),
    endless: new FakeUpstream(),
    flood: new FakeUpstream(),
    probe: new FakeUpstream(),
  };

  beforeAll(async () => {
    await Promise.all(Object.values(up).map((f) => f.start()));
    database = await target.open();
    const tier = (name: string, upstreams: unknown[]) => ({ name, model: `${name}-model`, pricePer1MTokens: 1, upstreams });
    const one = (f: FakeUpstream, extra: object = {}) => ({ baseUrl: f.baseUrl, model: "m", ...extra });
    service = await startGatewayService({
      database,
      config: {
        routing: { fallbackTier: "premium" },
        tiers: [
          tier("fast", [one(up.any)]),
          tier("standard", [one(up.any)]),
          tier("premium", [one(up.any)]),
          // Named directly as the model, one scenario each.
          tier("big", [one(up.bigA), one(up.bigB)]),
          tier("large", [one(up.large)]),
          tier("trickle", [one(up.trickleA, { timeoutMs: 400 }), one(up.trickleB)]),
          tier("endless", [one(up.endless)]),
          tier("flood", [one(up.flood)]),
          tier("probe", [one(up.probe)]),
        ],
        gateway: { maxAnswerBytes: MAX_ANSWER, maxStreamMs: 1_500, maxStreamBytes: 2_000_000, breaker: { failureThreshold: 1, cooldownMs: 200, halfOpenProbes: 1 } },
      },
    });
    http = await listen(service.app);
    base = http.base;
  });
  afterAll(async () => {
    await http?.close();
    await service?.deps.lifecycle.stop();
    await database?.close();
    await Promise.all(Object.values(up).map((f) => f.stop()));
  });

  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const recorded = async (table: typeof gatewayExchanges | typeof gatewayAttempts, id: string) => {
    await service.deps.gatewayLog.flush();
    return database.db
      .select()
      .from(table)
      .where(inArray(table.decisionId, [id]));
  };
  /** Reads a stream to its end; true when it broke off instead of ending cleanly. */
  const broke = async (res: Response) => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) void chunk;
      return false;
    } catch {
      return true;
    }
  };

  it("fails an answer over gateway.maxAnswerBytes as too_large, declared or chunked, and the next upstream answers", async () => {
    for (const script of [{ answerBytes: 3 * MAX_ANSWER }, { answerBytes: 3 * MAX_ANSWER, chunked: true }]) {
      await new Promise((r) => setTimeout(r, 300)); // the circuit the last too_large opened (threshold 1) half-opens
      up.bigA.script = script;
      const res = await service.chat({ ...ask("hi"), model: "big" });
      expect(res.status).toBe(200);
      expect(attemptsOf(res)).toBe("big/0=too_large:200, big/1=ok");
      expect(((await res.json()) as any).choices[0].message.content).toBe("answer from m");
      // Cut, not read to its end: the connection is closed rather than kept alive.
      await eventually(() => up.bigA.requests.at(-1)!.connectionClosed).toBe(true);
    }
  });

  it("serves an answer larger than the inline parse (read in the worker thread) byte for byte, with its usage recorded", async () => {
    up.large.script = { answerBytes: 800_000, usage: { prompt_tokens: 7, completion_tokens: 11 } };
    const res = await service.chat({ ...ask("hi"), model: "large" });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.concat(up.large.requests.at(-1)!.sent));
    await eventually(async () => (await recorded(gatewayExchanges, res.headers.get("x-tierline-decision-id")!))[0]?.promptTokens).toBe(7);
  });

  it("cuts a trickled answer at its timeout and closes that connection; a caller who leaves frees it too", async () => {
    up.trickleA.script = { trickleMs: 50 };
    const res = await service.chat({ ...ask("hi"), model: "trickle" });
    expect(res.status).toBe(200);
    expect(attemptsOf(res)).toBe("trickle/0=timeout, trickle/1=ok");
    await eventually(() => up.trickleA.requests.at(-1)!.callerGone).toBe(true);

    // The large tier's upstream has the default 60 s timeout: only the caller leaving can end this one.
    const leaving = new AbortController();
    up.large.script = { trickleMs: 50 };
    const seen = up.large.seen;
    const pending = post({ ...ask("hi"), model: "large" }, leaving.signal).catch((err: Error) => err);
    await eventually(() => up.large.requests.at(-1)?.sent.length === 1 && up.large.seen === seen + 1).toBe(true);
    leaving.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => up.large.requests.at(-1)!.callerGone).toBe(true);
    up.trickleA.script = {};
    up.large.script = {};
  });

  it("cuts a stream at gateway.maxStreamMs however it keeps sending: the caller sees it break, the attempt is a timeout", async () => {
    up.endless.script = { endless: true, chunkIntervalMs: 50 };
    const res = await post({ ...ask("hi", { stream: true }), model: "endless" });
    expect(res.status).toBe(200);
    expect(await broke(res)).toBe(true);
    await eventually(() => up.endless.requests.at(-1)!.callerGone).toBe(true);
    const id = res.headers.get("x-tierline-decision-id")!;
    await eventually(async () => (await recorded(gatewayAttempts, id)).map((a) => a.outcome)).toEqual(["timeout"]);
    expect((await recorded(gatewayExchanges, id))[0]?.outcome).toBe("interrupted");
  });

  it("cuts a stream past gateway.maxStreamBytes: the caller sees it break, the attempt is too_large", async () => {
    up.flood.script = { floodChunkBytes: 16_384 };
    const res = await post({ ...ask("hi", { stream: true }), model: "flood" });
    expect(res.status).toBe(200);
    expect(await broke(res)).toBe(true);
    await eventually(() => up.flood.requests.at(-1)!.callerGone).toBe(true);
    const id = res.headers.get("x-tierline-decision-id")!;
    await eventually(async () => (await recorded(gatewayAttempts, id)).map((a) => a.outcome)).toEqual(["too_large"]);
  });

  it("refuses JSON nested deeper than gateway.maxJsonDepth with a 400 in the envelope, and a half-open circuit keeps its probe slot", async () => {
    up.probe.script = { status: 500 };
    expect((await service.chat({ ...ask("hi"), model: "probe" })).status).toBe(502);
    await new Promise((r) => setTimeout(r, 300)); // the cooldown passes: the next request is the half-open probe
    const depth = 20_000;
    const deep = await service.chat(`{"model":"probe","messages":[{"role":"user","content":"hi"}],"metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`);
    expect(deep.status).toBe(400);
    const body: any = await deep.json();
    expect(body.error).toMatchObject({ code: "invalid_request", message: expect.stringContaining("deeper than 64 levels") });
    expect(typeof body.error.requestId).toBe("string");
    up.probe.script = {};
    const next = await service.chat({ ...ask("hi"), model: "probe" });
    expect(next.status).toBe(200);
    expect(attemptsOf(next)).toBe("probe/0=ok");
  });
});
