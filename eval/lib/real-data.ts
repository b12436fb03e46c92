import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The labelled real prompts (test/data/real/<source>.jsonl): prompts this
 * project did not write, each with the cheapest tier that answers it well,
 * split once by a hash of the text into calibration rows (for fitting) and
 * report rows (only ever measured). See test/data/README.md.
 */
const rowSchema = z.object({
  id: z.string().min(1),
  query: z.string().min(1),
  tier: z.string().min(1),
  split: z.enum(["calibration", "report"]),
  licence: z.string().optional(),
});

export interface RealRow {
  id: string;
  query: string;
  tier: string;
  split: "calibration" | "report";
  /** Short source name: the id's prefix (iwild, wizardlm, nq, conala, secoffee). */
  source: string;
}

export const defaultRealDataDir = "test/data/outcomes";

/** The three levels the shipped data and exemplars are labelled with, cheapest first. */
export const shippedLevels = ["fast", "standard", "premium"] as const;

/**
 * How the shipped levels map onto configured tiers of other names, by
 * position: the same three in order; with two tiers, fast to the cheaper and
 * the rest to the dearer (erring up); with more, fast to the cheapest,
 * standard to the second, premium to the dearest. Null when the tiers are the
 * shipped names already.
 */
export function shippedLevelMap(tiers: readonly string[]): Map<string, string> | null {
  if (shippedLevels.every((l) => tiers.includes(l))) return null;
  const last = tiers[tiers.length - 1]!;
  return new Map([
    ["fast", tiers[0]!],
    ["standard", tiers.length === 2 ? last : tiers[1]!],
    ["premium", last],
  ]);
}

/** Every labelled row of every `*.jsonl` directly in dir (pending chunks live in a subfolder and are not read). */
export function readRealRows(dir: string, tiers: readonly string[]): RealRow[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no labelled .jsonl files`);
  const seen = new Set<string>();
  const levels = shippedLevelMap(tiers);
  return files.flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split(/\r?\n/)
      .flatMap((line, i) => {
        if (line.trim() === "") return [];
        const where = `${path.join(dir, f)}:${i + 1}`;
        const parsed = rowSchema.safeParse(JSON.parse(line));
        if (!parsed.success) throw new Error(`${where}: expected {id, query, tier, split}: ${parsed.error.issues[0]?.message}`);
        const row = { ...parsed.data, tier: levels?.get(parsed.data.tier) ?? parsed.data.tier };
        if (!tiers.includes(row.tier)) throw new Error(`${where}: unknown tier "${row.tier}"`);
        // Ids are not unique in every source (CoNaLa has two titles under one post id): a row is its id and text.
        const key = `${row.id}\u0000${row.query}`;
        if (seen.has(key)) throw new Error(`${where}: duplicate row ${row.id}`);
        seen.add(key);
        return [{ id: row.id, query: row.query, tier: row.tier, split: row.split, source: row.id.split("-")[0]! }];
      }),
  );
}

/** Rows grouped by source, sources in sorted order. */
export function bySource<T extends { source: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of [...rows].sort((a, b) => a.source.localeCompare(b.source))) out.set(r.source, [...(out.get(r.source) ?? []), r]);
  return out;
}
