/**
 * Decision-log bench (a script, not a test): does writing every decision
 * behind move /route latency at concurrency 32? One process, one run, two
 * services built by buildDeps over the same model and exemplars, one with
 * the log on and one with it off, driven in short alternating blocks (so a
 * shared machine's noise hits both alike). Each log-on block ends by writing
 * its pending rows, and that time is charged to it. The embedded PGlite is
 * the harder case: its inserts run on the service's own event loop.
 *   npm run bench:log [-- --blocks 6 --seconds 3]
 * With DATABASE_URL (an empty scratch database) both services use that
 * PostgreSQL, else each its own in-memory PGlite.
 * Writes bench/results/decision-log[-postgres].{json,md}.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import pino from "pino";
import { createApp } from "../src/app/app.js";
import { loadConfig } from "../src/base/config/load-config.js";
import { openDatabase } from "../src/adapters/db/client.js";
import { buildDeps } from "../src/app/deps.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { benchQueries } from "./server.js";
import { summarize } from "./stats.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const blocks = Number(arg("blocks", "10"));
const seconds = Number(arg("seconds", "3"));
const url = process.env.DATABASE_URL;
const outFile = arg("out", url ? "bench/results/decision-log-postgres.json" : "bench/results/decision-log.json");
const CONCURRENCY = 32;

const shipped = loadConfig();
const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-log-bench-"));
const encoder = createEncoder({ embedding: shipped.embedding, dataDir: path.join(tmpdir(), "tierline-bench-models") });

async function service(enabled: boolean) {
  // The same data directory: the second service loads the index snapshot the first one saved.
  const config = { ...shipped, logLevel: "silent" as const, dataDir, decisions: { ...shipped.decisions, enabled } };
  const database = await openDatabase(url ? { url } : { dataDir: "memory" });
  const deps = await buildDeps(config, { database, encoder, logger: pino({ level: "silent" }) });
  await deps.lifecycle.start();
  const app = createApp(deps);
  const route = async (query: string) => {
    const res = await app.request("/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  };
  return { deps, route, stop: async () => (await deps.lifecycle.stop(), await database.close()) };
}

const on = await service(true);
const off = await service(false);
const base = benchQueries();
let counter = 0;
const unique = () => `${base[counter % base.length]} (ticket ${++counter})`;
const repeats = base.slice(0, 50);
for (const q of repeats) await Promise.all([on.route(q), off.route(q)]);

type Svc = typeof on;
/** CONCURRENCY loops for `seconds`; a log-on block then writes its pending rows, counted in its time. */
async function block(svc: Svc, next: () => string): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await svc.route(next());
        latencies.push(performance.now() - t);
      }
    }),
  );
  await svc.deps.decisionLog.flush();
  return { latencies, elapsedMs: performance.now() - started };
}

const traffic = { miss: unique, repeat: () => repeats[counter++ % repeats.length]! };
const rows: Array<{ traffic: string; log: string; block: number; rps: number; p50: number; p99: number }> = [];
const all: Record<string, number[]> = {};
const totals: Record<string, { requests: number; ms: number }> = {};
for (const [name, next] of Object.entries(traffic)) {
  for (let b = 1; b <= blocks; b++) {
    for (const [log, svc] of (b % 2 === 1
      ? [
          ["on", on],
          ["off", off],
        ]
      : [
          ["off", off],
          ["on", on],
        ]) as Array<[string, Svc]>) {
      const r = await block(svc, next);
      const key = `${name} ${log}`;
      (all[key] ??= []).push(...r.latencies);
      totals[key] = { requests: (totals[key]?.requests ?? 0) + r.latencies.length, ms: (totals[key]?.ms ?? 0) + r.elapsedMs };
      const s = summarize(r.latencies);
      rows.push({ traffic: name, log, block: b, rps: (r.latencies.length / r.elapsedMs) * 1000, p50: s.p50, p99: s.p99 });
      console.log(`${name} block ${b} log ${log}: ${rows.at(-1)!.rps.toFixed(1)} req/s, p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms`);
    }
  }
}
const writer = on.deps.decisionLogWriter!;
const logged = { recorded: writer.recorded, dropped: writer.dropped, pending: writer.pendingCount, failedFlushes: writer.failedFlushes };
await on.stop();
await off.stop();

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)]!, q1: sorted[Math.floor((sorted.length - 1) / 4)]!, q3: sorted[Math.ceil(((sorted.length - 1) * 3) / 4)]! };
};
/** Each block's on / off ratio against its neighbor in time: robust to drift in a shared machine's load. */
const paired = Object.fromEntries(
  Object.keys(traffic).map((name) => {
    const pairs = Array.from({ length: blocks }, (_, i) => {
      const a = rows.find((r) => r.traffic === name && r.block === i + 1 && r.log === "on")!;
      const b = rows.find((r) => r.traffic === name && r.block === i + 1 && r.log === "off")!;
      return { rps: a.rps / b.rps, p50: a.p50 / b.p50, p99: a.p99 / b.p99 };
    });
    return [name, { rps: median(pairs.map((p) => p.rps)), p50: median(pairs.map((p) => p.p50)), p99: median(pairs.map((p) => p.p99)) }];
  }),
);
const summary = Object.fromEntries(
  Object.keys(traffic).map((name) => {
    const of = (log: string) => {
      const s = summarize(all[`${name} ${log}`]!);
      const t = totals[`${name} ${log}`]!;
      return { requests: t.requests, rps: (t.requests / t.ms) * 1000, p50: s.p50, p90: s.p90, p99: s.p99 };
    };
    const a = of("on");
    const b = of("off");
    return [name, { on: a, off: b, ratio: { rps: a.rps / b.rps, p50: a.p50 / b.p50, p99: a.p99 / b.p99 } }];
  }),
);
const at = new Date().toISOString();
const f = (n: number, d = 1) => n.toFixed(d);
const md = [
  `Measured ${at} on ${cpus().length}× ${cpus()[0]?.model} (${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, ${url ? "PostgreSQL" : "PGlite"}, model \`${encoder.modelId}\`, ${shipped.tiers.length} tiers; /route in process at concurrency ${CONCURRENCY}, log on and off alternating in ${blocks} blocks of ${seconds} s each per traffic (a log-on block includes writing its rows).`,
  "",
  "| traffic | log | requests | req/s | p50 ms | p90 ms | p99 ms |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...Object.entries(summary).flatMap(([name, s]) => [
    `| ${name} | on | ${s.on.requests} | ${f(s.on.rps)} | ${f(s.on.p50, 2)} | ${f(s.on.p90, 2)} | ${f(s.on.p99, 2)} |`,
    `| ${name} | off | ${s.off.requests} | ${f(s.off.rps)} | ${f(s.off.p50, 2)} | ${f(s.off.p90, 2)} | ${f(s.off.p99, 2)} |`,
    `| ${name} | on / off, pooled | | ${f(s.ratio.rps, 3)} | ${f(s.ratio.p50, 3)} | | ${f(s.ratio.p99, 3)} |`,
    `| ${name} | on / off, median of ${blocks} paired blocks (quartiles) | | ${f(paired[name]!.rps.median, 3)} (${f(paired[name]!.rps.q1, 2)}–${f(paired[name]!.rps.q3, 2)}) | ${f(paired[name]!.p50.median, 3)} (${f(paired[name]!.p50.q1, 2)}–${f(paired[name]!.p50.q3, 2)}) | | ${f(paired[name]!.p99.median, 3)} (${f(paired[name]!.p99.q1, 2)}–${f(paired[name]!.p99.q3, 2)}) |`,
  ]),
  "",
  `Decisions logged: ${logged.recorded} recorded, ${logged.dropped} dropped, ${logged.pending} pending at the end, ${logged.failedFlushes} failed flushes.`,
  "",
  "| traffic | block | log | req/s | p50 ms | p99 ms |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.traffic} | ${r.block} | ${r.log} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} |`),
].join("\n");
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify({ at, database: url ? "postgres" : "pglite", concurrency: CONCURRENCY, blocks, seconds, model: encoder.modelId, summary, paired, logged, rows }, null, 2) + "\n",
);
writeFileSync(outFile.replace(/\.json$/, ".md"), md + "\n");
console.log(`\n${md}\n\nwrote ${outFile}`);
