import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { calibrateFromFeedback } from "./calibrate-client.js";
import { exportExemplars, importExemplars } from "./exemplars-client.js";
import { importFeedback } from "./feedback-client.js";
import { report } from "./report-client.js";

const usage = `usage:
  tierline exemplars export > exemplars.jsonl
  tierline exemplars import <file.jsonl> [--force] [--chunk 250]
  tierline feedback import <file.jsonl> [--chunk 1000]
  tierline report [--from 2026-11-01] [--to 2026-12-01] [--json]
  tierline calibrate --from-feedback [--from D] [--to D] [--target-quality 0.95] [--confidence 0.95] [--config tierline.config.json] [--write]

env: TIERLINE_URL (default http://127.0.0.1:8787); tokens: TIERLINE_ADMIN_TOKEN (exemplars),
TIERLINE_FEEDBACK_TOKEN (feedback import), TIERLINE_ANALYST_TOKEN (report, calibrate); an admin token works for all`;

class UsageError extends Error {}

function tokenFor(kind: "ADMIN" | "FEEDBACK" | "ANALYST"): string {
  const token = process.env[`TIERLINE_${kind}_TOKEN`] ?? process.env.TIERLINE_ADMIN_TOKEN;
  if (!token) throw new UsageError(`TIERLINE_${kind}_TOKEN is not set (an admin token works too)`);
  return token;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new UsageError(`--${name}: a number between 0 and 1, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      force: { type: "boolean", default: false },
      chunk: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      json: { type: "boolean", default: false },
      "from-feedback": { type: "boolean", default: false },
      "target-quality": { type: "string" },
      confidence: { type: "string" },
      config: { type: "string" },
      write: { type: "boolean", default: false },
    },
  });
  const baseUrl = (process.env.TIERLINE_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
  const [command, file] = positionals;
  const chunk = (fallback: number) => (values.chunk === undefined ? fallback : Number(values.chunk));

  if (group === "exemplars" && command === "export") {
    await exportExemplars({ baseUrl, token: tokenFor("ADMIN"), out: process.stdout });
    return 0;
  }
  if (group === "exemplars" && command === "import" && file) {
    const s = await importExemplars({ baseUrl, token: tokenFor("ADMIN"), content: readFileSync(file, "utf8"), force: values.force, chunkSize: chunk(250), progress: process.stderr });
    process.stderr.write(`imported ${s.lines} lines: ${s.created} created, ${s.moved} moved, ${s.unchanged} unchanged; revision ${s.revision}\n`);
    return 0;
  }
  if (group === "feedback" && command === "import" && file) {
    const s = await importFeedback({ baseUrl, token: tokenFor("FEEDBACK"), content: readFileSync(file, "utf8"), chunkSize: chunk(1000) });
    const issues = [...s.conflicts.map((x) => ({ ...x, kind: "conflict" })), ...s.notFound.map((x) => ({ ...x, kind: "not found" })), ...s.invalid.map((x) => ({ ...x, kind: "invalid" }))].sort((a, b) => a.line - b.line);
    for (const x of issues) process.stderr.write(`line ${x.line}: ${x.kind}: ${x.message}\n`);
    process.stderr.write(`imported ${s.lines} lines: ${s.created} created, ${s.unchanged} unchanged, ${s.conflicts.length} conflicts, ${s.notFound.length} not found, ${s.invalid.length} invalid\n`);
    return issues.length > 0 ? 1 : 0;
  }
  if (group === "report" && command === undefined) {
    process.stdout.write(`${await report({ baseUrl, token: tokenFor("ANALYST"), from: values.from, to: values.to, json: values.json })}\n`);
    return 0;
  }
  if (group === "calibrate" && command === undefined && values["from-feedback"]) {
    const configFile = path.resolve(values.config ?? process.env.TIERLINE_CONFIG ?? "tierline.config.json");
    const config = loadConfig({ ...process.env, TIERLINE_CONFIG: configFile });
    const { text, result } = await calibrateFromFeedback({
      baseUrl,
      token: tokenFor("ANALYST"),
      config,
      configFile,
      from: values.from,
      to: values.to,
      targetQuality: numberOption(values["target-quality"], "target-quality", 0.95),
      confidence: numberOption(values.confidence, "confidence", 0.95),
      write: values.write,
    });
    process.stdout.write(`${text}\n`);
    return result.selection.chosen ? 0 : 1;
  }
  throw new UsageError(group === "calibrate" ? "calibrate reads labelled decisions from the service: pass --from-feedback (offline calibration on labelled files is `npm run calibrate`)" : "unknown command");
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`tierline: ${(err as Error).message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`tierline: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
