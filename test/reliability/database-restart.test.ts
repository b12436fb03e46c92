/**
 * Issue 20, fault 7: PostgreSQL not ready under route, curator and feedback
 * load. The server crashes and comes back as a standby with nothing to
 * follow, first refusing every connection with SQLSTATE 57P03 (what clients
 * meet while it starts up or recovers), then read-only (writes fail with
 * 25006), each for a while, then is promoted. Criteria: every write in flight
 * answers within 2 s (the 1.5 s budget and slack) with 2xx or 503
 * database_unavailable/outcome_unknown, never 500; every 503 says when to
 * come back (Retry-After); nothing is logged at error level for this
 * expected outage; routes keep answering; the database holds what curators
 * were told; writes commit again afterwards.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CuratorWriter, compareWithDatabase, type OracleReport } from "./harness/curator-writer.js";
import { fmtMs, latency, type Headline, type LatencySummary, recordFigures } from "./harness/figures.js";
import { bearer, envelopeOf, jsonHeaders, jsonOf, keepAliveAgent, send } from "./harness/http.js";
import { startLoad, summarizeLoad, type LoadSummary } from "./harness/load.js";
import { TrafficMix } from "./harness/queries.js";
import { scaledMs } from "./harness/scale.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, sleep } from "./harness/service.js";
import { WRITE_DEADLINE_MS } from "./harness/outage.js";

interface WriteSample {
  kind: "curator" | "feedback";
  startedAt: number;
  endedAt: number;
  ms: number;
  status: number | null;
  code?: string;
  retryAfter?: string;
}

interface RestartFigures {
  phases: Array<{ name: string; heldMs: number }>;
  writes: { n: number; withinDeadline: number; latencyMs: LatencySummary; outcomes: Record<string, number>; late: string[]; wrongAnswer: string[]; without503RetryAfter: number };
  routes: LoadSummary;
  log: { errorLines: number; errorSamples: string[]; linesNotReady: number };
  oracle: OracleReport;
  committedAfterRestart: number;
  serviceAlive: boolean;
}

const OK_CODES = new Set(["database_unavailable", "outcome_unknown"]);

async function runRestart(s: Scenario): Promise<RestartFigures> {
  const tag = `RELIABrestart${randomBytes(3).toString("hex")}`;
  const writer = new CuratorWriter(() => s.service.base, tag, 10_000);
  const mix = new TrafficMix(0.5, tag);
  const routes = startLoad(s.service.base, {
    concurrency: 4,
    next: () => ({ kind: "route", req: { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: mix.next() }), timeoutMs: 10_000 } }),
  });
  const writes: WriteSample[] = [];
  let running = true;
  const curators = Array.from({ length: 2 }, async (_, w) => {
    while (running) {
      const started = performance.now();
      const op = await writer.writeOnce(w);
      const a = op.attempts.at(-1)!;
      writes.push({ kind: "curator", startedAt: a.startedAt, endedAt: a.endedAt, ms: a.ms, status: a.status, code: a.code });
      await sleep(Math.max(0, 600 - (performance.now() - started)));
    }
  });
  const agent = keepAliveAgent(4);
  // Reports by decision id (POST /decisions/{id}/feedback) and by query text (a one-line import: the log is flushed and searched).
  const reporters = Array.from({ length: 2 }, async (_, w) => {
    while (running) {
      const query = mix.next();
      const routed = jsonOf<{ decisionId?: string }>(await send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query }), agent }));
      if (routed?.decisionId) {
        const req =
          w === 0
            ? { path: `/decisions/${routed.decisionId}/feedback`, headers: { ...bearer(ADMIN_TOKEN), ...jsonHeaders }, body: JSON.stringify({ verdict: "ok" }) }
            : { path: "/feedback/import", headers: { ...bearer(ADMIN_TOKEN), "content-type": "application/x-ndjson" }, body: `${JSON.stringify({ query, verdict: "ok" })}\n` };
        const res = await send(s.service.base, { method: "POST", ...req, timeoutMs: 10_000, agent });
        writes.push({
          kind: "feedback",
          startedAt: res.startedAt,
          endedAt: res.endedAt,
          ms: res.ms,
          status: res.status,
          code: envelopeOf(res)?.code,
          retryAfter: res.headers["retry-after"] as string | undefined,
        });
      }
      await sleep(300);
    }
  });

  await sleep(scaledMs(5000, 3000));
  const logBefore = s.service.logText().length;
  const windows: Array<{ from: number; to: number }> = [];
  const phases: RestartFigures["phases"] = [];
  const steps = [
    { name: "starting up (57P03)", hotStandby: false as boolean | null },
    { name: "read-only standby (25006)", hotStandby: true },
    { name: "restart (pg_ctl stop -m fast, start)", hotStandby: null },
  ];
  for (const phase of steps) {
    const from = performance.now();
    if (phase.hotStandby === null) {
      await s.cluster.stop("fast");
      await s.cluster.start();
    } else {
      await s.cluster.stop("immediate");
      await s.cluster.startAsStandby(phase.hotStandby);
      await sleep(scaledMs(15_000, 5000));
      await s.cluster.promote();
    }
    const to = performance.now();
    phases.push({ name: phase.name, heldMs: Math.round(to - from) });
    windows.push({ from, to });
    await sleep(scaledMs(10_000, 5000));
  }
  running = false;
  await Promise.all([...curators, ...reporters]);
  await routes.stop();
  agent.destroy();
  await writer.resolveUnknown(60_000);
  const oracle = await compareWithDatabase(s.sql, writer);
  writer.close();

  // In flight at any moment between a crash and one second after the promotion.
  const inWindow = writes.filter((w) => windows.some(({ from, to }) => w.startedAt < to + 1000 && w.endedAt > from));
  const windowEnd = windows.at(-1)!.to + 1000;
  const outcomes: Record<string, number> = {};
  for (const w of inWindow) {
    const k = `${w.kind} ${w.status ?? "no answer"}${w.code ? ` ${w.code}` : ""}`;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  const describe = (w: WriteSample) => `${w.kind} ${w.status ?? "no answer"} ${w.code ?? ""} in ${Math.round(w.ms)} ms`;
  const late = inWindow.filter((w) => w.status === null || w.ms > WRITE_DEADLINE_MS);
  const wrongAnswer = inWindow.filter((w) => w.status !== null && w.status >= 300 && !(w.status === 503 && OK_CODES.has(w.code ?? "")));
  const logLines = s.service.logText().slice(logBefore).split("\n");
  const errorLines = logLines.filter((l) => Number(/"level":(\d+)/.exec(l)?.[1] ?? 0) >= 50);
  return {
    phases,
    writes: {
      n: inWindow.length,
      withinDeadline: inWindow.length - late.length,
      latencyMs: latency(inWindow.map((w) => w.ms)),
      outcomes,
      late: late.slice(0, 10).map(describe),
      wrongAnswer: wrongAnswer.slice(0, 10).map(describe),
      without503RetryAfter: writes.filter((w) => w.kind === "feedback" && w.status === 503 && !w.retryAfter).length,
    },
    routes: summarizeLoad(routes.samples),
    log: { errorLines: errorLines.length, errorSamples: errorLines.slice(0, 3).map((l) => l.slice(0, 400)), linesNotReady: logLines.filter((l) => /57P03|25006/.test(l)).length },
    oracle,
    committedAfterRestart: writes.filter((w) => w.startedAt > windowEnd && w.status !== null && w.status < 300).length,
    serviceAlive: s.service.alive(),
  };
}

describe("PostgreSQL not ready (starting up: 57P03; read-only: 25006) under load", () => {
  let s: Scenario;
  let f: RestartFigures;

  beforeAll(async () => {
    s = await startScenario("db-restart");
    f = await runRestart(s);
  });

  afterAll(async () => {
    if (f) {
      const w = f.writes;
      const headlines: Headline[] = [
        {
          scenario: "db restart: writes",
          criterion: `2xx or 503 within ${(WRITE_DEADLINE_MS / 1000).toFixed(1)} s`,
          measured: `${w.withinDeadline}/${w.n} in time, max ${fmtMs(w.latencyMs.max)}; ${Object.entries(w.outcomes)
            .map(([k, v]) => `${v}× ${k}`)
            .join(", ")}`,
          pass: w.n > 0 && w.late.length === 0 && w.wrongAnswer.length === 0,
        },
        {
          scenario: "db restart: 503s, logs",
          criterion: "Retry-After on 503; nothing at error level",
          measured: `${w.without503RetryAfter} 503s without Retry-After; ${f.log.errorLines} error lines (${f.log.linesNotReady} lines name 57P03/25006)`,
          pass: w.without503RetryAfter === 0 && f.log.errorLines === 0,
        },
        {
          scenario: "db restart: routes, data",
          criterion: "every /route 200; database = what curators were told",
          measured: `${f.routes.requests} routes, ${f.routes.errors} errors; told ${f.oracle.expected}, ${f.oracle.missing.length} missing, ${f.oracle.appeared.length} appeared`,
          pass: f.routes.errors === 0 && f.oracle.missing.length === 0 && f.oracle.appeared.length === 0 && f.oracle.changed.length === 0,
        },
      ];
      recordFigures("db-restart", f as unknown as Record<string, unknown>, headlines);
    }
    await s?.dispose();
  });

  it(`every write in flight during the restart answers 2xx or 503 (database_unavailable/outcome_unknown) within ${WRITE_DEADLINE_MS} ms`, () => {
    expect(f.writes.n).toBeGreaterThan(0);
    expect(f.writes.late).toEqual([]);
    expect(f.writes.wrongAnswer).toEqual([]);
  });

  it("every 503 carries Retry-After, and the expected outage logs nothing at error level", () => {
    expect(f.writes.without503RetryAfter).toBe(0);
    expect(f.log.errorSamples).toEqual([]);
  });

  it("routes keep answering; the database holds exactly what curators were told; writes commit again", () => {
    expect(f.routes.byStatus).toEqual({ "200": f.routes.requests });
    expect(f.oracle).toMatchObject({ missing: [], appeared: [], changed: [] });
    expect(f.committedAfterRestart).toBeGreaterThan(0);
    expect(f.serviceAlive, s.service.describeExit()).toBe(true);
  });
});
