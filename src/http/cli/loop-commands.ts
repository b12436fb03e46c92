import { readFileSync } from "node:fs";
import path from "node:path";
import { createClient } from "../client/index.js";
import { loadConfig } from "../../base/config/load-config.js";
import { UsageError, type Args } from "./args.js";
import { calibrateFromFeedback } from "./calibrate-client.js";
import { importFeedback } from "./feedback-client.js";
import { report } from "./report-client.js";
import type { Readable, Writable } from "node:stream";

/** What a command reads and writes (run.ts's Io, restated so the two files do not import each other). */
interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Record<string, string | undefined>;
}

/** The token a command sends: its role's, else an admin token (which every role accepts). */
function tokenFor(io: Io, kind: "FEEDBACK" | "ANALYST"): string {
  const token = io.env[`TIERLINE_${kind}_TOKEN`] || io.env.TIERLINE_ADMIN_TOKEN;
  if (!token) throw new UsageError(`TIERLINE_${kind}_TOKEN is not set (an admin token works too)`);
  return token;
}

/** tierline feedback import <file.jsonl>: reports in chunks; exit 1 when any line could not be applied. */
export async function feedbackCommand(rest: string[], args: Args, baseUrl: string, io: Io, readAll: (s: Io["stdin"]) => Promise<string>): Promise<number> {
  const [action, file] = rest;
  if (action !== "import" || file === undefined) throw new UsageError("tierline feedback import <file.jsonl>");
  let content: string;
  try {
    content = file === "-" ? await readAll(io.stdin) : readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const s = await importFeedback({ client: createClient({ baseUrl, token: tokenFor(io, "FEEDBACK") }), content, chunkSize: args.chunk ?? 1000 });
  const issues = [
    ...s.conflicts.map((x) => ({ ...x, kind: "conflict" })),
    ...s.notFound.map((x) => ({ ...x, kind: "not found" })),
    ...s.invalid.map((x) => ({ ...x, kind: "invalid" })),
  ].sort((a, b) => a.line - b.line);
  if (args.json) io.stdout.write(`${JSON.stringify(s)}\n`);
  else {
    for (const x of issues) io.stderr.write(`line ${x.line}: ${x.kind}: ${x.message}\n`);
    io.stderr.write(
      `imported ${s.lines} lines: ${s.created} created, ${s.unchanged} unchanged, ${s.conflicts.length} conflicts, ${s.notFound.length} not found, ${s.invalid.length} invalid\n`,
    );
  }
  return issues.length > 0 ? 1 : 0;
}

/** tierline report: shadow savings and quality, misroute rates, drift. */
export async function reportCommand(args: Args, baseUrl: string, io: Io): Promise<number> {
  io.stdout.write(`${await report({ client: createClient({ baseUrl, token: tokenFor(io, "ANALYST") }), from: args.from, to: args.to, json: args.json })}\n`);
  return 0;
}

/** tierline calibrate --from-feedback: the risk-controlled rule on labelled decisions; --write to apply; exit 1 when nothing passes. */
export async function calibrateCommand(args: Args, baseUrl: string, io: Io): Promise<number> {
  if (!args.fromFeedback)
    throw new UsageError("tierline calibrate reads labelled decisions from the service: pass --from-feedback (offline calibration on labelled files is `npm run calibrate`)");
  const configFile = path.resolve(args.config ?? io.env.TIERLINE_CONFIG ?? "tierline.config.json");
  const config = loadConfig({ ...io.env, TIERLINE_CONFIG: configFile });
  const { text, result, written } = await calibrateFromFeedback({
    client: createClient({ baseUrl, token: tokenFor(io, "ANALYST"), timeoutMs: 120_000 }),
    config,
    configFile,
    from: args.from,
    to: args.to,
    // The defaults of `npm run calibrate` (eval/lib/calibration-options.ts).
    target: { targetQuality: args.targetQuality ?? 0.95, confidence: args.confidence ?? 0.95, criterion: args.criterion ?? "quality", method: "clopper-pearson" },
    write: args.write,
  });
  if (args.json) {
    const { selection, ...rest } = result;
    io.stdout.write(`${JSON.stringify({ ...rest, chosen: selection.chosen, tested: selection.tested.length, written: written ? configFile : null })}\n`);
  } else io.stdout.write(`${text}\n`);
  return result.selection.chosen ? 0 : 1;
}
