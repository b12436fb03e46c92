/**
 * kill -9 in the middle of a large import, then a restart on the same
 * database and data dir. Criteria: the service comes back; every
 * acknowledged exemplar is present; the interrupted import is all or nothing
 * (and a retry with its Idempotency-Key settles it); the routing index
 * matches the database and finds the new exemplars.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures } from "./harness/figures.js";
import { bearer, jsonHeaders, jsonOf, outcome, send } from "./harness/http.js";
import { devQueries } from "./harness/queries.js";
import { Rng } from "./harness/random.js";
import { scaled, seed } from "./harness/scale.js";
import { exemplarCount, startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, TIERS, sleep } from "./harness/service.js";

const ROUNDS = scaled(3, 1);
/** Lines of the import that gets killed: long enough (seconds of embedding) to be cut in the middle. */
const BIG_IMPORT_LINES = scaled(3000, 600);
const SMALL_IMPORT_LINES = 50;

interface Round {
  round: number;
  acknowledged: { imports: number; lines: number; presentAfter: number };
  interrupted: { lines: number; killAfterMs: number; tries: number; presentAfterRestart: number; retry: string; presentAfterRetry: number };
  restartReadyMs: number | null;
  restartError?: string;
  indexExemplars: number | null;
  databaseExemplars: number;
  /** Sampled new exemplars that /route?explain=1 finds as their own nearest neighbor. */
  routedToItself: { sampled: number; found: number };
}

function importBody(prefix: string, n: number, rng: Rng): string {
  const qs = devQueries();
  return (
    Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${prefix}-${i} ${rng.pick(qs).replace(/\s+/g, " ").slice(0, 160).trim()}`, tier: rng.pick(TIERS) })).join("\n") +
    "\n"
  );
}

const importHeaders = (key: string) => ({ ...bearer(ADMIN_TOKEN), "content-type": "application/x-ndjson", "idempotency-key": key });

describe(`kill -9 during a ${BIG_IMPORT_LINES}-line import, ${ROUNDS} round(s)`, () => {
  let s: Scenario;
  const rounds: Round[] = [];
  let linesPerSecond = 0;

  beforeAll(async () => {
    s = await startScenario("kill-during-import");
    const rng = new Rng(seed).fork("kill");
    const tag = `RELIABkill${randomBytes(3).toString("hex")}`;
    // Calibrate: how long does an import take here, so the kill lands inside the big one.
    const calib = await send(s.service.base, {
      method: "POST",
      path: "/exemplars/import?force=true",
      headers: importHeaders(randomUUID()),
      body: importBody(`${tag}-calib`, 200, rng),
      timeoutMs: 120_000,
    });
    linesPerSecond = calib.status === 200 ? 200 / (calib.ms / 1000) : 100;

    for (let r = 0; r < ROUNDS; r++) {
      const ackPrefixes: string[] = [];
      let ackLines = 0;
      for (let k = 0; k < 2; k++) {
        const prefix = `${tag}-r${r}-ack${k}`;
        const res = await send(s.service.base, {
          method: "POST",
          path: "/exemplars/import?force=true",
          headers: importHeaders(randomUUID()),
          body: importBody(prefix, SMALL_IMPORT_LINES, rng),
          timeoutMs: 120_000,
        });
        if (res.status === 200) {
          ackPrefixes.push(prefix);
          ackLines += SMALL_IMPORT_LINES;
        }
      }
      // The kill must land while the import is in flight. An import that beats it is simply acknowledged
      // data (checked like the others); the next try uses new lines and an earlier kill.
      const expectedMs = (BIG_IMPORT_LINES / linesPerSecond) * 1000;
      let killAfterMs = Math.round(expectedMs * (0.1 + 0.3 * rng.next()));
      let tries = 0;
      let bigPrefix = "";
      let bigKey = "";
      let bigBody = "";
      for (;;) {
        tries++;
        bigPrefix = `${tag}-r${r}-big${tries}`;
        bigKey = randomUUID();
        bigBody = importBody(bigPrefix, BIG_IMPORT_LINES, rng);
        const inFlight = send(s.service.base, { method: "POST", path: "/exemplars/import?force=true", headers: importHeaders(bigKey), body: bigBody, timeoutMs: 600_000 });
        let answered = false;
        void inFlight.then(() => (answered = true));
        await sleep(killAfterMs);
        if (!answered || tries >= 4) {
          await s.service.kill9();
          await inFlight;
          break;
        }
        const done = await inFlight;
        if (done.status !== 200) throw new Error(`the import to be killed failed on its own: ${outcome(done)}`);
        ackPrefixes.push(bigPrefix);
        ackLines += BIG_IMPORT_LINES;
        killAfterMs = Math.max(20, Math.round(killAfterMs / 3));
      }

      let restartReadyMs: number | null = null;
      let restartError: string | undefined;
      try {
        s.service = await s.service.restart({ readyTimeoutMs: 300_000 });
        restartReadyMs = Math.round(s.service.readyMs);
      } catch (err) {
        restartError = (err as Error).message.slice(0, 800);
      }
      const presentAfterRestart = await exemplarCount(s.sql, `${bigPrefix}-`);
      let retry = "service did not come back";
      let presentAfterRetry = presentAfterRestart;
      let indexExemplars: number | null = null;
      const routedToItself = { sampled: 0, found: 0 };
      if (restartReadyMs !== null) {
        const again = await send(s.service.base, { method: "POST", path: "/exemplars/import?force=true", headers: importHeaders(bigKey), body: bigBody, timeoutMs: 600_000 });
        retry = outcome(again).slice(0, 160);
        presentAfterRetry = await exemplarCount(s.sql, `${bigPrefix}-`);
        indexExemplars =
          jsonOf<{ checks?: { index?: { exemplars?: number } } }>(await send(s.service.base, { method: "GET", path: "/readyz", agent: false }))?.checks?.index?.exemplars ?? null;
        const sample = await s.sql<Array<{ text: string }>>`select text from exemplars where text like ${`${tag}-r${r}-%`} order by random() limit 5`;
        for (const { text } of sample) {
          routedToItself.sampled++;
          const res = jsonOf<{ neighbors?: Array<{ text: string; similarity: number }> }>(
            await send(s.service.base, { method: "POST", path: "/route?explain=1", headers: jsonHeaders, body: JSON.stringify({ query: text }) }),
          );
          if (res?.neighbors?.some((n) => n.text === text && n.similarity > 0.99)) routedToItself.found++;
        }
      }
      let presentAck = 0;
      for (const p of ackPrefixes) presentAck += await exemplarCount(s.sql, `${p}-`);
      rounds.push({
        round: r,
        acknowledged: { imports: ackPrefixes.length, lines: ackLines, presentAfter: presentAck },
        interrupted: { lines: BIG_IMPORT_LINES, killAfterMs, tries, presentAfterRestart, retry, presentAfterRetry },
        restartReadyMs,
        restartError,
        indexExemplars,
        databaseExemplars: await exemplarCount(s.sql),
        routedToItself,
      });
      if (restartReadyMs === null) break;
    }
  });

  afterAll(async () => {
    const ok = (r: Round) =>
      r.restartReadyMs !== null &&
      r.acknowledged.presentAfter === r.acknowledged.lines &&
      [0, r.interrupted.lines].includes(r.interrupted.presentAfterRestart) &&
      r.interrupted.presentAfterRetry === r.interrupted.lines &&
      r.indexExemplars === r.databaseExemplars &&
      r.routedToItself.found === r.routedToItself.sampled;
    recordFigures(
      "kill-during-import",
      { rounds, bigImportLines: BIG_IMPORT_LINES, linesPerSecond: Math.round(linesPerSecond) },
      rounds.map((r) => ({
        scenario: `kill -9 during import, round ${r.round + 1}`,
        criterion: "acknowledged present, no partial import, restart",
        measured:
          r.restartReadyMs === null
            ? `service did not come back: ${r.restartError?.slice(0, 80)}`
            : `killed at ${fmtMs(r.interrupted.killAfterMs)}; ack ${r.acknowledged.presentAfter}/${r.acknowledged.lines}; interrupted ${r.interrupted.presentAfterRestart}/${r.interrupted.lines} → retry ${r.interrupted.presentAfterRetry}; ready in ${fmtMs(r.restartReadyMs)}; index ${r.indexExemplars} vs db ${r.databaseExemplars}`,
        pass: ok(r),
      })),
    );
    await s?.dispose();
  });

  it("the service restarts after every kill", () => {
    expect(rounds.length).toBe(ROUNDS);
    expect(rounds.filter((r) => r.restartReadyMs === null).map((r) => r.restartError)).toEqual([]);
  });

  it("every acknowledged exemplar is present after the restart", () => {
    expect(rounds.map((r) => r.acknowledged.presentAfter)).toEqual(rounds.map((r) => r.acknowledged.lines));
  });

  it("the interrupted import is all or nothing, and its retry with the same Idempotency-Key completes it once", () => {
    for (const r of rounds) {
      expect([0, r.interrupted.lines], `round ${r.round}: ${r.interrupted.presentAfterRestart} of ${r.interrupted.lines} lines present after the kill`).toContain(
        r.interrupted.presentAfterRestart,
      );
      expect(r.interrupted.presentAfterRetry, `round ${r.round}: retry answered ${r.interrupted.retry}`).toBe(r.interrupted.lines);
    }
  });

  it("the routing index matches the database and finds the imported exemplars", () => {
    expect(rounds.map((r) => r.indexExemplars)).toEqual(rounds.map((r) => r.databaseExemplars));
    expect(rounds.map((r) => r.routedToItself.found)).toEqual(rounds.map((r) => r.routedToItself.sampled));
  });
});
