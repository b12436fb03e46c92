/**
 * Issue 20, fault 9: a feedback import of the documented size (10,000 lines;
 * 1,000 at CI size) against the real service on PostgreSQL, then the same
 * size again with PostgreSQL frozen part-way. Criteria: the import is
 * applied whole (200, every line created); while frozen it answers 503 in
 * the envelope, and its message names nothing the endpoint does not take (no
 * Idempotency-Key); sending the same import again afterwards settles it,
 * every line created or unchanged, none twice.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures, type Headline } from "./harness/figures.js";
import { bearer, envelopeOf, jsonHeaders, jsonOf, keepAliveAgent, outcome, send } from "./harness/http.js";
import { devQueries } from "./harness/queries.js";
import { scaled } from "./harness/scale.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, sleep } from "./harness/service.js";

const LINES = scaled(10_000, 1_000);

interface ImportFigures {
  lines: number;
  byText: number;
  whole: { status: number | null; ms: number; created: number | null; outcome: string };
  frozen: {
    tries: number;
    status: number | null;
    ms: number;
    code?: string;
    message?: string;
    retry: { status: number | null; created: number; unchanged: number; outcome: string };
  };
  reportsInTable: number;
}

/** LINES decisions: most routed on a few repeated queries (cache hits), a tenth on queries of their own, reported by text. */
async function decide(s: Scenario, tag: string): Promise<Array<{ decisionId?: string; query?: string }>> {
  const qs = devQueries();
  const agent = keepAliveAgent(8);
  const out: Array<{ decisionId?: string; query?: string }> = new Array(LINES);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < LINES; i = next++) {
        const byText = i % 10 === 0;
        const query = byText ? `${qs[i % qs.length]} (ticket ${tag}-${i})` : qs[i % 20]!;
        const res = jsonOf<{ decisionId: string }>(
          await send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query }), agent, timeoutMs: 30_000 }),
        );
        out[i] = byText ? { query } : { decisionId: res!.decisionId };
      }
    }),
  );
  agent.destroy();
  return out;
}

const body = (lines: Array<{ decisionId?: string; query?: string }>, verdict: string) => lines.map((l) => JSON.stringify({ ...l, verdict })).join("\n") + "\n";
const importReq = (payload: string) => ({
  method: "POST",
  path: "/feedback/import",
  headers: { ...bearer(ADMIN_TOKEN), "content-type": "application/x-ndjson" },
  body: payload,
  timeoutMs: 300_000,
  agent: false as const,
});

async function runImports(s: Scenario): Promise<ImportFigures> {
  const tag = `RELIABfb${randomBytes(3).toString("hex")}`;
  const first = await decide(s, `${tag}a`);
  // The log is written behind: give it a flush before reporting by text.
  await sleep(2500);
  const whole = await send(s.service.base, importReq(body(first, "ok")));

  // Again with new decisions, PostgreSQL frozen part-way through.
  const second = await decide(s, `${tag}b`);
  await sleep(2500);
  const payload = body(second, "overkill");
  let tries = 0;
  let frozen = whole;
  let delay = Math.max(20, Math.round(whole.ms * 0.3));
  for (; tries < 4; tries++) {
    const inFlight = send(s.service.base, importReq(payload));
    await sleep(delay);
    s.cluster.freeze();
    frozen = await inFlight;
    s.cluster.thaw();
    if (frozen.status !== 200) break;
    delay = Math.max(5, Math.round(delay / 3));
  }
  const retry = await send(s.service.base, importReq(payload));
  const r = jsonOf<{ created: number; unchanged: number }>(retry);
  const reports = await s.sql<Array<{ n: number }>>`select count(*)::int as n from decision_feedback where verdict = 'overkill'`;
  return {
    lines: LINES,
    byText: first.filter((l) => l.query !== undefined).length,
    whole: { status: whole.status, ms: Math.round(whole.ms), created: jsonOf<{ created: number }>(whole)?.created ?? null, outcome: outcome(whole).slice(0, 200) },
    frozen: {
      tries: tries + 1,
      status: frozen.status,
      ms: Math.round(frozen.ms),
      code: envelopeOf(frozen)?.code,
      message: envelopeOf(frozen)?.message,
      retry: { status: retry.status, created: r?.created ?? 0, unchanged: r?.unchanged ?? 0, outcome: outcome(retry).slice(0, 200) },
    },
    reportsInTable: reports[0]!.n,
  };
}

describe(`a ${LINES.toLocaleString("en-US")}-line feedback import`, () => {
  let s: Scenario;
  let f: ImportFigures;

  beforeAll(async () => {
    s = await startScenario("feedback-import");
    f = await runImports(s);
  });

  afterAll(async () => {
    if (f) {
      const fr = f.frozen;
      const headlines: Headline[] = [
        {
          scenario: "feedback import: size",
          criterion: `${LINES} lines applied whole`,
          measured: `${f.whole.status} in ${fmtMs(f.whole.ms)}, ${f.whole.created} created (${f.byText} by query text)`,
          pass: f.whole.status === 200 && f.whole.created === LINES,
        },
        {
          scenario: "feedback import: frozen",
          criterion: "503, no Idempotency-Key named; resent: settled once",
          measured: `${fr.status} ${fr.code ?? ""} after ${fmtMs(fr.ms)} (try ${fr.tries}); resent: ${fr.retry.created} created + ${fr.retry.unchanged} unchanged, ${f.reportsInTable} in the table`,
          pass: fr.status === 503 && !/idempotency/i.test(fr.message ?? "") && fr.retry.created + fr.retry.unchanged === LINES && f.reportsInTable === LINES,
        },
      ];
      recordFigures("feedback-import", f as unknown as Record<string, unknown>, headlines);
    }
    await s?.dispose();
  });

  it("is applied whole: every line created", () => {
    expect(f.whole.status, f.whole.outcome).toBe(200);
    expect(f.whole.created).toBe(LINES);
  });

  it("with PostgreSQL frozen it answers 503 naming only what the endpoint supports; sent again it is settled, each report once", () => {
    expect(f.frozen.status, JSON.stringify(f.frozen)).toBe(503);
    expect(["database_unavailable", "outcome_unknown"]).toContain(f.frozen.code);
    expect(f.frozen.message).not.toMatch(/idempotency/i);
    expect(f.frozen.retry.status, f.frozen.retry.outcome).toBe(200);
    expect(f.frozen.retry.created + f.frozen.retry.unchanged).toBe(LINES);
    expect(f.reportsInTable).toBe(LINES);
  });
});
