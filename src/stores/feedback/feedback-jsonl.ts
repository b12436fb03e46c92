import { z } from "zod";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../../base/text/storable.js";
import type { FeedbackEntry } from "./feedback-service.js";
import { feedbackVerdicts } from "./verdicts.js";

const text = (max: number) => z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Limits shared by the single endpoint and the import lines. */
export const MAX_FEEDBACK_NOTE = 1000;
export const MAX_FEEDBACK_QUERY = 100_000;
export const SOURCE = /^[\x21-\x7e]{1,64}$/;

/** One import line: a decision id or the query text, and the outcome. */
export const feedbackLineSchema = z
  .object({
    decisionId: z.string().regex(UUID, "must be a decision id (UUID)").optional(),
    query: text(MAX_FEEDBACK_QUERY).optional(),
    verdict: z.enum(feedbackVerdicts),
    correctTier: text(64).optional(),
    score: z.number().min(0).max(1).optional(),
    note: text(MAX_FEEDBACK_NOTE).optional(),
    source: z.string().regex(SOURCE, "1 to 64 printable ASCII characters").optional(),
  })
  .strict()
  .refine((l) => l.decisionId !== undefined || l.query !== undefined, "give decisionId or query");

export class FeedbackFileError extends Error {
  override name = "FeedbackFileError";
}

/** Longest line read: the longest query in \uXXXX escapes plus the rest. */
const MAX_LINE_CHARS = MAX_FEEDBACK_QUERY * 6 + 8 * 1024;

/** Parses JSONL feedback lines (blank lines skipped); errors name the line. Tier names are checked against `tiers`. */
export function parseFeedbackJsonl(content: string, tiers: readonly string[]): Array<FeedbackEntry & { line: number }> {
  const out: Array<FeedbackEntry & { line: number }> = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const where = `line ${i + 1}`;
    if (raw.length > MAX_LINE_CHARS) throw new FeedbackFileError(`${where}: longer than ${MAX_LINE_CHARS} characters`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new FeedbackFileError(`${where}: not valid JSON`);
    }
    const parsed = feedbackLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FeedbackFileError(`${where}: ${issue.path.join(".") || "line"}: ${issue.message}`);
    }
    if (parsed.data.correctTier !== undefined && !tiers.includes(parsed.data.correctTier)) {
      throw new FeedbackFileError(`${where}: correctTier "${parsed.data.correctTier}" is not configured (tiers: ${tiers.join(", ")})`);
    }
    out.push({ ...parsed.data, line: i + 1 });
  });
  return out;
}
