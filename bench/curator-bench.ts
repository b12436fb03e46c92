/**
 * Curator benchmark (a script, not a test): with two replicas on one
 * PostgreSQL (DATABASE_URL, required), the latency from an add acknowledged
 * by replica A to the exemplar being routable on replica B (median of 20),
 * and the time to import 5,000 exemplars through the API in the CLI's chunks.
 * Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:curator
 */
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import pino from "pino";
import postgres from "postgres";
import { createApp } from "../src/app/app.js";
import { importExemplars } from "../src/http/cli/exemplars-client.js";
import { parseConfig } from "../src/base/config/load-config.js";
import { openDatabase } from "../src/adapters/db/client.js";
import { createEncoder } from "../src/adapters/embeddings/create-encoder.js";
import { buildDeps } from "../src/app/deps.js";
import { summarize } from "./stats.js";

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error("set DATABASE_URL to a PostgreSQL server (replicas need one)");
  process.exit(2);
}
const TOKEN = "bench-token-0123456789abcdef";
const name = `tierline_bench_${randomBytes(4).toString("hex")}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;

const config = parseConfig({ logLevel: "silent" }, { TIERLINE_ADMIN_TOKEN: TOKEN });
const logger = pino({ level: "silent" });
const encoder = createEncoder(config); // one model shared by both in-process replicas
const start = async () => {
  const deps = await buildDeps(config, { logger, database: await openDatabase({ url: url.toString() }), encoder });
  await deps.lifecycle.start();
  return { deps, app: createApp(deps) };
};
const a = await start();
const b = await start();

const latencies: number[] = [];
for (let i = 0; i < 20; i++) {
  const res = await a.app.request("/exemplars", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ text: `Replica probe ${i}: how many moons does planet number ${i} have?`, tier: "fast" }),
  });
  const id = ((await res.json()) as { exemplars: Array<{ id: number }> }).exemplars[0]!.id;
  const acked = performance.now();
  while (!b.deps.index.get()!.has(id)) await new Promise((r) => setImmediate(r));
  latencies.push(performance.now() - acked);
}
const visible = summarize(latencies);

const server = serve({ fetch: a.app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => server.once("listening", r));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const topics = ["invoice", "shipment", "password reset", "refund", "warranty", "delivery slot", "subscription", "gift card"];
const lines = Array.from({ length: 5000 }, (_, i) =>
  JSON.stringify({
    text: `Customer ${i} asks about their ${topics[i % topics.length]} number ${(i * 7919) % 100_003}: what is its status?`,
    tier: ["fast", "standard", "premium"][i % 3],
  }),
);
const t0 = performance.now();
const summary = await importExemplars({ baseUrl, token: TOKEN, content: lines.join("\n"), force: true, chunkSize: 250, progress: process.stderr });
const importMs = performance.now() - t0;
await new Promise<void>((resolve) => {
  const check = () => (b.deps.index.get()!.revision === summary.revision ? resolve() : setTimeout(check, 10));
  check();
});
const importVisibleOnBMs = performance.now() - t0;

server.close();
await a.deps.lifecycle.stop();
await b.deps.lifecycle.stop();
await a.deps.database.close();
await b.deps.database.close();
await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();

const result = {
  at: new Date().toISOString(),
  model: encoder.modelId,
  addToVisibleOnOtherReplicaMs: visible,
  import5000: { ms: Math.round(importMs), visibleOnOtherReplicaMs: Math.round(importVisibleOnBMs), perSecond: Math.round(5000 / (importMs / 1000)), ...summary },
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/curator.json", JSON.stringify(result, null, 2) + "\n");
console.log(`add on A -> routable on B: median ${visible.p50.toFixed(1)} ms, p90 ${visible.p90.toFixed(1)} ms, max ${visible.max.toFixed(1)} ms (n=20)`);
console.log(
  `import 5,000 exemplars (chunks of 250 over HTTP, ${encoder.modelId}): ${(importMs / 1000).toFixed(1)} s (${result.import5000.perSecond}/s); on replica B after ${(importVisibleOnBMs / 1000).toFixed(1)} s`,
);
