/**
 * Gateway benchmark (a script, not a test): what the gateway adds over
 * calling an upstream directly, and whether it drops anything while an
 * upstream fails. Fake OpenAI-compatible upstreams run in a process of
 * their own; the service runs as `npm start` runs it (node dist/main.js).
 *   npm run bench:gateway [-- --requests 2000 --concurrency 64 --out bench/results/gateway.json --profile /tmp/prof]
 * 1. Overhead on a cache hit, concurrency 1: the same chat request sent
 *    alternately to the fake upstream and through the gateway (model
 *    "tierline", a repeated query, so the decision comes from the cache);
 *    non-streamed latency and streamed time to first byte.
 * 2. Concurrency 64: straight to the fake upstream, through the gateway to a
 *    healthy tier, and through the gateway to a tier whose first upstream
 *    fails half its requests at random (500): errors the callers saw,
 *    throughput, latency, and the attempts /metrics counted.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { startServer } from "./server.js";
import { summarize, type Summary } from "./stats.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const requests = Number(arg("requests", "2000"));
const concurrency = Number(arg("concurrency", "64"));
const outFile = arg("out", "bench/results/gateway.json");
const port = Number(arg("port", "8797"));
/** A directory for a CPU profile of the service (node --cpu-prof), written when it stops. */
const profileDir = arg("profile", "");

const easy = "What is the capital of Germany?";
const standardQuery = "Write a Python function that merges two sorted lists";
const seed: Record<string, string[]> = {
  fast: [easy, "how many days are in a leap year", "Translate 'good morning' into Spanish", "What is 15 times 4?", "Who wrote Romeo and Juliet?"],
  standard: [
    standardQuery,
    "Draft a polite email asking my landlord to fix the heating",
    "Explain the difference between TCP and UDP with examples",
    "Write a SQL query that returns the top five customers by revenue",
  ],
  premium: [
    "Prove that there are infinitely many primes",
    "Design a globally distributed payment ledger with exactly-once semantics",
    "Analyse the antitrust risks of this merger under EU competition law",
  ],
};

/** Starts the fake upstreams' process and reads their URLs. */
async function startFakes(specs: object[]): Promise<{ urls: Record<string, string>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/fake-upstream-server.ts", JSON.stringify(specs)], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake upstreams exited with ${code}`)));
  });
  return {
    urls: JSON.parse(line) as Record<string, string>,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const chatBody = (model: string, query: string, stream = false) =>
  JSON.stringify({ model, messages: [{ role: "user", content: query }], max_tokens: 16, ...(stream && { stream: true }) });

/** One request: total time, time to first body byte, and whether it was a 200 read to the end. */
async function once(url: string, body: string): Promise<{ ok: boolean; ms: number; firstByteMs: number }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const reader = res.body!.getReader();
    let firstByteMs = Number.NaN;
    for (;;) {
      const { done } = await reader.read();
      if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - started;
      if (done) break;
    }
    return { ok: res.status === 200, ms: performance.now() - started, firstByteMs };
  } catch {
    return { ok: false, ms: performance.now() - started, firstByteMs: Number.NaN };
  }
}

/** Direct and through the gateway, alternating, so drift on a shared machine hits both alike. */
async function overhead(direct: string, gateway: string, model: string, stream: boolean, n: number) {
  const a: number[] = [];
  const b: number[] = [];
  let errors = 0;
  for (let i = 0; i < n + 200; i++) {
    const d = await once(direct, chatBody(model, easy, stream));
    const g = await once(gateway, chatBody("tierline", easy, stream));
    if (!d.ok || !g.ok) errors++;
    if (i < 200) continue; // warm-up: connections, JIT, the decision cache
    a.push(stream ? d.firstByteMs : d.ms);
    b.push(stream ? g.firstByteMs : g.ms);
  }
  const direct_ = summarize(a);
  const through = summarize(b);
  return { direct: direct_, gateway: through, overheadMs: { p50: through.p50 - direct_.p50, p99: through.p99 - direct_.p99, mean: through.mean - direct_.mean }, errors };
}

/** A closed loop of `c` callers sending `total` requests. */
async function underLoad(url: string, body: string, c: number, total: number): Promise<{ requests: number; errors: number; rps: number; latencyMs: Summary }> {
  let sent = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (sent < total) {
        sent++;
        const r = await once(url, body);
        latencies.push(r.ms);
        if (!r.ok) errors++;
      }
    }),
  );
  return { requests: total, errors, rps: total / ((performance.now() - started) / 1000), latencyMs: summarize(latencies) };
}

const counter = (metrics: string, pattern: RegExp) => [...metrics.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);

const dir = mkdtempSync(path.join(tmpdir(), "tierline-gateway-bench-"));
const fakes = await startFakes([{ name: "healthy" }, { name: "flaky", failureRate: 0.5, randomFailures: true }, { name: "backup" }]);
const { healthy, flaky, backup } = fakes.urls as Record<"healthy" | "flaky" | "backup", string>;
mkdirSync(path.join(dir, "exemplars"));
for (const [tier, texts] of Object.entries(seed))
  writeFileSync(path.join(dir, "exemplars", `${tier}.jsonl`), texts.map((text) => JSON.stringify({ text, tier })).join("\n") + "\n");
const config = {
  // The plain vote: the shipped second stage and OOD guard are calibrated for the shipped exemplars, not this handful.
  routing: { strategy: "knn", ood: { enabled: false } },
  tiers: [
    { name: "fast", model: "fast-model", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: healthy, model: "fast-model" }] },
    {
      name: "standard",
      model: "standard-model",
      pricePer1MTokens: 1,
      upstreams: [
        { baseUrl: flaky, model: "standard-model", name: "standard-flaky" },
        { baseUrl: backup, model: "standard-model", name: "standard-backup" },
      ],
    },
    { name: "premium", model: "premium-model", pricePer1MTokens: 10, upstreams: [{ baseUrl: healthy, model: "premium-model" }] },
  ],
};
writeFileSync(path.join(dir, "tierline.config.json"), JSON.stringify(config));
const server = await startServer(
  port,
  {
    TIERLINE_CONFIG: path.join(dir, "tierline.config.json"),
    TIERLINE_DATA_DIR: path.join(dir, "data"),
    TIERLINE_EXEMPLARS_DIR: path.join(dir, "exemplars"),
    DATABASE_URL: process.env.DATABASE_URL ?? "",
  },
  profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
).catch(async (err: unknown) => {
  await fakes.stop();
  throw err;
});
const gatewayUrl = `${server.base}/v1/chat/completions`;
console.log(`tierline gateway bench on ${cpus().length}× ${cpus()[0]?.model}, Node ${process.version}; ready in ${(server.readyMs / 1000).toFixed(1)} s`);

/** Which upstream a routed query reaches: the bench measures nothing if its queries go elsewhere. */
async function upstreamOf(query: string): Promise<string | null> {
  const res = await fetch(gatewayUrl, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("tierline", query) });
  await res.arrayBuffer();
  return res.headers.get("x-tierline-served-tier");
}

try {
  for (const [query, tier] of [
    [easy, "fast"],
    [standardQuery, "standard"],
  ] as const) {
    const served = await upstreamOf(query);
    if (served !== tier) throw new Error(`"${query}" was served by ${served}, not ${tier}: the bench would not measure what it says`);
  }
  const plain = await overhead(`${healthy}/chat/completions`, gatewayUrl, "fast-model", false, requests);
  console.log(
    `overhead, non-streamed, c=1: direct p50 ${plain.direct.p50.toFixed(3)} ms, gateway p50 ${plain.gateway.p50.toFixed(3)} ms -> +${plain.overheadMs.p50.toFixed(3)} ms p50, +${plain.overheadMs.p99.toFixed(3)} ms p99 (${plain.errors} errors)`,
  );
  const streamed = await overhead(`${healthy}/chat/completions`, gatewayUrl, "fast-model", true, Math.round(requests / 2));
  console.log(
    `overhead, streamed first byte, c=1: direct p50 ${streamed.direct.p50.toFixed(3)} ms, gateway p50 ${streamed.gateway.p50.toFixed(3)} ms -> +${streamed.overheadMs.p50.toFixed(3)} ms p50, +${streamed.overheadMs.p99.toFixed(3)} ms p99 (${streamed.errors} errors)`,
  );

  const directLoad = await underLoad(`${healthy}/chat/completions`, chatBody("fast-model", easy), concurrency, requests * 3);
  const healthyLoad = await underLoad(gatewayUrl, chatBody("tierline", easy), concurrency, requests * 3);
  const line = (what: string, r: typeof directLoad) =>
    `c=${concurrency}, ${what}: ${r.requests} requests, ${r.errors} errors, ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`;
  console.log(line("straight to the upstream", directLoad));
  console.log(line("through the gateway, healthy upstream", healthyLoad));
  const before = await (await fetch(`${server.base}/metrics`)).text();
  const flakyLoad = await underLoad(gatewayUrl, chatBody("tierline", standardQuery), concurrency, requests * 3);
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  const attempts = (upstream: string, outcome: string) => {
    const re = new RegExp(`tierline_upstream_attempts_total\\{upstream="${upstream}",tier="standard",kind="answer",outcome="${outcome}"\\} (\\d+)`, "g");
    return counter(metrics, re) - counter(before, re);
  };
  const flakyAttempts = { ok: attempts("standard-flaky", "ok"), serverError: attempts("standard-flaky", "server_error"), skipped: attempts("standard-flaky", "skipped") };
  const backupAttempts = { ok: attempts("standard-backup", "ok") };
  console.log(
    `c=${concurrency}, first upstream failing half at random: ${flakyLoad.requests} requests, ${flakyLoad.errors} errors, ${flakyLoad.rps.toFixed(0)} req/s, p50 ${flakyLoad.latencyMs.p50.toFixed(2)} ms, p99 ${flakyLoad.latencyMs.p99.toFixed(2)} ms; ` +
      `flaky upstream ok ${flakyAttempts.ok} / 500 ${flakyAttempts.serverError} / skipped (circuit open) ${flakyAttempts.skipped}, backup ok ${backupAttempts.ok}`,
  );

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    database: process.env.DATABASE_URL ? "postgres" : "pglite",
    requests,
    overheadCacheHit: { nonStreamed: plain, streamedFirstByte: streamed },
    underLoad: { concurrency, direct: directLoad, gatewayHealthy: healthyLoad },
    flakyUpstream: { concurrency, ...flakyLoad, flakyAttempts, backupAttempts },
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(result, null, 2) + "\n");
  const ms = (x: number) => x.toFixed(2);
  const md = [
    `Measured ${result.at} on ${result.machine.cpus}× ${result.machine.model} (${result.machine.memGiB} GiB), Node ${process.version}, ${result.database}; fake upstreams in their own process, answering at once.`,
    "",
    "| cache hit, concurrency 1 | direct p50 / p99 ms | through the gateway p50 / p99 ms | overhead p50 / p99 ms | errors |",
    "| --- | --- | --- | --- | --- |",
    `| non-streamed answer (${plain.direct.n} each) | ${ms(plain.direct.p50)} / ${ms(plain.direct.p99)} | ${ms(plain.gateway.p50)} / ${ms(plain.gateway.p99)} | ${ms(plain.overheadMs.p50)} / ${ms(plain.overheadMs.p99)} | ${plain.errors} |`,
    `| streamed, first byte (${streamed.direct.n} each) | ${ms(streamed.direct.p50)} / ${ms(streamed.direct.p99)} | ${ms(streamed.gateway.p50)} / ${ms(streamed.gateway.p99)} | ${ms(streamed.overheadMs.p50)} / ${ms(streamed.overheadMs.p99)} | ${streamed.errors} |`,
    "",
    `| concurrency ${concurrency} | requests | errors | req/s | p50 ms | p99 ms |`,
    "| --- | --- | --- | --- | --- | --- |",
    ...[
      ["straight to the upstream", directLoad],
      ["through the gateway (cache hit), healthy upstream", healthyLoad],
      ["through the gateway, first upstream failing half its requests", flakyLoad],
    ].map(([what, r]) => {
      const x = r as typeof directLoad;
      return `| ${what} | ${x.requests} | ${x.errors} | ${x.rps.toFixed(0)} | ${ms(x.latencyMs.p50)} | ${ms(x.latencyMs.p99)} |`;
    }),
    "",
    `Concurrency ${concurrency}, first upstream of the tier failing half its requests at random (500): ${flakyLoad.requests} requests, **${flakyLoad.errors} errors**, ${flakyLoad.rps.toFixed(0)} req/s, p50 ${ms(flakyLoad.latencyMs.p50)} ms, p99 ${ms(flakyLoad.latencyMs.p99)} ms. ` +
      `Attempts at the failing upstream: ${flakyAttempts.ok} ok, ${flakyAttempts.serverError} failed, ${flakyAttempts.skipped} skipped while its circuit was open; the backup answered ${backupAttempts.ok}.`,
  ].join("\n");
  writeFileSync(outFile.replace(/\.json$/, ".md"), md + "\n");
  console.log(`\nwrote ${outFile}`);
} finally {
  await server.stop();
  await fakes.stop();
  rmSync(dir, { recursive: true, force: true });
}
