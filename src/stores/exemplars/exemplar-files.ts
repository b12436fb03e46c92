import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../../base/text/storable.js";
import { MAX_EXEMPLAR_NOTE, MAX_EXEMPLAR_TEXT } from "./exemplar.js";
import { checkExemplarTiers } from "./tier-labels.js";

export const exemplarInputSchema = z.object({
  text: z
    .string()
    .max(MAX_EXEMPLAR_TEXT)
    .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
    .transform((t) => t.trim())
    .refine((t) => t !== "", "text must not be blank"),
  tier: z.string().min(1).max(64).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
  note: z.string().max(MAX_EXEMPLAR_NOTE).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
});

/**
 * Longest JSONL line read: room for the longest text written entirely in
 * \uXXXX escapes, plus the other fields. A longer line is refused before
 * JSON.parse, so one line can never cost more than this to read.
 */
const MAX_LINE_CHARS = MAX_EXEMPLAR_TEXT * 6 + 8 * 1024;

export type ExemplarInput = z.infer<typeof exemplarInputSchema>;

export class ExemplarFileError extends Error {
  override name = "ExemplarFileError";
}

/** Parses JSONL exemplar lines; errors name the file and line. With `tiers` null, any tier label is accepted. */
export function parseExemplarJsonl(content: string, source: string, tiers: readonly string[] | null): ExemplarInput[] {
  const out: ExemplarInput[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source}:${i + 1}`;
    if (line.length > MAX_LINE_CHARS)
      throw new ExemplarFileError(`${where}: line is ${line.length} characters; the longest accepted is ${MAX_LINE_CHARS} (text at most ${MAX_EXEMPLAR_TEXT})`);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new ExemplarFileError(`${where}: not valid JSON`);
    }
    const parsed = exemplarInputSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ExemplarFileError(`${where}: ${issue.path.join(".") || "line"}: ${issue.message}`);
    }
    if (tiers !== null && !tiers.includes(parsed.data.tier)) {
      throw new ExemplarFileError(`${where}: tier "${parsed.data.tier}" is not configured (tiers: ${tiers.join(", ")})`);
    }
    out.push(parsed.data);
  });
  return out;
}

/**
 * Every *.jsonl file in dir, in name order. Tiers are checked over the whole
 * set, so renamed tiers are reported once, with every label and what to do.
 */
export function readExemplarDir(dir: string, tiers: readonly string[]): ExemplarInput[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort();
  const contents = files.map((f) => ({ file: path.join(dir, f), text: readFileSync(path.join(dir, f), "utf8") }));
  const inputs = contents.flatMap((c) => parseExemplarJsonl(c.text, c.file, null));
  const counts: Record<string, number> = {};
  for (const e of inputs) counts[e.tier] = (counts[e.tier] ?? 0) + 1;
  checkExemplarTiers(counts, tiers, { kind: "files", name: dir, firstAt: (tier) => firstLineOf(contents, tier) });
  return inputs;
}

/** file:line of the first exemplar of a tier (only looked up to report an unconfigured one). */
function firstLineOf(contents: ReadonlyArray<{ file: string; text: string }>, tier: string): string | undefined {
  for (const { file, text } of contents) {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      try {
        if ((JSON.parse(lines[i]!) as { tier?: unknown }).tier === tier) return `${file}:${i + 1}`;
      } catch {
        // blank or invalid lines were reported by the parser already
      }
    }
  }
  return undefined;
}
