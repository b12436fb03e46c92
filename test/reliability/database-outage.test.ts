/**
 * Issue 11, fault 2 (and the /readyz and log parts of 7): PostgreSQL stopped
 * (`pg_ctl stop -m immediate`) and frozen (SIGSTOP) under route, write and
 * read load. Criteria: writes during the outage answer 503
 * (database_unavailable, or outcome_unknown) within 2 s; routes keep
 * answering; after recovery the database holds exactly what the client was
 * told committed (unknown outcomes settled by retrying with the same
 * Idempotency-Key), and nothing appears later.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures, type Headline } from "./harness/figures.js";
import { onThisMachine } from "./harness/machine.js";
import { runOutage, WRITE_DEADLINE_MS, type OutageFigures } from "./harness/outage.js";

/**
 * Writes commit again this soon after the server is back (curators write every ~150 ms between them): the pool
 * reconnects within its 0.5 s backoff cap and the guard's 1 s cooldown. It was up to 20 s (postgres.js's default backoff).
 */
const RECOVERY_BOUND_MS = onThisMachine(3_000);
const recovered = (f: OutageFigures) =>
  f.recovery.firstCommittedWriteAfterMs !== null && f.recovery.firstCommittedWriteAfterMs <= RECOVERY_BOUND_MS && f.index.exemplarsInIndex === f.index.exemplarsInDatabase;
import { startScenario, type Scenario } from "./harness/scenario.js";

for (const kind of ["stop", "freeze"] as const) {
  describe(`database ${kind === "stop" ? "stopped (pg_ctl stop -m immediate)" : "frozen (SIGSTOP)"} under load`, () => {
    let s: Scenario;
    let f: OutageFigures;

    beforeAll(async () => {
      s = await startScenario(`db-${kind}`);
      f = await runOutage(s, kind);
    });

    afterAll(async () => {
      if (f) {
        const o = f.outage;
        const headlines: Headline[] = [
          {
            scenario: `db ${kind}: writes`,
            criterion: `503 within ${(WRITE_DEADLINE_MS / 1000).toFixed(1)} s`,
            measured: `${o.writes.withinDeadline}/${o.writes.n} in time, max ${fmtMs(o.writes.latencyMs.max)}; ${Object.entries(o.writes.outcomes)
              .map(([k, v]) => `${v}× ${k}`)
              .join(", ")}`,
            pass: o.writes.n > 0 && o.writes.withinDeadline === o.writes.n && o.writes.wrongCode.length === 0,
          },
          {
            scenario: `db ${kind}: routes`,
            criterion: "every /route answered 200",
            measured: `${f.serviceAlive ? "" : "THE SERVICE DIED; "}${f.routesWholeRun.requests} routes, ${f.routesWholeRun.errors} errors; outage p50 ${fmtMs(o.routes.latencyMs.p50)} (baseline ${fmtMs(f.baseline.routes.latencyMs.p50)})`,
            pass: f.routesWholeRun.errors === 0,
          },
          {
            scenario: `db ${kind}: data`,
            criterion: "database = what the client was told",
            measured: `told ${f.oracleAfterGrace.expected}, database ${f.oracleAfterGrace.actual}: ${f.oracleAfterGrace.missing.length} missing, ${f.oracleAfterGrace.appeared.length} appeared, ${f.oracleAfterGrace.changed.length} changed; ${f.writes.unknownBeforeResolve} unknown → ${f.writes.unresolved} unresolved`,
            pass: isExact(f),
          },
          {
            scenario: `db ${kind}: recovery`,
            criterion: `a write commits ≤ ${fmtMs(RECOVERY_BOUND_MS)} after the server is back; index = database`,
            measured: `first write committed ${f.recovery.firstCommittedWriteAfterMs === null ? "never" : `after ${fmtMs(f.recovery.firstCommittedWriteAfterMs)}`}; index ${f.index.exemplarsInIndex}, database ${f.index.exemplarsInDatabase}`,
            pass: recovered(f),
          },
          {
            scenario: `db ${kind}: reads`,
            criterion: `lists/stats answer within ${(WRITE_DEADLINE_MS / 1000).toFixed(1)} s`,
            measured: `${o.reads.withinDeadline}/${o.reads.n}, max ${fmtMs(o.reads.latencyMs.max)}`,
            pass: o.reads.withinDeadline === o.reads.n,
          },
          {
            scenario: `db ${kind}: /readyz, logs`,
            criterion: "no database error text; no exemplar text in error logs",
            measured: `readyz ${JSON.stringify(o.readyz.statuses)}, ${o.readyz.leaks.length} with error text; ${f.logLeaks.lines} log lines with exemplar text/filters`,
            pass: o.readyz.leaks.length === 0 && f.logLeaks.lines === 0,
          },
        ];
        recordFigures(`db-${kind}`, f as unknown as Record<string, unknown>, headlines);
      }
      await s?.dispose();
    });

    it(`every write in flight during the outage answers (503 database_unavailable/outcome_unknown, or 2xx) within ${WRITE_DEADLINE_MS} ms`, () => {
      expect(f.outage.writes.n).toBeGreaterThan(0);
      expect(f.outage.writes.late, `${f.outage.writes.n - f.outage.writes.withinDeadline} of ${f.outage.writes.n} writes late or unanswered`).toEqual([]);
      expect(f.outage.writes.wrongCode).toEqual([]);
    });

    it("routes keep answering through the outage and after it", () => {
      expect(f.routesWholeRun.byStatus).toEqual({ "200": f.routesWholeRun.requests });
    });

    it("every unknown outcome settles by retrying with the same Idempotency-Key, and never applies twice", () => {
      expect(f.writes.unresolvedSamples).toEqual([]);
      expect(f.writes.retriedCreatesAnsweredUnchanged).toBe(0);
    });

    it("after recovery the database holds exactly what the client was told, and nothing appears later", () => {
      expect(f.oracleAfterResolve).toMatchObject({ missing: [], appeared: [], changed: [] });
      expect(f.oracleAfterGrace).toMatchObject({ missing: [], appeared: [], changed: [] });
    });

    it("writes commit again after recovery, and the routing index matches the database", () => {
      expect(f.recovery.firstCommittedWriteAfterMs).not.toBeNull();
      expect(f.recovery.firstCommittedWriteAfterMs!).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
      expect(f.index.exemplarsInIndex).toBe(f.index.exemplarsInDatabase);
    });

    it(`lists and stats answer (200 or 503 database_unavailable) within ${WRITE_DEADLINE_MS} ms during the outage`, () => {
      expect(f.outage.reads.n).toBeGreaterThan(0);
      expect(f.outage.reads.withinDeadline, JSON.stringify(f.outage.reads)).toBe(f.outage.reads.n);
    });

    it("/readyz shows no database error text, and error logs carry no exemplar text or filter values", () => {
      expect(f.outage.readyz.probes).toBeGreaterThan(0);
      expect(f.outage.readyz.leaks).toEqual([]);
      expect(f.logLeaks.samples).toEqual([]);
    });

    it("the service survives", () => {
      expect(f.serviceAlive, s.service.describeExit()).toBe(true);
    });
  });
}

function isExact(f: OutageFigures): boolean {
  const clean = (o: OutageFigures["oracleAfterGrace"]) => o.missing.length === 0 && o.appeared.length === 0 && o.changed.length === 0;
  return clean(f.oracleAfterResolve) && clean(f.oracleAfterGrace) && f.writes.unresolved === 0;
}
