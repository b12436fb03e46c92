import { failure, type ClientOptions } from "./api.js";

export interface FeedbackImportSummary {
  lines: number;
  created: number;
  unchanged: number;
  conflicts: Array<{ line: number; message: string }>;
  notFound: Array<{ line: number; message: string }>;
  invalid: Array<{ line: number; message: string }>;
}

/** Sends a JSONL file of reports to POST /feedback/import in chunks (line numbers in the answer are the file's). */
export async function importFeedback(options: ClientOptions & { content: string; chunkSize: number }): Promise<FeedbackImportSummary> {
  const lines = options.content.split(/\r?\n/).map((text, i) => ({ text, line: i + 1 })).filter((l) => l.text.trim() !== "");
  const total: FeedbackImportSummary = { lines: 0, created: 0, unchanged: 0, conflicts: [], notFound: [], invalid: [] };
  for (let i = 0; i < lines.length; i += options.chunkSize) {
    const chunk = lines.slice(i, i + options.chunkSize);
    const res = await fetch(`${options.baseUrl}/feedback/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.token}`, "content-type": "application/x-ndjson" },
      body: chunk.map((l) => l.text).join("\n") + "\n",
    });
    if (!res.ok) throw new Error(`lines ${chunk[0]!.line}-${chunk[chunk.length - 1]!.line} failed (${total.lines} lines before them were imported): ${(await failure(res)).message}`);
    const result = (await res.json()) as FeedbackImportSummary;
    const fileLine = (issues: FeedbackImportSummary["invalid"]) => issues.map((x) => ({ ...x, line: chunk[x.line - 1]!.line }));
    total.lines += result.lines;
    total.created += result.created;
    total.unchanged += result.unchanged;
    total.conflicts.push(...fileLine(result.conflicts));
    total.notFound.push(...fileLine(result.notFound));
    total.invalid.push(...fileLine(result.invalid));
  }
  return total;
}
