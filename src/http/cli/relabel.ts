import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseExemplarJsonl } from "../../stores/exemplars/exemplar-files.js";
import { UsageError } from "./args.js";

/**
 * `tierline exemplars relabel fast=small,standard=medium <files or dirs…>`:
 * the exemplars with their tiers renamed, as JSONL (offline: no service).
 * Tiers the map does not name are kept. Returns the lines and what changed.
 */
export function relabelExemplars(mapping: string, sources: readonly string[]): { jsonl: string; changed: Record<string, number>; lines: number } {
  const map = parseMapping(mapping);
  if (sources.length === 0) throw new UsageError("tierline exemplars relabel: give the JSONL files (or directories) to relabel");
  const files = sources.flatMap((source) => {
    let isDir: boolean;
    try {
      isDir = statSync(source).isDirectory();
    } catch (err) {
      throw new UsageError(`cannot read ${source}: ${(err as Error).message}`);
    }
    return isDir
      ? readdirSync(source)
          .filter((f) => f.endsWith(".jsonl"))
          .sort()
          .map((f) => path.join(source, f))
      : [source];
  });
  const changed: Record<string, number> = {};
  const out: string[] = [];
  for (const file of files) {
    for (const e of parseExemplarJsonl(readFileSync(file, "utf8"), file, null)) {
      const tier = map.get(e.tier) ?? e.tier;
      if (tier !== e.tier) changed[`${e.tier}=${tier}`] = (changed[`${e.tier}=${tier}`] ?? 0) + 1;
      out.push(JSON.stringify({ text: e.text, tier, ...(e.note !== undefined && { note: e.note }) }));
    }
  }
  return { jsonl: out.length === 0 ? "" : `${out.join("\n")}\n`, changed, lines: out.length };
}

function parseMapping(mapping: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (mapping ?? "").split(",")) {
    const [from, to, extra] = pair.split("=").map((s) => s.trim());
    if (!from || !to || extra !== undefined || to === "<tier>")
      throw new UsageError(`tierline exemplars relabel: expected old=new pairs separated by commas (fast=small,standard=medium), got "${mapping ?? ""}"`);
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(to)) throw new UsageError(`tierline exemplars relabel: "${to}" is not a tier name (lower-case letters, digits, - or _)`);
    map.set(from, to);
  }
  return map;
}
