import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const exemplarInputSchema = z.object({
  text: z.string().trim().min(1, "text must not be blank"),
  tier: z.string().min(1),
  note: z.string().max(1000).optional(),
});

export type ExemplarInput = z.infer<typeof exemplarInputSchema>;

export class ExemplarFileError extends Error {
  override name = "ExemplarFileError";
}

/** Parses JSONL exemplar lines; errors name the file and line. */
export function parseExemplarJsonl(content: string, source: string, tiers: readonly string[]): ExemplarInput[] {
  const out: ExemplarInput[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source}:${i + 1}`;
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
    if (!tiers.includes(parsed.data.tier)) {
      throw new ExemplarFileError(`${where}: tier "${parsed.data.tier}" is not configured (tiers: ${tiers.join(", ")})`);
    }
    out.push(parsed.data);
  });
  return out;
}

/** Every *.jsonl file in dir, in name order. */
export function readExemplarDir(dir: string, tiers: readonly string[]): ExemplarInput[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort();
  return files.flatMap((f) => parseExemplarJsonl(readFileSync(path.join(dir, f), "utf8"), path.join(dir, f), tiers));
}
