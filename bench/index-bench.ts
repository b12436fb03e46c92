import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { normalizeInPlace } from "../src/adapters/embeddings/encoder.js";
import { BruteForceIndex } from "../src/adapters/vector-index/brute-force-index.js";
import { HnswIndex } from "../src/adapters/vector-index/hnsw-index.js";
import { summarize } from "./stats.js";

export interface IndexBenchRow {
  size: number;
  ef: number;
  buildMs: number;
  hnswP50Ms: number;
  hnswP99Ms: number;
  bruteP50Ms: number;
  recall: number;
  snapshotWriteMs: number;
  snapshotLoadMs: number;
}

const DIMS = 512;
const K = 10;

/** Deterministic Gaussian-ish noise (sum of uniforms). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let acc = 0;
    for (let i = 0; i < 4; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      acc += s / 2 ** 32 - 0.5;
    }
    return acc;
  };
}

/**
 * Sentence embeddings are clustered (paraphrases, topics), so the data are
 * noisy points around cluster centres and the queries are fresh noisy points
 * around the same centres: closer to real traffic than uniform random vectors.
 */
function dataset(size: number, queries: number) {
  const next = rng(size);
  const centres = Array.from({ length: Math.max(10, Math.round(size / 50)) }, () => normalizeInPlace(Float32Array.from({ length: DIMS }, next)));
  const around = (c: Float32Array) => normalizeInPlace(c.map((x) => x + next() * 0.06));
  const points = Array.from({ length: size }, (_, i) => around(centres[i % centres.length]!));
  const qs = Array.from({ length: queries }, (_, i) => around(centres[(i * 7) % centres.length]!));
  return { points, qs };
}

export async function runIndexBench(sizes: readonly number[], efs: readonly number[] = [32, 64, 128, 200]): Promise<IndexBenchRow[]> {
  const rows: IndexBenchRow[] = [];
  for (const size of sizes) {
    const { points, qs } = dataset(size, 200);
    const options = { M: 16, efConstruction: 200, ef: 200, initialCapacity: size };
    const t0 = performance.now();
    const hnsw = new HnswIndex(DIMS, options);
    points.forEach((p, i) => hnsw.upsert(i, p));
    const buildMs = performance.now() - t0;
    const exact = new BruteForceIndex(DIMS);
    points.forEach((p, i) => exact.upsert(i, p));

    const truths = qs.map((q) => new Set(exact.search(q, K).map((h) => h.id)));
    const bruteTimes: number[] = [];
    for (const q of qs.slice(0, 50)) {
      const s = performance.now();
      exact.search(q, K);
      bruteTimes.push(performance.now() - s);
    }
    const perEf: Array<{ ef: number; times: number[]; found: number }> = [];
    for (const e of efs) {
      hnsw.setEf(e);
      const times: number[] = [];
      let found = 0;
      for (let round = 0; round < 2; round++) {
        qs.forEach((q, i) => {
          const s = performance.now();
          const approx = hnsw.search(q, K);
          if (round === 1) {
            times.push(performance.now() - s);
            found += approx.filter((h) => truths[i]!.has(h.id)).length;
          }
        });
      }
      perEf.push({ ef: e, times, found });
    }
    const dir = mkdtempSync(path.join(tmpdir(), "tierline-index-"));
    const file = path.join(dir, "index.hnsw");
    let s = performance.now();
    hnsw.save(file);
    const snapshotWriteMs = performance.now() - s;
    s = performance.now();
    const reloaded = HnswIndex.load(file, DIMS, options, hnsw.liveIds());
    const snapshotLoadMs = performance.now() - s;
    if (reloaded.size !== size) throw new Error("snapshot lost vectors");
    rmSync(dir, { recursive: true, force: true });
    const bruteP50Ms = summarize(bruteTimes).p50;
    for (const { ef: e, times, found } of perEf) {
      const h = summarize(times);
      const row = { size, ef: e, buildMs, hnswP50Ms: h.p50, hnswP99Ms: h.p99, bruteP50Ms, recall: found / (qs.length * K), snapshotWriteMs, snapshotLoadMs };
      console.log(
        `index ${size} ef=${e}: build ${(buildMs / 1000).toFixed(1)} s, HNSW p50 ${h.p50.toFixed(3)} ms, recall@${K} ${row.recall.toFixed(4)}, brute p50 ${bruteP50Ms.toFixed(2)} ms`,
      );
      rows.push(row);
    }
  }
  return rows;
}

// `npx tsx bench/index-bench.ts [sizes...]` runs it alone.
if (process.argv[1]?.endsWith("index-bench.ts")) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  await runIndexBench(sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]);
}
