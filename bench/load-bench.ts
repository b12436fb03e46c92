/**
 * Load benchmark (a script, not a test): the service over loopback at
 * concurrency 1, 8, 32 and 64, for cache-miss and repeated traffic and a mix
 * with a configurable repeat ratio; the same run measures the floor (the same
 * model embedding the same queries in-process), throughput with batching
 * disabled, start-up (cold, warm), RSS, and the vector index at 1k/10k/100k.
 *   npm run bench [-- --repeat-ratio 0.5 --skip-index --out bench/results/latest.json]
 *   npm run bench -- --small      (CI: fewer requests, no index, no mixed or unbatched runs; ~2 min)
 *   npm run bench -- --small --write-baseline   (records bench/baseline.json from this run)
 * Every run ends with the issue-22 figures beside the committed baseline (bench/baseline.ts): a change
 * more than 25 % worse is flagged in the summary, never failed.
 * With DATABASE_URL set the service uses that PostgreSQL, else a fresh PGlite.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { normalizeQuery } from "../src/base/text/normalize.js";
import { loadConfig } from "../src/base/config/load-config.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { compare, comparisonTable, type Headline } from "./baseline.js";
import { runIndexBench, type IndexBenchRow } from "./index-bench.js";
import { benchQueries, startServer, type BenchServer } from "./server.js";
import { summarize } from "./stats.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const repeatRatio = Number(arg("repeat-ratio", "0.5"));
const small = args.includes("--small");
const outFile = arg("out", small ? "bench/results/small.json" : "bench/results/latest.json");
const baselineFile = arg("baseline", "bench/baseline.json");
const port = Number(arg("port", "8796"));
const concurrencies = small ? [1, 32, 64] : [1, 8, 32, 64];
/** Seconds of each timed phase (repeats, /healthz). */
const phaseS = small ? 3 : 5;
const base = benchQueries();
let counter = 0;
/** A query never sent before: a dev-set query with a unique ticket number, so every one is a cache miss. */
const uniqueQuery = () => `${base[counter % base.length]} (ticket ${++counter})`;
const repeatSet = base.slice(0, 50);

interface LoadResult {
  concurrency: number;
  requests: number;
  errors: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number };
}

async function load(url: string, connections: number, body: () => string, opts: { amount?: number; duration?: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: `${url}/route`,
    method: "POST",
    connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }) }],
  });
  const elapsedS = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    concurrency: connections,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    rps: result.requests.total / elapsedS,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.average },
  };
}

/** Each request's server-side time (timings.totalMs), sent one at a time. */
async function serverTimings(url: string, bodies: string[]): Promise<number[]> {
  const totals: number[] = [];
  for (const body of bodies) {
    const res = await fetch(`${url}/route`, { method: "POST", headers: { "content-type": "application/json" }, body });
    totals.push(((await res.json()) as { timings: { totalMs: number } }).timings.totalMs);
  }
  return totals;
}

/** Waits until the server used under one clock tick of CPU over 50 ms (at most a second). */
async function serverIdle(s: BenchServer): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = s.cpuMs();
    await new Promise((r) => setTimeout(r, 50));
    const after = s.cpuMs();
    if (!before || !after || after.all - before.all <= 10) return;
  }
}

const missAmount = (c: number) => (c === 1 ? (small ? 60 : 120) : Math.min(800, c * (small ? 10 : 25)));
const json = (query: string) => JSON.stringify({ query });
const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-load-"));
const env = { TIERLINE_DATA_DIR: dataDir };
console.log(
  `tierline load bench on ${cpus().length}× ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`,
);

// Start-up: cold (empty database, every exemplar embedded) then warm.
let server: BenchServer = await startServer(port, env);
const coldMs = server.readyMs;
await server.stop();
server = await startServer(port, env);
const warmMs = server.readyMs;
const idleRssMb = server.rssMb();
const modelId = (
  (await (await fetch(`${server.base}/route?explain=1`, { method: "POST", headers: { "content-type": "application/json" }, body: json("warm-up") })).json()) as { model: string }
).model;
void modelId;

// Steady state, for the service and the floor alike: 200 misses first (the worker's first passes, and JIT: after
// 30, the service's compiler threads were still busy and slowed the floor's passes measured beside it), not measured.
for (const q of Array.from({ length: 200 }, uniqueQuery)) await fetch(`${server.base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: json(q) });
// The floor: the configured model, in this process, on the same c=1 queries (normalised and cut as the router
// does). Measured in alternating blocks with the service's misses (the service idle meanwhile), so a machine
// whose speed drifts during the run moves both sides of the ratio alike.
const encoder = createEncoder(loadConfig());
await encoder.load();
for (let i = 0; i < 30; i++) await encoder.embed([`warm-up ${i}`]);
const c1Queries = Array.from({ length: small ? 60 : 100 }, uniqueQuery);
const texts = c1Queries.map((q) => normalizeQuery(q).slice(0, encoder.maxInputChars));
const serverTotals: number[] = [];
const single: number[] = [];
// CPU per miss beside the times: the service's threads from /proc over the whole alternation (it idles during
// the floor's blocks), this process's over the floor's passes. On a box with few cores a miss's CPU outside the
// model competes with the model's own threads, which is why the service's pass is slower than the floor's.
const serverCpu0 = server.cpuMs();
let floorCpuUs = 0;
for (let from = 0; from < c1Queries.length; from += 20) {
  serverTotals.push(...(await serverTimings(server.base, c1Queries.slice(from, from + 20).map(json))));
  // The service's work after its answers (write-behind flushes, compiling) must not share the cores with the floor.
  await serverIdle(server);
  const cpu = process.cpuUsage();
  for (const t of texts.slice(from, from + 20)) {
    const s = performance.now();
    await encoder.embed([t]);
    single.push(performance.now() - s);
  }
  const used = process.cpuUsage(cpu);
  floorCpuUs += used.user + used.system;
}
const serverCpu1 = server.cpuMs();
const missServerC1 = summarize(serverTotals);
const floor = summarize(single);
/** CPU ms per cache miss at c=1: the service over all its threads and its main thread alone, and the model alone per pass. */
const missCpuMs =
  serverCpu0 && serverCpu1
    ? {
        service: (serverCpu1.all - serverCpu0.all) / c1Queries.length,
        serviceMain: (serverCpu1.main - serverCpu0.main) / c1Queries.length,
        floor: floorCpuUs / 1000 / c1Queries.length,
      }
    : null;
if (missCpuMs)
  console.log(
    `CPU per miss at c=1: the service ${missCpuMs.service.toFixed(1)} ms over its threads (main thread ${missCpuMs.serviceMain.toFixed(1)} ms), the model alone ${missCpuMs.floor.toFixed(1)} ms a pass, on ${cpus().length} cores`,
  );
const miss: LoadResult[] = [];
let peakRssMb = idleRssMb;
/** Peak RSS while cache-miss traffic ran at the highest concurrency (the "under load at concurrency 64"). */
let peakMissTopMb = 0;
for (const c of concurrencies) {
  const sampler = setInterval(() => {
    const now = server.rssMb();
    peakRssMb = Math.max(peakRssMb, now);
    if (c === concurrencies[concurrencies.length - 1]) peakMissTopMb = Math.max(peakMissTopMb, now);
  }, 100);
  miss.push(await load(server.base, c, () => json(uniqueQuery()), { amount: missAmount(c) }));
  clearInterval(sampler);
  console.log(`miss   c=${c}: ${miss.at(-1)!.rps.toFixed(1)} req/s, p50 ${miss.at(-1)!.latencyMs.p50} ms`);
}
for (const q of repeatSet) await fetch(`${server.base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: json(q) });
const repeatServer = summarize(
  await serverTimings(
    server.base,
    Array.from({ length: 500 }, (_, i) => json(repeatSet[i % repeatSet.length]!)),
  ),
);
const repeat: LoadResult[] = [];
let r = 0;
for (const c of concurrencies) {
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, server.rssMb())), 100);
  repeat.push(await load(server.base, c, () => json(repeatSet[r++ % repeatSet.length]!), { duration: phaseS }));
  clearInterval(sampler);
  console.log(`repeat c=${c}: ${repeat.at(-1)!.rps.toFixed(0)} req/s, p50 ${repeat.at(-1)!.latencyMs.p50} ms`);
}
// The HTTP floor: the cheapest endpoint through the same stack, to read the repeat numbers against. Measured
// twice, each time right after repeats at c=32, and read as a ratio of sums: on a shared machine the speed
// drifts between phases, and back-to-back pairs keep the ratio about the server.
// Beside req/s, the server's main-thread CPU per request in the second pair: the main thread is what a repeat
// saturates, and its cost per request moves far less with a shared machine's speed than throughput does.
const healthz = async () => {
  const h = await autocannon({ url: `${server.base}/healthz`, connections: 32, duration: phaseS });
  return { rps: h.requests.total / ((h.finish.getTime() - h.start.getTime()) / 1000), requests: h.requests.total };
};
const floorPairs: Array<{ repeat: number; healthz: number }> = [{ repeat: repeat.find((x) => x.concurrency === 32)!.rps, healthz: (await healthz()).rps }];
const mainThreadCpuMs = () => server.cpuMs()?.main ?? null;
const cpu0 = mainThreadCpuMs();
const again = await load(server.base, 32, () => json(repeatSet[r++ % repeatSet.length]!), { duration: phaseS });
const cpu1 = mainThreadCpuMs();
const healthzAgain = await healthz();
const cpu2 = mainThreadCpuMs();
floorPairs.push({ repeat: again.rps, healthz: healthzAgain.rps });
/** µs of the server's main thread per request at c=32: a repeat, GET /healthz, and the second over the first. */
const mainThreadUs = (() => {
  if (cpu0 === null || cpu1 === null || cpu2 === null) return null;
  const repeatUs = ((cpu1 - cpu0) * 1000) / again.requests;
  const healthzUs = ((cpu2 - cpu1) * 1000) / healthzAgain.requests;
  return { repeat: repeatUs, healthz: healthzUs, healthzOverRepeat: healthzUs / repeatUs };
})();
const httpFloorRps = floorPairs.reduce((a, p) => a + p.healthz, 0) / floorPairs.length;
const repeatOverHealthz = floorPairs.reduce((a, p) => a + p.repeat, 0) / floorPairs.reduce((a, p) => a + p.healthz, 0);
console.log(`GET /healthz c=32: ${floorPairs.map((p) => p.healthz.toFixed(0)).join(" / ")} req/s; repeats at c=32 ${repeatOverHealthz.toFixed(2)}× of it`);
if (mainThreadUs)
  console.log(
    `main-thread CPU per request at c=32: repeat ${mainThreadUs.repeat.toFixed(0)} µs, /healthz ${mainThreadUs.healthz.toFixed(0)} µs (${mainThreadUs.healthzOverRepeat.toFixed(2)}×)`,
  );
const mixed = small ? null : await load(server.base, 32, () => json(Math.random() < repeatRatio ? repeatSet[r++ % repeatSet.length]! : uniqueQuery()), { duration: 8 });
if (mixed) console.log(`mixed (repeat ratio ${repeatRatio}) c=32: ${mixed.rps.toFixed(1)} req/s`);
const loadedRssMb = server.rssMb();
await server.stop();

// The same service with batching off (a batch is one text).
let unbatched: LoadResult | null = null;
if (!small) {
  server = await startServer(port, { ...env, TIERLINE_BATCH_MAX: "1" });
  unbatched = await load(server.base, 32, () => json(uniqueQuery()), { amount: missAmount(32) });
  console.log(`miss   c=32 without batching: ${unbatched.rps.toFixed(1)} req/s`);
  await server.stop();
}

// The model alone in batches of 32 (the ceiling of batched miss throughput).
const batchStart = performance.now();
for (let i = 0; i < texts.length; i += 32) await encoder.embed(texts.slice(i, i + 32));
const floorBatchRps = texts.length / ((performance.now() - batchStart) / 1000);
rmSync(dataDir, { recursive: true, force: true });

const index: IndexBenchRow[] = small || args.includes("--skip-index") ? [] : await runIndexBench([1_000, 10_000, 100_000]);

const missC1 = miss[0]!;
const missC32 = miss.find((m) => m.concurrency === 32)!;
const result = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  database: process.env.DATABASE_URL ? "postgres" : "pglite",
  model: encoder.modelId,
  startup: { coldMs: Math.round(coldMs), warmMs: Math.round(warmMs) },
  rssMb: { idle: Math.round(idleRssMb), peakUnderLoad: Math.round(peakRssMb), peakMissAtTopConcurrency: Math.round(peakMissTopMb), afterLoad: Math.round(loadedRssMb) },
  floor: { singleMs: floor, batch32Rps: floorBatchRps },
  miss,
  missServerC1,
  missCpuMs,
  repeat,
  repeatServer,
  httpFloorC32Rps: httpFloorRps,
  floorPairs,
  mainThreadUsPerRequestC32: mainThreadUs,
  mixed: mixed && { repeatRatio, ...mixed },
  unbatchedC32: unbatched,
  ratios: {
    missC1P50OverFloorP50: missC1.latencyMs.p50 / floor.p50,
    missServerC1P50OverFloorP50: missServerC1.p50 / floor.p50,
    repeatC32OverHealthz: repeatOverHealthz,
    batchingGainC32: unbatched ? missC32.rps / unbatched.rps : null,
  },
  index,
};

const f = (n: number, d = 1) => n.toFixed(d);
const table = (rows: LoadResult[]) => rows.map((x) => `| ${x.concurrency} | ${f(x.rps)} | ${x.latencyMs.p50} | ${x.latencyMs.p90} | ${x.latencyMs.p99} | ${x.errors} |`);
const md = [
  `Measured ${result.at} on ${result.machine.cpus}× ${result.machine.model} (${result.machine.memGiB} GiB), Node ${process.version}, ${result.database}, model \`${result.model}\`.`,
  "",
  "Cache-miss traffic (every query new), client-side over loopback:",
  "",
  "| concurrency | req/s | p50 ms | p90 ms | p99 ms | errors |",
  "| --- | --- | --- | --- | --- | --- |",
  ...table(miss),
  "",
  "Repeated traffic (50 queries cycling, all cache hits):",
  "",
  "| concurrency | req/s | p50 ms | p90 ms | p99 ms | errors |",
  "| --- | --- | --- | --- | --- | --- |",
  ...table(repeat),
  "",
  `| measure | value |`,
  `| --- | --- |`,
  `| floor: model alone, one query, p50 / p99 | ${f(floor.p50, 2)} / ${f(floor.p99, 2)} ms |`,
  `| floor: model alone, batches of 32 | ${f(floorBatchRps)} queries/s |`,
  `| cache miss at c=1, p50 client / server (timings.totalMs) | ${missC1.latencyMs.p50} / ${f(missServerC1.p50, 2)} ms → ${f(result.ratios.missC1P50OverFloorP50, 2)}× / ${f(result.ratios.missServerC1P50OverFloorP50, 2)}× the floor |`,
  ...(missCpuMs
    ? [
        `| CPU per cache miss at c=1: the service over all its threads (its main thread) / the model alone, per pass | ${f(missCpuMs.service)} (${f(missCpuMs.serviceMain)}) / ${f(missCpuMs.floor)} ms, on ${result.machine.cpus} cores |`,
      ]
    : []),
  `| repeat, server-side p50 / p99 | ${f(repeatServer.p50, 3)} / ${f(repeatServer.p99, 3)} ms |`,
  ...(unbatched ? [`| miss throughput at c=32: batching / no batching | ${f(missC32.rps)} / ${f(unbatched.rps)} req/s = ${f(missC32.rps / unbatched.rps, 2)}× |`] : []),
  `| HTTP floor: GET /healthz at c=32 (same server, same load generator, two rounds each after repeats at c=32) | ${f(httpFloorRps, 0)} req/s; repeats reach ${f(repeatOverHealthz, 2)}× of it |`,
  ...(mainThreadUs
    ? [
        `| the server's main-thread CPU per request at c=32 (second round): a repeat / GET /healthz | ${f(mainThreadUs.repeat, 0)} / ${f(mainThreadUs.healthz, 0)} µs (/healthz costs ${f(mainThreadUs.healthzOverRepeat, 2)}× a repeat) |`,
      ]
    : []),
  ...(mixed ? [`| mixed traffic at c=32, repeat ratio ${repeatRatio} | ${f(mixed.rps)} req/s, p50 ${mixed.latencyMs.p50} ms |`] : []),
  `| ready after start: cold (embeds all exemplars) / warm | ${f(coldMs / 1000)} / ${f(warmMs / 1000)} s |`,
  `| RSS: idle / peak during cache-miss load at c=${concurrencies[concurrencies.length - 1]} / peak over every phase (misses and repeats at every concurrency) | ${result.rssMb.idle} / ${result.rssMb.peakMissAtTopConcurrency} / ${result.rssMb.peakUnderLoad} MB |`,
  ...(index.length > 0
    ? [
        "",
        "Vector index (random 512-d unit vectors, k=10, 200 queries):",
        "",
        "| exemplars | ef | HNSW build s | HNSW p50 ms | recall@10 | brute force p50 ms | snapshot write / load ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        ...index.map(
          (x) =>
            `| ${x.size} | ${x.ef} | ${f(x.buildMs / 1000, 2)} | ${f(x.hnswP50Ms, 3)} | ${f(x.recall, 4)} | ${f(x.bruteP50Ms, 3)} | ${Math.round(x.snapshotWriteMs)} / ${Math.round(x.snapshotLoadMs)} |`,
        ),
      ]
    : []),
].join("\n");
const headline: Headline = {
  missOverFloor: result.ratios.missServerC1P50OverFloorP50,
  repeatOverHealthz,
  missPeakRssMb: peakMissTopMb,
  warmReadyS: warmMs / 1000,
  coldReadyS: coldMs / 1000,
};
const baseline = existsSync(baselineFile) ? (JSON.parse(readFileSync(baselineFile, "utf8")) as { at: string; machine: string; small: boolean; headline: Headline }) : undefined;
const comparison = comparisonTable(
  compare(headline, baseline?.headline),
  baseline ? `${baselineFile}, ${baseline.small ? "small" : "full"} run of ${baseline.at.slice(0, 10)} on ${baseline.machine}` : `none at ${baselineFile}`,
);
if (args.includes("--write-baseline")) {
  const machine = `${result.machine.cpus}× ${result.machine.model}, ${result.machine.memGiB} GiB, Node ${process.version}, ${result.database}`;
  const rounded = Object.fromEntries(Object.entries(headline).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  writeFileSync(baselineFile, `${JSON.stringify({ at: result.at, machine, small, headline: rounded }, null, 2)}\n`);
  console.log(`wrote ${baselineFile}`);
}
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify({ ...result, headline }, null, 2)}\n`);
writeFileSync(outFile.replace(/\.json$/, ".md"), `${md}\n\n${comparison}\n`);
console.log(`\n${md}\n\n${comparison}\n\nwrote ${outFile}`);
