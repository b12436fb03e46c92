/**
 * Issue 11, fault 1: one unauthenticated 1 MB /route body of alternating
 * U+0316 U+0301 froze every route (77 s). Criterion: the reproducer answers
 * in under 250 ms with a 400 or a routed answer, and /healthz keeps answering
 * while it is in flight. The bound detects a freeze (300 times below the
 * fault) without timing the machine: one linear pass over a megabyte takes
 * 20 to 40 ms on a quiet core and twice that when CI shares the two cores
 * (50 ms failed a fresh-clone run at 62.5 ms).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, latency, recordFigures } from "./harness/figures.js";
import { envelopeOf, jsonHeaders, jsonOf, keepAliveAgent, outcome, send, type HttpResult } from "./harness/http.js";
import { freezeReproducerBody } from "./harness/queries.js";
import { scaled } from "./harness/scale.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { TIERS, sleep } from "./harness/service.js";
import { onThisMachine } from "./harness/machine.js";

const FREEZE_BOUND_MS = onThisMachine(250);
const REPETITIONS = scaled(20, 3);
/** Long enough to measure today's freeze (77 s in the issue) instead of cutting it short. */
const TIMEOUT_MS = 150_000;

/**
 * The issue's exact 1 MB body, and the same storm sized to fit under a route
 * body limit (~480 KB, under 512 KB), so a size limit alone cannot answer it:
 * these reach parsing and normalisation.
 */
const VARIANTS: Array<{ name: string; body: () => string }> = [
  { name: "issue reproducer (1 MB, raw UTF-8)", body: freezeReproducerBody },
  { name: "480 KB storm, raw UTF-8", body: () => `{"query":"${"\u0316\u0301".repeat(120_000)}"}` },
  { name: "480 KB storm, JSON escapes", body: () => `{"query":"${"\\u0316\\u0301".repeat(40_000)}"}` },
  { name: "480 KB storm in messages[].content", body: () => JSON.stringify({ messages: [{ role: "user", content: "\u0316\u0301".repeat(119_990) }] }) },
];

interface Attempt {
  variant: string;
  ms: number;
  outcome: string;
  acceptable: boolean;
  healthzMaxMs: number;
  healthzProbes: number;
  healthzFailures: number;
  healthzFailureSample?: string;
}

/** A 400 in the envelope, or a routed answer. */
function acceptable(res: HttpResult): boolean {
  if (res.status === 400) return envelopeOf(res) !== undefined;
  if (res.status === 200) return (TIERS as readonly string[]).includes(jsonOf<{ tier: string }>(res)?.tier ?? "");
  return false;
}

describe("freeze reproducer: combining-mark storm on /route", () => {
  let s: Scenario;
  const attempts: Attempt[] = [];

  beforeAll(async () => {
    s = await startScenario("freeze-reproducer");
    await send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: "warm-up query" }) });
    const probeAgent = keepAliveAgent(4);
    for (const variant of VARIANTS) {
      const body = variant.body();
      for (let i = 0; i < REPETITIONS; i++) {
        let inFlight = true;
        const probes: HttpResult[] = [];
        const prober = (async () => {
          await sleep(2);
          while (inFlight) {
            probes.push(await send(s.service.base, { method: "GET", path: "/healthz", timeoutMs: TIMEOUT_MS, agent: probeAgent }));
            await sleep(5);
          }
        })();
        const res = await send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body, timeoutMs: TIMEOUT_MS, agent: false });
        inFlight = false;
        await prober;
        attempts.push({
          variant: variant.name,
          ms: Math.round(res.ms * 10) / 10,
          outcome: outcome(res).slice(0, 120),
          acceptable: acceptable(res),
          healthzMaxMs: Math.round(Math.max(0, ...probes.map((p) => p.ms))),
          healthzProbes: probes.length,
          healthzFailures: probes.filter((p) => p.status !== 200).length,
          healthzFailureSample: probes.find((p) => p.status !== 200) ? outcome(probes.find((p) => p.status !== 200)!) : undefined,
        });
        // Today a single request freezes the service for over a minute: one measurement per variant says enough.
        if (res.ms > 5_000) break;
      }
    }
    probeAgent.destroy();
  });

  afterAll(async () => {
    const exact = attempts.filter((a) => a.variant === VARIANTS[0]!.name);
    const others = attempts.filter((a) => a.variant !== VARIANTS[0]!.name);
    const describeSet = (set: Attempt[]) => {
      const answers: Record<string, number> = {};
      for (const a of set) {
        const k = a.outcome.startsWith("200 ") ? "200 routed" : a.outcome.split(":")[0]!;
        answers[k] = (answers[k] ?? 0) + 1;
      }
      return `max ${fmtMs(Math.max(...set.map((a) => a.ms)))} over ${set.length} (${Object.entries(answers)
        .map(([k, v]) => `${v}× ${k}`)
        .join(", ")}), ${set.filter((a) => a.ms < FREEZE_BOUND_MS && a.acceptable).length} pass; /healthz max ${fmtMs(Math.max(...set.map((a) => a.healthzMaxMs)))}`;
    };
    recordFigures(
      "freeze-reproducer",
      {
        boundMs: FREEZE_BOUND_MS,
        repetitions: REPETITIONS,
        byVariant: VARIANTS.map((v) => ({ variant: v.name, latencyMs: latency(attempts.filter((a) => a.variant === v.name).map((a) => a.ms)) })),
        attempts,
      },
      [
        {
          scenario: "freeze reproducer (exact)",
          criterion: `< ${FREEZE_BOUND_MS} ms, 400 or routed`,
          measured: exact.length ? describeSet(exact) : "not run",
          pass: exact.length > 0 && exact.every((a) => a.ms < FREEZE_BOUND_MS && a.acceptable),
        },
        {
          scenario: "freeze storm under the body limit",
          criterion: `< ${FREEZE_BOUND_MS} ms, 400 or routed`,
          measured: others.length ? describeSet(others) : "not run",
          pass: others.length > 0 && others.every((a) => a.ms < FREEZE_BOUND_MS && a.acceptable),
        },
      ],
    );
    await s?.dispose();
  });

  // As issue 11's "done when" says: 400 or routed. A 413 (body over a route limit) is fast but is neither;
  // if that is to count, it is a change to the criterion (acceptable() above), not to the service.
  it(`the issue's reproducer answers in under ${FREEZE_BOUND_MS} ms with a 400 or a routed answer, every time`, () => {
    const exact = attempts.filter((a) => a.variant === VARIANTS[0]!.name);
    expect(exact.length).toBeGreaterThan(0);
    expect(exact.filter((a) => !(a.ms < FREEZE_BOUND_MS && a.acceptable))).toEqual([]);
  });

  it("the storm sized under a route body limit (raw, escaped, in messages) answers just as fast", () => {
    expect(attempts.filter((a) => a.variant !== VARIANTS[0]!.name && !(a.ms < FREEZE_BOUND_MS && a.acceptable))).toEqual([]);
  });

  it("/healthz keeps answering while the storm is in flight", () => {
    // "Answered meanwhile": every probe gets its 200 within a second, not after the storm.
    expect(
      attempts.filter((a) => a.healthzFailures > 0 || a.healthzMaxMs > 1000).map((a) => ({ variant: a.variant, healthzMaxMs: a.healthzMaxMs, healthzFailures: a.healthzFailures })),
    ).toEqual([]);
  });

  it("the service is alive afterwards", async () => {
    expect(s.service.alive(), s.service.describeExit()).toBe(true);
    expect((await send(s.service.base, { method: "GET", path: "/healthz", timeoutMs: TIMEOUT_MS })).status).toBe(200);
  });
});
