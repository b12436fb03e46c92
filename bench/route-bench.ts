/**
 * End-to-end route benchmark (a script, not a test). Starts the service as
 * `npm start` does, on a fresh PGlite data directory (or DATABASE_URL when
 * given), and measures in one run:
 *   - start-up to ready, cold (empty database: embeds every exemplar) and warm;
 *   - /route latency over loopback for cache misses and for repeats;
 *   - the floor: the same queries embedded in this process with the same model;
 *   - server RSS at idle and after the load.
 * Usage: npm run bench [-- --queries 200 --out bench/results/latest.json]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { normalizeQuery } from "../src/cache/cache-key.js";
import { createUseLiteEncoder } from "../src/embeddings/use-lite-encoder.js";
import { summarize, type Summary } from "./stats.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const queryCount = Number(arg("queries", "200"));
const outFile = arg("out", "bench/results/latest.json");
const port = Number(arg("port", "8797"));
const base = `http://127.0.0.1:${port}`;

const queries = readFileSync("test/data/dev.jsonl", "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => (JSON.parse(l) as { query: string }).query)
  .slice(0, queryCount);

function startServer(dataDir: string): { child: ChildProcess; ready: Promise<number> } {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, PORT: String(port), TIERLINE_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${base}/readyz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { child, ready };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function routeAll(list: readonly string[]): Promise<{ client: Summary; server: Summary; cached: number }> {
  const client: number[] = [];
  const server: number[] = [];
  let cached = 0;
  for (const query of list) {
    const t = performance.now();
    const res = await fetch(`${base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { cached: boolean; timings: { totalMs: number } };
    client.push(performance.now() - t);
    server.push(body.timings.totalMs);
    if (body.cached) cached++;
  }
  return { client: summarize(client), server: summarize(server), cached };
}

const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-bench-"));
const usePostgres = Boolean(process.env.DATABASE_URL);
console.log(`tierline route bench: ${queries.length} queries, database ${usePostgres ? "PostgreSQL (DATABASE_URL)" : "PGlite"}, ${cpus().length} CPUs (${cpus()[0]?.model})`);

// Cold start: nothing in the database, every exemplar is embedded.
let server = startServer(dataDir);
const coldStartMs = await server.ready;
await stopServer(server.child);
// Warm start: exemplar vectors and cached decisions come from the database.
server = startServer(dataDir);
const warmStartMs = await server.ready;
const pid = server.child.pid!;
const idleRssMb = rssMb(pid);

// Repeats of earlier runs are excluded: the cold run above routed nothing, so each query is new here.
const misses = await routeAll(queries);
const repeats = await routeAll(queries);
const loadedRssMb = rssMb(pid);
await stopServer(server.child);

// The floor: the same model, same normalised text, one query per forward pass, no HTTP/index/database.
const encoder = createUseLiteEncoder();
await encoder.load();
await encoder.embed(["warm-up"]);
const embedTimes: number[] = [];
for (const q of queries) {
  const text = normalizeQuery(q).slice(0, encoder.maxInputChars);
  const t = performance.now();
  await encoder.embed([text]);
  embedTimes.push(performance.now() - t);
}
const embed = summarize(embedTimes);

const result = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  database: usePostgres ? "postgres" : "pglite",
  queries: queries.length,
  startup: { coldMs: Math.round(coldStartMs), warmMs: Math.round(warmStartMs) },
  miss: { ...misses, cachedResponses: misses.cached },
  repeat: { ...repeats, cachedResponses: repeats.cached },
  rawEmbed: embed,
  ratios: {
    missP50ToEmbedP50: misses.client.p50 / embed.p50,
    missServerP50ToEmbedP50: misses.server.p50 / embed.p50,
  },
  rssMb: { idle: Math.round(idleRssMb), afterLoad: Math.round(loadedRssMb) },
};

const f = (n: number) => n.toFixed(2);
const row = (name: string, s: Summary) => `| ${name} | ${f(s.p50)} | ${f(s.p90)} | ${f(s.p99)} | ${f(s.mean)} |`;
const markdown = [
  `Measured ${result.at} on ${result.machine.cpus}× ${result.machine.model}, Node ${result.machine.node}, ${result.database}, ${queries.length} queries from test/data/dev.jsonl, concurrency 1.`,
  "",
  "| ms | p50 | p90 | p99 | mean |",
  "| --- | --- | --- | --- | --- |",
  row("route, cache miss (client)", misses.client),
  row("route, cache miss (server timings.totalMs)", misses.server),
  row("route, repeat (client)", repeats.client),
  row("route, repeat (server timings.totalMs)", repeats.server),
  row("raw embedding, same queries (floor)", embed),
  "",
  `Cache-miss p50 / embedding p50: ${f(result.ratios.missP50ToEmbedP50)}× (client), ${f(result.ratios.missServerP50ToEmbedP50)}× (server). ` +
    `Ready: cold ${(coldStartMs / 1000).toFixed(1)} s, warm ${(warmStartMs / 1000).toFixed(1)} s. RSS: ${result.rssMb.idle} MB idle, ${result.rssMb.afterLoad} MB after load.`,
].join("\n");

mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + "\n");
writeFileSync(outFile.replace(/\.json$/, ".md"), markdown + "\n");
console.log(markdown);
console.log(`\nwrote ${outFile}`);
if (misses.cached !== 0 || repeats.cached !== queries.length) {
  console.warn(`note: ${misses.cached} misses were cached and ${queries.length - repeats.cached} repeats were not (near-duplicate queries share a key)`);
}
rmSync(dataDir, { recursive: true, force: true });

