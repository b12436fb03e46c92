/**
 * Issue 11, fault 4: import lines had no text cap (POST caps text at 20,000
 * characters) and the tokenizer built a per-character structure over the
 * whole text: a 31 MB line ran the heap out of memory, a 5 MB line stalled
 * everything for 4.4 s. Criteria: no crash from any import line; each is
 * answered (400/413 in the envelope) and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures } from "./harness/figures.js";
import { bearer, envelopeOf, keepAliveAgent, outcome, send, type HttpResult } from "./harness/http.js";
import { exemplarCount, startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, sleep } from "./harness/service.js";

/** Decimal, as in the issue: a 31 MB line fits under the 32 MB import body cap, so it reaches the parser. */
const MB = 1_000_000;
const TIMEOUT_MS = 180_000;

/** A JSONL body: one ordinary line, then one line whose text is `bytes` long. */
function body(bytes: number, unit: string): string {
  const text = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))).slice(0, bytes);
  return `${JSON.stringify({ text: "an ordinary exemplar line before the huge one", tier: "fast" })}\n${JSON.stringify({ text, tier: "premium" })}\n`;
}

const CASES = [
  { name: "31 MB line (words)", bytes: 31 * MB, unit: "lorem ipsum dolor sit amet " },
  { name: "5 MB line (words)", bytes: 5 * MB, unit: "lorem ipsum dolor sit amet " },
  { name: "5 MB line (no spaces)", bytes: 5 * MB, unit: "x" },
  { name: "20,001-character line (just over the POST cap)", bytes: 20_001, unit: "y" },
];

interface CaseResult {
  name: string;
  bodyBytes: number;
  outcome: string;
  ms: number;
  acceptable: boolean;
  survived: boolean;
  exit?: string;
  healthzMaxMs: number;
  healthzUnanswered: number;
  peakRssMb: number | null;
}

describe("huge import lines", () => {
  let s: Scenario;
  const results: CaseResult[] = [];
  let rowsBefore = 0;
  let rowsAfter = 0;

  beforeAll(async () => {
    s = await startScenario("huge-import-line");
    rowsBefore = await exemplarCount(s.sql);
    for (const c of CASES) {
      const payload = body(c.bytes, c.unit);
      let inFlight = true;
      let peak = s.service.rssMb();
      const probes: HttpResult[] = [];
      const probeAgent = keepAliveAgent(2);
      const prober = (async () => {
        while (inFlight) {
          probes.push(await send(s.service.base, { method: "GET", path: "/healthz", timeoutMs: TIMEOUT_MS, agent: probeAgent }));
          peak = Math.max(peak ?? 0, s.service.rssMb() ?? 0);
          await sleep(50);
        }
      })();
      const res = await send(s.service.base, {
        method: "POST",
        path: "/exemplars/import",
        headers: { ...bearer(ADMIN_TOKEN), "content-type": "application/x-ndjson" },
        body: payload,
        timeoutMs: TIMEOUT_MS,
        agent: false,
      });
      inFlight = false;
      await prober;
      probeAgent.destroy();
      await sleep(200);
      const health = s.service.alive() ? await send(s.service.base, { method: "GET", path: "/healthz", timeoutMs: 30_000, agent: false }) : null;
      const survived = s.service.alive() && health?.status === 200;
      results.push({
        name: c.name,
        bodyBytes: Buffer.byteLength(payload),
        outcome: outcome(res).slice(0, 160),
        ms: Math.round(res.ms),
        acceptable: (res.status === 400 || res.status === 413) && envelopeOf(res) !== undefined,
        survived,
        exit: survived ? undefined : s.service.describeExit().slice(0, 600),
        healthzMaxMs: Math.round(Math.max(0, ...probes.map((p) => p.ms))),
        healthzUnanswered: probes.filter((p) => p.status !== 200).length,
        peakRssMb: peak,
      });
      if (!s.service.alive()) s.service = await s.service.restart();
    }
    rowsAfter = await exemplarCount(s.sql);
  });

  afterAll(async () => {
    recordFigures(
      "huge-import-line",
      { results, rowsBefore, rowsAfter },
      results.map((r) => ({
        scenario: `import ${r.name}`,
        criterion: "no crash; 400/413; nothing written",
        measured: `${r.survived ? "survived" : "CRASHED"}, ${r.outcome.slice(0, 60)} in ${fmtMs(r.ms)}; /healthz max ${fmtMs(r.healthzMaxMs)}; peak RSS ${r.peakRssMb ?? "?"} MB`,
        pass: r.survived && r.acceptable && rowsAfter === rowsBefore,
      })),
    );
    await s?.dispose();
  });

  it("no import line crashes the process", () => {
    expect(results.filter((r) => !r.survived).map((r) => ({ name: r.name, outcome: r.outcome, exit: r.exit }))).toEqual([]);
  });

  it("every oversized line is answered with a 400 or 413 in the error envelope", () => {
    expect(results.filter((r) => !r.acceptable).map((r) => ({ name: r.name, outcome: r.outcome }))).toEqual([]);
  });

  it("a rejected import writes nothing (the ordinary line before the huge one included)", () => {
    expect(rowsAfter).toBe(rowsBefore);
  });
});
