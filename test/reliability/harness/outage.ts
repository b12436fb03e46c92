/**
 * A database outage under load: route traffic, curator writes (with
 * Idempotency-Key bookkeeping), list/stats reads and /readyz probes run while
 * the scenario's private PostgreSQL is stopped (`pg_ctl stop -m immediate`)
 * or frozen (SIGSTOP), then brought back. Afterwards the database is compared
 * with what the client was told, twice, a grace period apart.
 */
import { randomBytes } from "node:crypto";
import { latency, type LatencySummary } from "./figures.js";
import { CuratorWriter, compareWithDatabase, describeAttempt, type OracleReport, type WriteOp } from "./curator-writer.js";
import { bearer, jsonHeaders, jsonOf, keepAliveAgent, send } from "./http.js";
import { startLoad, summarizeLoad, type LoadSample, type LoadSummary } from "./load.js";
import { TrafficMix } from "./queries.js";
import { scaledMs } from "./scale.js";
import { onThisMachine } from "./machine.js";
import { exemplarCount, type Scenario } from "./scenario.js";
import { ADMIN_TOKEN, ANALYST_TOKEN, sleep } from "./service.js";

/** The service's database budget (database.operationTimeoutMs, 1.5 s), plus 0.5 s of slack on the reference box. */
export const WRITE_DEADLINE_MS = onThisMachine(500, 1500);
const WRITE_TIMEOUT_MS = 10_000;
const OK_OUTAGE_CODES = new Set(["database_unavailable", "outcome_unknown"]);

/** Database error text that /readyz must not show. */
export const DB_ERROR_TEXT =
  /ECONN|EPIPE|ETIMEDOUT|refused|timed out|timeout exceeded|terminat|socket|postgres:\/\/|127\.0\.0\.1|failed query|database system|connection (to|terminated|ended|closed)|CONNECT_TIMEOUT|"error"\s*:/i;

export interface OutageFigures {
  kind: "stop" | "freeze";
  durationsMs: { baseline: number; outage: number; recovery: number; grace: number };
  baseline: { writes: LatencySummary; routes: LoadSummary };
  outage: {
    writes: { n: number; withinDeadline: number; latencyMs: LatencySummary; outcomes: Record<string, number>; late: string[]; wrongCode: string[] };
    routes: LoadSummary;
    reads: { n: number; withinDeadline: number; latencyMs: LatencySummary; outcomes: Record<string, number> };
    readyz: { probes: number; statuses: Record<string, number>; leaks: string[]; maxMs: number };
  };
  recovery: { firstCommittedWriteAfterMs: number | null; routes: LoadSummary };
  routesWholeRun: LoadSummary;
  writes: {
    total: number;
    committed: number;
    rejected: number;
    unknownBeforeResolve: number;
    unresolved: number;
    retriedCreatesAnsweredUnchanged: number;
    unresolvedSamples: string[];
  };
  oracleAfterResolve: OracleReport;
  oracleAfterGrace: OracleReport;
  index: { exemplarsInIndex: number | null; exemplarsInDatabase: number };
  logLeaks: { lines: number; samples: string[] };
  serviceAlive: boolean;
}

export async function runOutage(s: Scenario, kind: "stop" | "freeze"): Promise<OutageFigures> {
  const durations = {
    baseline: scaledMs(5000, 2000),
    outage: scaledMs(15_000, 5000),
    // Not scaled down: after a crash the server replays WAL and the service reconnects before writes commit
    // again; 5 s was not always enough on a loaded machine.
    recovery: 10_000,
    grace: 5000,
  };
  const tag = `RELIAB${kind}${randomBytes(4).toString("hex")}`;
  const writer = new CuratorWriter(() => s.service.base, tag, WRITE_TIMEOUT_MS);
  const mix = new TrafficMix(0.5, tag);
  const routes = startLoad(s.service.base, {
    concurrency: 4,
    next: () => ({ kind: "route", req: { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: mix.next() }), timeoutMs: 10_000 } }),
  });

  let running = true;
  // Four curators, each starting a write every 600 ms at most: 400 writes a minute, under the default
  // per-token write quota (600/min), so every answer is about the database, never the rate limit.
  const writers = Array.from({ length: 4 }, async (_, w) => {
    while (running) {
      const started = performance.now();
      await writer.writeOnce(w);
      await sleep(Math.max(0, 600 - (performance.now() - started)));
    }
  });
  const reads: LoadSample[] = [];
  const readAgent = keepAliveAgent(2);
  const reader = (async () => {
    for (let i = 0; running; i++) {
      const which = i % 3;
      const path = which === 0 ? `/exemplars?q=${tag}&limit=5` : which === 1 ? `/stats/cache?tier=fast` : "/stats/routing";
      const res = await send(s.service.base, { method: "GET", path, headers: bearer(which === 0 ? ADMIN_TOKEN : ANALYST_TOKEN), timeoutMs: WRITE_TIMEOUT_MS, agent: readAgent });
      reads.push({
        kind: path.split("?")[0]!,
        worker: 0,
        startedAt: res.startedAt,
        endedAt: res.endedAt,
        ms: res.ms,
        status: res.status,
        error: res.error,
        code: res.status !== null && res.status >= 400 ? jsonOf<{ error?: { code?: string } }>(res)?.error?.code : undefined,
        reusedSocket: res.reusedSocket,
      });
      await sleep(100);
    }
  })();
  const readyz: Array<{ at: number; status: number | null; body: string; ms: number }> = [];
  const prober = (async () => {
    while (running) {
      const res = await send(s.service.base, { method: "GET", path: "/readyz", timeoutMs: WRITE_TIMEOUT_MS, agent: false });
      readyz.push({ at: res.startedAt, status: res.status, body: res.body.toString("utf8"), ms: res.ms });
      await sleep(500);
    }
  })();

  const t0 = performance.now();
  await sleep(durations.baseline);
  const outageStart = performance.now();
  if (kind === "stop") await s.cluster.stop("immediate");
  else s.cluster.freeze();
  await sleep(durations.outage);
  const outageEnd = performance.now();
  if (kind === "stop") await s.cluster.start();
  else s.cluster.thaw();
  const upAt = performance.now();
  await sleep(durations.recovery);
  running = false;
  await Promise.all([...writers, reader, prober]);
  await routes.stop();
  readAgent.destroy();

  const unknownBeforeResolve = writer.unsettled().length;
  await writer.resolveUnknown(60_000);
  const oracleAfterResolve = await compareWithDatabase(s.sql, writer);
  await sleep(durations.grace);
  const oracleAfterGrace = await compareWithDatabase(s.sql, writer);

  const attempts = writer.ops.flatMap((op) => op.attempts.map((a) => ({ op, a })));
  // Writes in flight at any moment of the outage: started during it, or started before and still waiting when it began.
  const inOutage = attempts.filter(({ a }) => a.startedAt < outageEnd && a.endedAt > outageStart);
  const outcomes: Record<string, number> = {};
  for (const { a } of inOutage) {
    const k = a.status === null ? `${a.error}` : `${a.status}${a.code ? ` ${a.code}` : ""}`;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  const late = inOutage.filter(({ a }) => !(a.status !== null && a.ms <= WRITE_DEADLINE_MS));
  const wrongCode = inOutage.filter(({ a }) => a.status !== null && a.status >= 300 && !(a.status === 503 && OK_OUTAGE_CODES.has(a.code ?? "")));
  const readsInOutage = reads.filter((r) => r.startedAt < outageEnd && r.endedAt > outageStart);
  const readOutcomes: Record<string, number> = {};
  for (const r of readsInOutage) {
    const k = r.status === null ? `${r.error}` : `${r.status}${r.code ? ` ${r.code}` : ""}`;
    readOutcomes[k] = (readOutcomes[k] ?? 0) + 1;
  }
  const readyzInOutage = readyz.filter((r) => r.at >= outageStart && r.at < outageEnd);
  const readyzStatuses: Record<string, number> = {};
  for (const r of readyzInOutage) {
    let status = "";
    try {
      status = (JSON.parse(r.body) as { status?: string }).status ?? "";
    } catch {
      // not JSON
    }
    const k = `${r.status ?? "no answer"} ${status}`.trim();
    readyzStatuses[k] = (readyzStatuses[k] ?? 0) + 1;
  }
  const firstCommit = attempts.filter(({ a }) => a.verdict === "committed" && a.startedAt >= upAt).sort((x, y) => x.a.endedAt - y.a.endedAt)[0];

  const ready = jsonOf<{ checks?: { index?: { exemplars?: number } } }>(await send(s.service.base, { method: "GET", path: "/readyz", timeoutMs: 10_000, agent: false }));
  const count = await exemplarCount(s.sql);
  const leakLines = s.service
    .logText()
    .split("\n")
    .filter((l) => {
      const level = Number(/"level":(\d+)/.exec(l)?.[1] ?? 0);
      return level >= 40 && l.includes(tag);
    });
  writer.close();
  const unsettled = writer.unsettled();
  const describeOp = (op: WriteOp) => `${op.kind} ${op.text.slice(0, 40)}: ${op.attempts.map(describeAttempt).join(" → ")}`;

  return {
    kind,
    durationsMs: durations,
    baseline: {
      writes: latency(attempts.filter(({ a }) => a.startedAt < outageStart).map(({ a }) => a.ms)),
      routes: summarizeLoad(routes.samples, t0, outageStart),
    },
    outage: {
      writes: {
        n: inOutage.length,
        withinDeadline: inOutage.length - late.length,
        latencyMs: latency(inOutage.map(({ a }) => a.ms)),
        outcomes,
        late: late.slice(0, 10).map(({ op, a }) => `${op.kind}: ${describeAttempt(a)}`),
        wrongCode: wrongCode.slice(0, 10).map(({ op, a }) => `${op.kind}: ${describeAttempt(a)}`),
      },
      routes: summarizeLoad(routes.samples, outageStart, outageEnd),
      reads: {
        n: readsInOutage.length,
        withinDeadline: readsInOutage.filter((r) => r.status !== null && r.ms <= WRITE_DEADLINE_MS && (r.status === 200 || (r.status === 503 && r.code === "database_unavailable")))
          .length,
        latencyMs: latency(readsInOutage.map((r) => r.ms)),
        outcomes: readOutcomes,
      },
      readyz: {
        probes: readyzInOutage.length,
        statuses: readyzStatuses,
        leaks: readyzInOutage
          .filter((r) => DB_ERROR_TEXT.test(r.body))
          .slice(0, 3)
          .map((r) => r.body.slice(0, 300)),
        maxMs: Math.round(Math.max(0, ...readyzInOutage.map((r) => r.ms))),
      },
    },
    recovery: { firstCommittedWriteAfterMs: firstCommit ? Math.round(firstCommit.a.endedAt - upAt) : null, routes: summarizeLoad(routes.samples, upAt, Infinity) },
    routesWholeRun: summarizeLoad(routes.samples),
    writes: {
      total: writer.ops.length,
      committed: writer.ops.filter((o) => o.state === "committed").length,
      rejected: writer.ops.filter((o) => o.state === "rejected").length,
      unknownBeforeResolve,
      unresolved: unsettled.length,
      retriedCreatesAnsweredUnchanged: writer.ops.filter(
        (o) => o.kind === "create" && o.state === "committed" && o.attempts.some((a) => a.verdict === "unknown") && o.rowStatus === "unchanged",
      ).length,
      unresolvedSamples: unsettled.slice(0, 5).map(describeOp),
    },
    oracleAfterResolve,
    oracleAfterGrace,
    index: { exemplarsInIndex: ready?.checks?.index?.exemplars ?? null, exemplarsInDatabase: count },
    logLeaks: { lines: leakLines.length, samples: leakLines.slice(0, 3).map((l) => l.slice(0, 300)) },
    serviceAlive: s.service.alive(),
  };
}
