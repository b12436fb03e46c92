import { readFileSync } from "node:fs";
import { z } from "zod";

const lineSchema = z.object({ query: z.string().min(1), tier: z.string().min(1) });
export type LabelledQuery = z.infer<typeof lineSchema>;

/** Reads `{"query", "tier"}` JSONL; errors name the line. */
export function readLabelledJsonl(file: string, tiers: readonly string[]): LabelledQuery[] {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .flatMap((line, i) => {
      if (line.trim() === "") return [];
      let parsed;
      try {
        parsed = lineSchema.safeParse(JSON.parse(line));
      } catch {
        throw new Error(`${file}:${i + 1}: not valid JSON`);
      }
      if (!parsed.success) throw new Error(`${file}:${i + 1}: expected {"query": string, "tier": string}`);
      if (!tiers.includes(parsed.data.tier)) throw new Error(`${file}:${i + 1}: unknown tier "${parsed.data.tier}"`);
      return [parsed.data];
    });
}
