import type { FeedbackImportResult, TierlineClient } from "../client/index.js";

export type FeedbackImportSummary = FeedbackImportResult;

/** Sends a JSONL file of reports to POST /feedback/import in chunks (line numbers in the answer are the file's). */
export async function importFeedback(options: { client: TierlineClient; content: string; chunkSize: number }): Promise<FeedbackImportSummary> {
  const lines = options.content
    .split(/\r?\n/)
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((l) => l.text.trim() !== "");
  const total: FeedbackImportSummary = { lines: 0, created: 0, unchanged: 0, conflicts: [], notFound: [], invalid: [] };
  for (let i = 0; i < lines.length; i += options.chunkSize) {
    const chunk = lines.slice(i, i + options.chunkSize);
    let result: FeedbackImportResult;
    try {
      result = await options.client.importFeedback(chunk.map((l) => l.text).join("\n") + "\n");
    } catch (err) {
      throw new Error(`lines ${chunk[0]!.line}-${chunk[chunk.length - 1]!.line} failed (${total.lines} lines before them were imported)`, { cause: err });
    }
    const fileLine = (issues: FeedbackImportResult["invalid"]) => issues.map((x) => ({ ...x, line: chunk[x.line - 1]!.line }));
    total.lines += result.lines;
    total.created += result.created;
    total.unchanged += result.unchanged;
    total.conflicts.push(...fileLine(result.conflicts));
    total.notFound.push(...fileLine(result.notFound));
    total.invalid.push(...fileLine(result.invalid));
  }
  return total;
}
