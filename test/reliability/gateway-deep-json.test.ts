/**
 * Issue 20, fault 5: a chat body nesting about 4,100 levels (8 KB) answered
 * 500 internal_error (where the stack runs out depends on the machine: here
 * 4,100 levels still serialised, so 100,000 are sent too), and when its upstream's breaker was half-open the
 * request took the probe slot and never gave it back: the breaker stayed
 * half-open and that upstream was skipped for good. Criteria: the deep body
 * is a 400 in the envelope (never a 5xx), on a closed and on a half-open
 * circuit, routed or named; after it the half-open upstream is probed (not
 * skipped) and closes on success.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "./harness/figures.js";
import { envelopeOf, jsonHeaders, outcome, send } from "./harness/http.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { sleep } from "./harness/service.js";
import { chat, FakeUpstream, scriptByModel, tiersOn } from "./harness/upstreams.js";

/** The issue's depth (about 8 KB), and one no stack serialises (about 200 KB, under the 4 MB body limit). */
const DEPTHS = [4_100, 100_000];
const COOLDOWN_MS = 1_000;
/** An ordinary request with one field nested `depth` levels. */
const deepBody = (model: string, depth: number) => `{"model":"${model}","messages":[{"role":"user","content":"hello there"}],"metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`;

interface DeepAnswer {
  when: string;
  depth: number;
  model: string;
  status: number | null;
  code: string | null;
  outcome: string;
}

describe("gateway: deeply nested JSON in a chat body", () => {
  let s: Scenario;
  const fake = new FakeUpstream();
  let failing = false;
  const deep: DeepAnswer[] = [];
  let afterProbe: { status: number | null; attempts: string; outcome: string };

  beforeAll(async () => {
    await fake.start();
    scriptByModel(fake, { flaky: () => (failing ? { status: 500 } : {}) });
    s = await startScenario("gateway-deep-json", {
      config: {
        tiers: tiersOn(fake, { fast: [{ model: "flaky" }], standard: [{ model: "steady" }], premium: [{ model: "steady-premium" }] }),
        gateway: { breaker: { failureThreshold: 1, cooldownMs: COOLDOWN_MS, halfOpenProbes: 1 } },
      },
    });
    const sendDeep = async (when: string, model: string, depth: number) => {
      const res = await send(s.service.base, { method: "POST", path: "/v1/chat/completions", headers: jsonHeaders, body: deepBody(model, depth), timeoutMs: 30_000 });
      deep.push({ when, depth, model, status: res.status, code: envelopeOf(res)?.code ?? null, outcome: outcome(res).slice(0, 120) });
    };
    for (const depth of DEPTHS) for (const model of ["flaky", "tierline", "fast"]) await sendDeep("circuit closed", model, depth);
    // Open flaky's circuit (one failure), let the cooldown pass: the next request to it is the half-open probe.
    failing = true;
    await chat(s.service.base, "flaky");
    failing = false;
    await sleep(COOLDOWN_MS + 200);
    // The deepest only: a body this tierline build still serialised would be the probe itself and close the circuit.
    await sendDeep("circuit half-open", "flaky", Math.max(...DEPTHS));
    const res = await chat(s.service.base, "flaky");
    afterProbe = { status: res.status, attempts: String(res.headers["x-tierline-attempts"] ?? ""), outcome: outcome(res).slice(0, 120) };
  });

  afterAll(async () => {
    const refused = deep.filter((d) => d.status === 400 && d.code === "invalid_request");
    const sizes = DEPTHS.map((d) => `${d.toLocaleString("en-US")} (${(deepBody("flaky", d).length / 1024).toFixed(1)} KB)`);
    recordFigures("gateway-deep-json", { depths: DEPTHS, deep, afterProbe }, [
      {
        scenario: `chat bodies nested ${sizes.join(" and ")} levels`,
        criterion: "400 invalid_request in the envelope, never 5xx",
        measured: `${refused.length}/${deep.length} refused 400; ${DEPTHS.map(
          (d) =>
            `${d.toLocaleString("en-US")}: ${deep
              .filter((x) => x.depth === d)
              .map((x) => x.status)
              .join("/")}`,
        ).join(", ")}`,
        pass: deep.length === 3 * DEPTHS.length + 1 && refused.length === deep.length,
      },
      {
        scenario: "half-open upstream after deep bodies",
        criterion: "probed (not skipped), 200",
        measured: afterProbe ? `${afterProbe.status}, attempts: ${afterProbe.attempts}` : "not run",
        pass: afterProbe?.status === 200 && afterProbe.attempts === "flaky=ok",
      },
    ]);
    await s?.dispose();
    await fake.stop();
  });

  it("refuses the deep body with 400 invalid_request in the envelope, whatever the model and the circuit", () => {
    expect(deep.filter((d) => d.status !== 400 || d.code !== "invalid_request").map((d) => `${d.when} ${d.model} ${d.depth}: ${d.outcome}`)).toEqual([]);
  });

  it("leaves the half-open circuit's probe slot free: the next request probes the upstream and is served by it", () => {
    expect(afterProbe.status, afterProbe.outcome).toBe(200);
    expect(afterProbe.attempts).toBe("flaky=ok");
  });
});
