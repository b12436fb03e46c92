import { describe, expect, it } from "vitest";
import { Secrets } from "../../src/base/config/secrets.js";
import { Breakers } from "../../src/adapters/upstreams/breaker.js";
import { runChain, type ChainDeps } from "../../src/adapters/upstreams/chain.js";
import type { CallResult, UpstreamCall } from "../../src/adapters/upstreams/upstream-client.js";
import type { Upstream } from "../../src/adapters/upstreams/upstream-registry.js";

const upstream: Upstream = { id: "u/0", tier: "u", url: "http://127.0.0.1:1/v1/chat/completions", model: "m", timeoutMs: 1_000, pricePer1MTokens: 1 };
const ok: CallResult = { kind: "answer", status: 200, contentType: "application/json", body: new Uint8Array(), facts: { object: true, usage: null, text: "hi" }, ms: 1 };

/** A breaker that is half-open with one probe slot (it failed once, threshold 1, and its cooldown has passed). */
function halfOpen(call: UpstreamCall): { deps: ChainDeps; breakers: Breakers; clock: { now: number } } {
  const clock = { now: 0 };
  const breakers = new Breakers([upstream.id], { failureThreshold: 1, cooldownMs: 10, halfOpenProbes: 1 }, () => clock.now);
  breakers.of(upstream.id).settle({ probe: false }, "failure", Date.now() - 100);
  return { deps: { breakers, secrets: new Secrets(), recorder: { attempt: () => {}, exchange: () => {} }, maxRetryAfterWaitMs: 0, call }, breakers, clock };
}
const chainCall = (body: Record<string, unknown>, deadline = Date.now() + 5_000) => ({
  decisionId: "d",
  kind: "answer" as const,
  upstreams: [upstream],
  body,
  stream: false,
  signal: new AbortController().signal,
  deadline,
});

describe("a half-open circuit's probe slot (issue 20, fault 5)", () => {
  it("is given back when building the request throws (a body too deep to serialise), so the next request probes", async () => {
    let depth: unknown = [];
    for (let i = 0; i < 200_000; i++) depth = [depth];
    const { deps, breakers } = halfOpen(async () => ok);
    await expect(runChain(deps, chainCall({ messages: depth }))).rejects.toThrow(RangeError);
    expect(breakers.of(upstream.id).admit(Date.now())).toEqual({ go: true, probe: true });
  });

  it("is given back when the transport throws, and when the deadline passed before the attempt", async () => {
    const failing = halfOpen(async () => {
      throw new Error("transport bug");
    });
    await expect(runChain(failing.deps, chainCall({}))).rejects.toThrow("transport bug");
    expect(failing.breakers.of(upstream.id).admit(Date.now())).toEqual({ go: true, probe: true });
    const late = halfOpen(async () => ok);
    expect(await runChain(late.deps, chainCall({}, Date.now() - 1))).toMatchObject({ kind: "failed", timedOut: true });
    expect(late.breakers.of(upstream.id).admit(Date.now())).toEqual({ go: true, probe: true });
  });
});
