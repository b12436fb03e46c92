/**
 * Decision-log bench (a script, not a test): does writing every decision
 * behind move /route latency? One run, the same service build and data,
 * alternating log on / log off over several rounds (so drift on a shared
 * machine hits both alike): cache-miss traffic (every query new) and
 * repeated traffic at concurrency 32. With the log on it also checks that
 * every request was logged and none dropped.
 *   npm run bench:log [-- --rounds 3 --port 8797]
 * With DATABASE_URL set the service uses that PostgreSQL, else a fresh PGlite.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { benchQueries, startServer } from "./server.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const rounds = Number(arg("rounds", "3"));
const port = Number(arg("port", "8797"));
const outFile = arg("out", "bench/results/decision-log.json");
const CONNECTIONS = 32;
const MISSES = 800;
const ANALYST = "bench-analyst-token-0123456789";

const base = benchQueries();
let counter = 0;
const uniqueQuery = () => `${base[counter % base.length]} (ticket ${++counter})`;
const repeatSet = base.slice(0, 50);
const json = (query: string) => JSON.stringify({ query });

interface Load {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
}

async function load(url: string, body: () => string, opts: { amount?: number; duration?: number }): Promise<Load> {
  const r = await autocannon({
    url: `${url}/route`,
    method: "POST",
    connections: CONNECTIONS,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }) }],
  });
  const s = (r.finish.getTime() - r.start.getTime()) / 1000;
  return { requests: r.requests.total, errors: r.errors + r.non2xx, rps: r.requests.total / s, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99 };
}

const dir = mkdtempSync(path.join(tmpdir(), "tierline-log-bench-"));
const shipped = JSON.parse(readFileSync("tierline.config.json", "utf8")) as Record<string, unknown>;
const configFor = (enabled: boolean) => {
  const file = path.join(dir, `config-${enabled ? "on" : "off"}.json`);
  writeFileSync(file, JSON.stringify({ ...shipped, decisions: { enabled } }));
  return file;
};
const env = (enabled: boolean) => ({ TIERLINE_DATA_DIR: path.join(dir, "data"), TIERLINE_CONFIG: configFor(enabled), TIERLINE_ANALYST_TOKEN: ANALYST });
console.log(`tierline decision-log bench on ${cpus().length}× ${cpus()[0]?.model}, ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}, c=${CONNECTIONS}, ${rounds} rounds each`);

// A cold start first (embeds the exemplars once); every round after is a warm start.
await (await startServer(port, env(true))).stop();

const results: Array<{ log: "on" | "off"; round: number; miss: Load; repeat: Load; logged?: number; answered?: number; dropped?: number }> = [];
/** Requests answered by the log-on services so far (the warm-up repeats included). */
let answeredOn = 0;
for (let round = 1; round <= rounds; round++) {
  for (const enabled of round % 2 === 1 ? [true, false] : [false, true]) {
    const server = await startServer(port, env(enabled));
    for (const q of repeatSet) await fetch(`${server.base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: json(q) });
    const miss = await load(server.base, () => json(uniqueQuery()), { amount: MISSES });
    let r = 0;
    const repeat = await load(server.base, () => json(repeatSet[r++ % repeatSet.length]!), { duration: 5 });
    const row: (typeof results)[number] = { log: enabled ? "on" : "off", round, miss, repeat };
    if (enabled) {
      answeredOn += repeatSet.length + miss.requests + repeat.requests;
      row.answered = answeredOn;
      const metrics = await (await fetch(`${server.base}/metrics`)).text();
      row.dropped = Number(/^tierline_decision_log_dropped_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
      const drift = (await (await fetch(`${server.base}/stats/drift?from=2000-01-01`, { headers: { authorization: `Bearer ${ANALYST}` } })).json()) as { days: Array<{ decisions: number }> };
      row.logged = drift.days.reduce((n, d) => n + d.decisions, 0);
    }
    await server.stop();
    results.push(row);
    console.log(`round ${round} log ${row.log}: miss ${miss.rps.toFixed(1)} req/s p50 ${miss.p50} p99 ${miss.p99} ms; repeat ${repeat.rps.toFixed(0)} req/s p50 ${repeat.p50} p99 ${repeat.p99} ms${enabled ? `; logged ${row.logged} of ${row.answered} answered so far, dropped ${row.dropped}` : ""}`);
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const of = (log: "on" | "off", pick: (x: (typeof results)[number]) => number) => median(results.filter((x) => x.log === log).map(pick));
const measures: Array<[string, (x: (typeof results)[number]) => number]> = [
  ["miss req/s", (x) => x.miss.rps],
  ["miss p50 ms", (x) => x.miss.p50],
  ["miss p99 ms", (x) => x.miss.p99],
  ["repeat req/s", (x) => x.repeat.rps],
  ["repeat p50 ms", (x) => x.repeat.p50],
  ["repeat p99 ms", (x) => x.repeat.p99],
];
const summary = Object.fromEntries(measures.map(([name, pick]) => [name, { on: of("on", pick), off: of("off", pick), ratio: of("on", pick) / of("off", pick) }]));
const at = new Date().toISOString();
const f = (n: number, d = 1) => n.toFixed(d);
const md = [
  `Measured ${at} on ${cpus().length}× ${cpus()[0]?.model} (${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, ${process.env.DATABASE_URL ? "postgres" : "pglite"}; /route at concurrency ${CONNECTIONS}, ${MISSES} cache misses then 5 s of repeats per round, log on and off alternating over ${rounds} rounds (medians).`,
  "",
  "| measure | log on | log off | on / off |",
  "| --- | --- | --- | --- |",
  ...measures.map(([name]) => `| ${name} | ${f(summary[name]!.on)} | ${f(summary[name]!.off)} | ${f(summary[name]!.ratio, 3)} |`),
  "",
  "| round | log | miss req/s | miss p50 / p90 / p99 ms | repeat req/s | repeat p50 / p90 / p99 ms | logged / answered (cumulative) | dropped |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...results.map((x) => `| ${x.round} | ${x.log} | ${f(x.miss.rps)} | ${x.miss.p50} / ${x.miss.p90} / ${x.miss.p99} | ${f(x.repeat.rps, 0)} | ${x.repeat.p50} / ${x.repeat.p90} / ${x.repeat.p99} | ${x.logged === undefined ? "-" : `${x.logged} / ${x.answered}`} | ${x.dropped ?? "-"} |`),
].join("\n");
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ at, connections: CONNECTIONS, rounds, database: process.env.DATABASE_URL ? "postgres" : "pglite", summary, results }, null, 2) + "\n");
writeFileSync(outFile.replace(/\.json$/, ".md"), md + "\n");
console.log(`\n${md}\n\nwrote ${outFile}`);
