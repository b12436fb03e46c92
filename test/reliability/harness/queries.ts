import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.js";

let cached: string[] | null = null;

/** Realistic queries: the labelled dev set (never exemplars), used as traffic. */
export function devQueries(): string[] {
  cached ??= readFileSync(path.join(repoRoot, "test/data/dev.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { query: string }).query);
  return cached;
}

/**
 * Route traffic: cache misses (a dev query with a unique ticket number, so the
 * model runs) mixed with repeats (a fixed set of 50, cache hits after the first).
 */
export class TrafficMix {
  private counter = 0;
  private repeatIndex = 0;

  constructor(
    private readonly repeatRatio: number,
    private readonly tag = `t${process.pid}`,
  ) {}

  next(rand: () => number = Math.random): string {
    const qs = devQueries();
    if (rand() < this.repeatRatio) return qs[this.repeatIndex++ % 50]!;
    const n = ++this.counter;
    return `${qs[n % qs.length]} (ticket ${this.tag}-${n})`;
  }
}

/** The 1 MB body from issue 11, byte for byte as the reproducer's python prints it (trailing newline included). */
export function freezeReproducerBody(): string {
  return `{"query":"${"\u0316\u0301".repeat(249_990)}"}\n`;
}
