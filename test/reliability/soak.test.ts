/**
 * A bounded soak: 64 concurrent keep-alive clients for 60 s (10 s at CI
 * scale) on a realistic mix: routes (new and repeated queries), health and
 * readiness, curator lists and writes, analyst stats. Criterion: 0 errors
 * (every request answered 2xx; a curator write settled, resent with its
 * Idempotency-Key after a 503 as the API says), and the process alive at
 * the end; RSS is reported.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures } from "./harness/figures.js";
import type { HttpRequest, HttpResult } from "./harness/http.js";
import { bearer, envelopeOf, jsonHeaders, keepAliveAgent, send } from "./harness/http.js";
import { startLoad, summarizeLoad, type LoadSample, type LoadSummary } from "./harness/load.js";
import { TrafficMix } from "./harness/queries.js";
import { Rng } from "./harness/random.js";
import { scaledMs, seed } from "./harness/scale.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, ANALYST_TOKEN, TIERS, sleep } from "./harness/service.js";

const DURATION_MS = scaledMs(60_000, 10_000);
const CONCURRENCY = 64;
const MAX_WRITE_ATTEMPTS = 4;

interface Figures {
  durationMs: number;
  concurrency: number;
  all: LoadSummary;
  byKind: Record<string, LoadSummary>;
  errorSamples: string[];
  /** Curator writes: how many settled 2xx, how many were started, how many attempts were a resend after a 503. */
  curatorWrites: { settled: number; sent: number; retried: number };
  rssMb: { start: number | null; peak: number | null; end: number | null };
  alive: boolean;
}

describe(`soak: ${CONCURRENCY} clients for ${DURATION_MS / 1000} s`, () => {
  let s: Scenario;
  let f: Figures;

  beforeAll(async () => {
    s = await startScenario("soak");
    const tag = `RELIABsoak${randomBytes(3).toString("hex")}`;
    const mix = new TrafficMix(0.5, tag);
    const rng = new Rng(seed).fork("soak");
    let writes = 0;
    let retriedWrites = 0;
    const kinds: Array<readonly [number, () => { kind: string; req: HttpRequest }]> = [
      [60, () => ({ kind: "POST /route", req: { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: mix.next(() => rng.next()) }) } })],
      [10, () => ({ kind: "GET /healthz", req: { method: "GET", path: "/healthz" } })],
      [5, () => ({ kind: "GET /readyz", req: { method: "GET", path: "/readyz" } })],
      [10, () => ({ kind: "GET /exemplars", req: { method: "GET", path: `/exemplars?limit=20&tier=${rng.pick(TIERS)}`, headers: bearer(ADMIN_TOKEN) } })],
      [5, () => ({ kind: "GET /stats/cache", req: { method: "GET", path: "/stats/cache", headers: bearer(ANALYST_TOKEN) } })],
      [5, () => ({ kind: "GET /stats/routing", req: { method: "GET", path: "/stats/routing", headers: bearer(ANALYST_TOKEN) } })],
    ];
    let stop = false;
    const rss = { start: s.service.rssMb(), peak: s.service.rssMb(), end: null as number | null };
    const load = startLoad(s.service.base, {
      concurrency: CONCURRENCY,
      next: () => {
        if (stop) return null;
        const make = rng.weighted(kinds);
        const next = make();
        return { kind: next.kind, req: { ...next.req, timeoutMs: 30_000 } };
      },
    });
    // Curation goes on meanwhile: one curator adding an exemplar every 500 ms (120 a minute, under the write quota),
    // as docs/api.md tells a curator to: each write carries an Idempotency-Key, and a 503 (the database budget
    // ran out on a saturated machine: database_unavailable or outcome_unknown) is sent again with the same key
    // after its Retry-After. The write counts as an error only if it never settles.
    const curatorSamples: LoadSample[] = [];
    const curator = (async () => {
      const agent = keepAliveAgent(1);
      while (!stop) {
        const firstStarted = performance.now();
        const key = randomUUID();
        const body = JSON.stringify({ text: `${tag} soak exemplar ${++writes}: ${mix.next(() => 1)}`, tier: rng.pick(TIERS) });
        let res: HttpResult | undefined;
        for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
          if (attempt > 1) {
            retriedWrites++;
            await sleep(Math.min(2_000, 1000 * (Number(res?.headers["retry-after"]) || 1)));
          }
          res = await send(s.service.base, {
            method: "POST",
            path: "/exemplars?force=true",
            headers: { ...jsonHeaders, ...bearer(ADMIN_TOKEN), "idempotency-key": key },
            body,
            timeoutMs: 30_000,
            agent,
          });
          const code = envelopeOf(res)?.code;
          if (!(res.status === 503 && (code === "outcome_unknown" || code === "database_unavailable"))) break;
        }
        const code = res!.status !== null && res!.status >= 300 ? envelopeOf(res!)?.code : undefined;
        curatorSamples.push({
          kind: "POST /exemplars",
          worker: 0,
          startedAt: firstStarted,
          endedAt: res!.endedAt,
          ms: res!.endedAt - firstStarted,
          status: res!.status,
          error: res!.error,
          errorMessage: res!.errorMessage,
          code,
          reusedSocket: res!.reusedSocket,
        });
        await sleep(Math.max(0, 500 - (performance.now() - firstStarted)));
      }
      agent.destroy();
    })();
    const end = performance.now() + DURATION_MS;
    while (performance.now() < end) {
      await sleep(500);
      rss.peak = Math.max(rss.peak ?? 0, s.service.rssMb() ?? 0);
    }
    stop = true;
    await curator;
    const samples = [...(await load.stop()), ...curatorSamples];
    rss.end = s.service.rssMb();
    const byKind: Record<string, LoadSummary> = {};
    for (const k of new Set(samples.map((x) => x.kind))) byKind[k] = summarizeLoad(samples.filter((x) => x.kind === k));
    const errors = samples.filter((x) => x.status === null || x.status >= 300);
    const describe = (x: LoadSample) => `${x.kind}: ${x.status ?? `${x.error} ${x.errorMessage ?? ""}`}${x.code ? ` ${x.code}` : ""} in ${Math.round(x.ms)} ms`;
    f = {
      durationMs: DURATION_MS,
      concurrency: CONCURRENCY,
      all: summarizeLoad(samples),
      byKind,
      errorSamples: errors.slice(0, 10).map(describe),
      curatorWrites: { settled: curatorSamples.filter((x) => x.status !== null && x.status < 300).length, sent: curatorSamples.length, retried: retriedWrites },
      rssMb: rss,
      alive: s.service.alive(),
    };
  });

  afterAll(async () => {
    if (f) {
      recordFigures("soak", f as unknown as Record<string, unknown>, [
        {
          scenario: `soak ${f.durationMs / 1000} s at c=${f.concurrency}`,
          criterion: "0 errors, process alive",
          measured: `${f.all.requests} requests (${f.all.rps} req/s), ${f.all.errors} errors, p50 ${fmtMs(f.all.latencyMs.p50)}, p99 ${fmtMs(f.all.latencyMs.p99)}; RSS ${f.rssMb.start} → peak ${f.rssMb.peak} MB; curator writes ${f.curatorWrites.settled}/${f.curatorWrites.sent} settled (${f.curatorWrites.retried} resent after a 503)`,
          pass: f.all.errors === 0 && f.alive,
        },
      ]);
    }
    await s?.dispose();
  });

  it("every request is answered 2xx", () => {
    expect(f.all.requests).toBeGreaterThan(0);
    expect(f.errorSamples, JSON.stringify(f.all.byStatus)).toEqual([]);
  });

  it("the process is alive at the end", () => {
    expect(f.alive, s.service.describeExit()).toBe(true);
  });
});
