import type { Writable } from "node:stream";
import { createClient } from "../client/index.js";
import { describeError } from "./describe-error.js";
import { renderProgress } from "./progress.js";

interface ClientOptions {
  baseUrl: string;
  token: string;
}

/** Streams GET /exemplars/export to `out`. */
export async function exportExemplars(options: ClientOptions & { out: Writable }): Promise<number> {
  const res = await createClient(options).request("GET", "/exemplars/export", { timeout: false });
  if (!res.body) throw new Error(`${res.url}: the export has no body`);
  const expected = Number(res.headers.get("x-exemplar-count"));
  let lines = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    for (const byte of chunk) if (byte === 10) lines++;
    options.out.write(chunk);
  }
  // The status was sent before the rows were read; a short stream is the only sign of a failure.
  if (Number.isInteger(expected) && lines !== expected) {
    throw new Error(`export incomplete: expected ${expected} lines, received ${lines} (the set changed meanwhile, or the server failed); run it again`);
  }
  return lines;
}

export interface ImportSummary {
  lines: number;
  created: number;
  moved: number;
  unchanged: number;
  revision: number;
}

/**
 * Sends the JSONL in chunks to POST /exemplars/import. Each chunk is atomic
 * and re-importing is idempotent, so after a failure the same command can
 * simply be run again. Shows a progress bar above a few hundred lines.
 */
export async function importExemplars(options: ClientOptions & { content: string; force: boolean; chunkSize: number; progress?: Writable }): Promise<ImportSummary> {
  const lines = options.content.split(/\r?\n/).filter((l) => l.trim() !== "");
  const size = Number.isInteger(options.chunkSize) && options.chunkSize > 0 ? options.chunkSize : 250;
  const showProgress = options.progress !== undefined && lines.length > 300;
  const total: ImportSummary = { lines: 0, created: 0, moved: 0, unchanged: 0, revision: 0 };
  const started = performance.now();
  const client = createClient(options);
  for (let i = 0; i < lines.length; i += size) {
    const chunk = lines.slice(i, i + size);
    let result: ImportSummary;
    try {
      result = await client.importExemplars(chunk.join("\n") + "\n", { force: options.force });
    } catch (err) {
      // What to do next depends on what was imported already: say so (re-running is idempotent).
      throw new Error(`lines ${i + 1}-${i + chunk.length} failed (${total.lines} lines before them were imported): ${describeError(err)}`, { cause: err });
    }
    total.lines += result.lines;
    total.created += result.created;
    total.moved += result.moved;
    total.unchanged += result.unchanged;
    total.revision = result.revision;
    if (showProgress) options.progress!.write(renderProgress(total.lines, lines.length, performance.now() - started));
  }
  if (showProgress) options.progress!.write("\n");
  return total;
}
