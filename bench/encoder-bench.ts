/**
 * Encoder benchmark (a script, not a test): USE lite on TF.js WASM (the
 * reference) against the same model converted to ONNX and run by
 * onnxruntime-node (fp32, and int8), measured in one run with the rounds
 * interleaved so background load hits every encoder alike:
 *   - load time: cold (ONNX: conversion included) and warm (converted file cached);
 *   - single-query latency, short (<= 60 chars) and 200-character dev queries;
 *   - batch-32 throughput on dev queries;
 *   - cosine to TF.js over the exemplars, dev queries and the equivalence texts;
 *   - routing decisions on test/data/dev.jsonl with the shipped exemplars and configured k/margin/floor.
 * Usage: npx tsx bench/encoder-bench.ts [--iterations 200] [--batches 8] [--out bench/results/encoders.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import path from "node:path";
import { normalizeQuery } from "../src/base/text/normalize.js";
import { loadConfig } from "../src/base/config/load-config.js";
import type { Encoder } from "../src/adapters/embeddings/encoder.js";
import { createUseLiteEncoder } from "../src/adapters/embeddings/use-lite-encoder.js";
import { createUseOnnxEncoder } from "../src/adapters/embeddings/use-onnx-encoder.js";
import { variedTexts } from "../test/fixtures/use-onnx-texts.js";
import { decisionDifferences, readRoutingInputs, routeDevSet, type RoutingRun } from "./encoder-routing.js";
import { formatEncoderReport, type EncoderReport } from "./encoder-report.js";
import { summarize } from "./stats.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const iterations = Number(arg("iterations", "200"));
const batches = Number(arg("batches", "8"));
const outFile = arg("out", "bench/results/encoders.json");
const devFile = "test/data/dev.jsonl";
const ROUNDS = 4;

const config = loadConfig();
const devQueries = readFileSync(devFile, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => normalizeQuery((JSON.parse(l) as { query: string }).query));
const shortPool = devQueries.filter((q) => q.length <= 60);
const mediumPool = devQueries.filter((q) => q.length >= 200).map((q) => q.slice(0, 200));

const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-encoder-bench-"));
const timed = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

// Cold loads first: TF.js parses its shards, the ONNX variants convert into an empty data directory.
const threads = availableParallelism();
const candidates: { name: string; make: () => Encoder }[] = [
  { name: "tfjs-wasm", make: () => createUseLiteEncoder() },
  { name: "onnx-fp32", make: () => createUseOnnxEncoder({ dataDir }) },
  { name: "onnx-int8", make: () => createUseOnnxEncoder({ dataDir, variant: "int8" }) },
  { name: "onnx-fp32-1thread", make: () => createUseOnnxEncoder({ dataDir, intraOpNumThreads: 1 }) },
];
const encoders: { name: string; encoder: Encoder; coldLoadMs: number; warmLoadMs: number }[] = [];
for (const c of candidates) {
  const encoder = c.make();
  const coldLoadMs = await timed(() => encoder.load());
  const warmLoadMs = await timed(() => c.make().load());
  encoders.push({ name: c.name, encoder, coldLoadMs, warmLoadMs });
  console.log(`${c.name}: loaded cold in ${coldLoadMs.toFixed(0)} ms, warm in ${warmLoadMs.toFixed(0)} ms`);
}

const samples = new Map(encoders.map((e) => [e.name, { short: [] as number[], medium: [] as number[], batchMs: 0, batchTexts: 0 }]));
for (const { encoder } of encoders) for (let i = 0; i < 10; i++) await encoder.embed([shortPool[i % shortPool.length]!, mediumPool[i % mediumPool.length]!]);
for (let round = 0; round < ROUNDS; round++) {
  for (const { name, encoder } of encoders) {
    const s = samples.get(name)!;
    for (let i = round; i < iterations; i += ROUNDS) {
      s.short.push(await timed(() => encoder.embed([shortPool[i % shortPool.length]!])));
      s.medium.push(await timed(() => encoder.embed([mediumPool[i % mediumPool.length]!])));
    }
    for (let b = round; b < batches; b += ROUNDS) {
      const batch = Array.from({ length: 32 }, (_, k) => devQueries[(b * 32 + k) % devQueries.length]!.slice(0, encoder.maxInputChars));
      s.batchMs += await timed(() => encoder.embed(batch));
      s.batchTexts += 32;
    }
  }
  console.log(`latency round ${round + 1}/${ROUNDS} done`);
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const fixtures = variedTexts();
const routingInputs = readRoutingInputs(config, devFile);
const routing = new Map<string, RoutingRun>();
const fixtureVectors = new Map<string, Float32Array[]>();
for (const { name, encoder } of encoders.filter((e) => e.name !== "onnx-fp32-1thread")) {
  routing.set(name, await routeDevSet(encoder, config, routingInputs));
  fixtureVectors.set(name, await encoder.embed(fixtures));
  console.log(`${name}: routed the dev set`);
}

const reference = routing.get("tfjs-wasm")!;
const tf = samples.get("tfjs-wasm")!;
const report: EncoderReport = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, intraOpThreads: threads },
  settings: {
    iterations,
    batches,
    shortQueries: shortPool.length,
    mediumQueries: mediumPool.length,
    exemplars: routingInputs.exemplars.length,
    k: config.routing.k,
    margin: config.routing.margin,
    minSimilarity: config.routing.minSimilarity,
  },
  encoders: encoders.map(({ name, encoder, coldLoadMs, warmLoadMs }) => {
    const s = samples.get(name)!;
    const short = summarize(s.short);
    const medium = summarize(s.medium);
    const batchPerSecond = s.batchTexts / (s.batchMs / 1000);
    const run = routing.get(name);
    const vectors = fixtureVectors.get(name);
    const cos = run && vectors ? [...run.vectors.map((v, i) => dot(v, reference.vectors[i]!)), ...vectors.map((v, i) => dot(v, fixtureVectors.get("tfjs-wasm")![i]!))] : [];
    return {
      name,
      modelId: encoder.modelId,
      load: { coldMs: Math.round(coldLoadMs), warmMs: Math.round(warmLoadMs) },
      short,
      medium,
      batch32PerSecond: batchPerSecond,
      speedup: { shortP50: summarize(tf.short).p50 / short.p50, mediumP50: summarize(tf.medium).p50 / medium.p50, batch32: batchPerSecond / (tf.batchTexts / (tf.batchMs / 1000)) },
      ...(run
        ? {
            cosine: { n: cos.length, min: Math.min(...cos), mean: cos.reduce((a, b) => a + b, 0) / cos.length },
            routing: { metrics: run.metrics, differences: decisionDifferences(reference, run) },
          }
        : {}),
    };
  }),
};

mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
const markdown = formatEncoderReport(report);
writeFileSync(outFile.replace(/\.json$/, ".md"), markdown + "\n");
console.log(`\n${markdown}\n\nwrote ${outFile}`);
rmSync(dataDir, { recursive: true, force: true });
