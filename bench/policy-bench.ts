/**
 * Routing-policy bench (a script, not a test), in one process and one run:
 *  1. batch routing: 256 distinct queries as one POST /route/batch against
 *     the same 256 sent one by one (sequentially, and 32 at a time), each
 *     on a fresh cache so every query is a miss;
 *  2. rules: /route latency with no rules against 50 rules (none matching,
 *     so every query still goes through the vote), cache misses and hits.
 * Writes bench/results/policy.json.   npm run bench:policy
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { createApp } from "../src/app/app.js";
import { parseConfig } from "../src/base/config/load-config.js";
import { openDatabase } from "../src/adapters/db/client.js";
import { buildDeps } from "../src/app/deps.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { benchQueries } from "./server.js";
import { summarize } from "./stats.js";

const modelDir = path.join(tmpdir(), "tierline-bench-models");
const encoder = createEncoder({ embedding: parseConfig({}).embedding, dataDir: modelDir });
const queries = benchQueries(512);
const batch = queries.slice(0, 256);
const manyRules = Array.from({ length: 50 }, (_, i) => ({
  name: `rule-${i}`,
  match: { keywords: [`zzqx${i}`, `unlikely phrase ${i}`], minTokens: 1 },
  action: { tier: "premium" },
}));

async function service(extra: Record<string, unknown>) {
  const config = parseConfig({ logLevel: "silent", dataDir: mkdtempSync(path.join(tmpdir(), "tierline-bench-")), ...extra });
  const database = await openDatabase({ dataDir: "memory" });
  const deps = await buildDeps(config, { database, encoder, logger: pino({ level: "silent" }) });
  await deps.lifecycle.start();
  const app = createApp(deps);
  const post = async (p: string, body: unknown): Promise<Response> =>
    await app.request(p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { post, stop: async () => (await deps.lifecycle.stop(), await database.close()) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// 1. Batch vs one by one: a fresh service (cold cache) for each way.
const results: Record<string, unknown> = { at: new Date().toISOString(), model: encoder.modelId, queries: batch.length };
const ways: Record<string, (post: (p: string, b: unknown) => Promise<Response>) => Promise<unknown>> = {
  batch: (post) => post("/route/batch", { queries: batch.map((query) => ({ query })) }).then((r) => r.json()),
  sequential: async (post) => {
    for (const query of batch) await (await post("/route", { query })).json();
  },
  concurrent32: async (post) => {
    for (let i = 0; i < batch.length; i += 32) await Promise.all(batch.slice(i, i + 32).map(async (query) => (await post("/route", { query })).json()));
  },
};
const throughput: Record<string, { ms: number; perSecond: number }> = {};
for (const [name, run] of Object.entries(ways)) {
  const s = await service({});
  const ms = await timed(() => run(s.post));
  throughput[name] = { ms: Math.round(ms), perSecond: Math.round((batch.length / ms) * 1000) };
  await s.stop();
}
results.batch = {
  ...throughput,
  batchVsSequential: throughput.batch!.perSecond / throughput.sequential!.perSecond,
  batchVsConcurrent32: throughput.batch!.perSecond / throughput.concurrent32!.perSecond,
};

// 2. Rules on the route path: the same queries, interleaved between a service with no rules and one with 50.
const plain = await service({});
const ruled = await service({ rules: manyRules });
const lat: Record<string, number[]> = { missNoRules: [], missRules: [], hitNoRules: [], hitRules: [] };
const probe = queries.slice(256, 512);
for (const query of probe) {
  lat.missNoRules!.push(await timed(() => plain.post("/route", { query }).then((r) => r.json())));
  lat.missRules!.push(await timed(() => ruled.post("/route", { query }).then((r) => r.json())));
}
for (const query of probe) {
  lat.hitNoRules!.push(await timed(() => plain.post("/route", { query }).then((r) => r.json())));
  lat.hitRules!.push(await timed(() => ruled.post("/route", { query }).then((r) => r.json())));
}
await plain.stop();
await ruled.stop();
const s = Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, summarize(v)]));
results.rules = { count: manyRules.length, latencyMs: s, missP50Ratio: s.missRules!.p50 / s.missNoRules!.p50, hitP50Ratio: s.hitRules!.p50 / s.hitNoRules!.p50 };

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/policy.json", JSON.stringify(results, null, 2) + "\n");
const f = (x: number) => x.toFixed(2);
console.log(
  `batch of ${batch.length} misses: ${throughput.batch!.perSecond}/s in one request; one by one ${throughput.sequential!.perSecond}/s sequential, ${throughput.concurrent32!.perSecond}/s at 32 concurrent`,
);
console.log(`  batch vs sequential ${f(results.batch ? (results.batch as any).batchVsSequential : 0)}x, vs 32 concurrent ${f((results.batch as any).batchVsConcurrent32)}x`);
console.log(
  `50 rules on the route path (in-process, ${probe.length} queries interleaved): miss p50 ${f(s.missNoRules!.p50)} -> ${f(s.missRules!.p50)} ms, hit p50 ${f(s.hitNoRules!.p50)} -> ${f(s.hitRules!.p50)} ms`,
);
process.exit(0);
