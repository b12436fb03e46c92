import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { createClient } from "../client/index.js";
import { parseArgs, UsageError, type Args } from "./args.js";
import { describeError, exitCodeOf } from "./describe-error.js";
import { exportExemplars, importExemplars } from "./exemplars-client.js";
import { calibrateCommand, feedbackCommand, reportCommand } from "./loop-commands.js";
import { relabelExemplars } from "./relabel.js";
import { formatDecision } from "./route-command.js";

export const usage = `tierline: the command-line client of a tierline service

usage:
  tierline route <text…> [--explain] [--json] [--profile NAME] [--session ID]
      which tier should answer <text> ("-", or no text with a pipe: read stdin)
  tierline ready [--json]
      the service's readiness (exit 0 when ready or degraded, 1 while starting or draining)
  tierline exemplars export > exemplars.jsonl
  tierline exemplars import <file.jsonl> [--force] [--chunk 250] [--json]
  tierline exemplars relabel <old=new,…> <files or dirs…> > relabelled.jsonl
      rename tiers in exemplar files, offline (docs/exemplars.md)
  tierline feedback import <file.jsonl> [--chunk 1000] [--json]
      outcomes of logged decisions, one {decisionId or query, verdict, …} per line
  tierline report [--from DATE] [--to DATE] [--json]
      shadow-mode savings and quality per tier and tag, misroute rates, drift
  tierline calibrate --from-feedback [--from DATE] [--to DATE] [--target-quality 0.95] [--confidence 0.95] [--criterion quality|any-mix|uniform-mix] [--config FILE] [--write] [--json]
      the risk-controlled rule on the decisions with feedback; --write puts k, margin and floor into the config file
  tierline --help | --version

options:
  --url URL   the service; default $TIERLINE_URL, else http://127.0.0.1:8787
  --json      one JSON document on stdout and nothing else (pipe it: | jq .tier)

environment:
  TIERLINE_URL          where the service listens
  TIERLINE_ROUTE_TOKEN  bearer token for route, once the service requires route tokens
  TIERLINE_ADMIN_TOKEN  bearer token for exemplars (and, when no route token is set, for route; it also works for the commands below)
  TIERLINE_FEEDBACK_TOKEN  bearer token for feedback import
  TIERLINE_ANALYST_TOKEN   bearer token for report and calibrate

exit codes: 0 done, 1 the service answered an error, 2 wrong command line, 3 the service could not be reached
`;

export interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Runs one command line; resolves to the exit code. Never calls process.exit (tests drive it in process). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help || args.positionals[0] === "help") {
      io.stdout.write(usage);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const [command, ...rest] = args.positionals;
    const baseUrl = (args.url ?? io.env.TIERLINE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new UsageError(`--url / TIERLINE_URL: expected http://host:port, got "${baseUrl}"`);
    if (command === "route") return await route(rest, args, baseUrl, io);
    if (command === "ready") return await ready(args, baseUrl, io);
    if (command === "exemplars") return await exemplars(rest, args, baseUrl, io);
    if (command === "feedback") return await feedbackCommand(rest, args, baseUrl, io, readAll);
    if (command === "report" && rest.length === 0) return await reportCommand(args, baseUrl, io);
    if (command === "calibrate" && rest.length === 0) return await calibrateCommand(args, baseUrl, io);
    throw new UsageError(command === undefined ? "no command given" : `unknown command "${command}"`);
  } catch (err) {
    const code = exitCodeOf(err);
    io.stderr.write(`tierline: ${describeError(err)}\n`);
    if (code === 2) io.stderr.write("run tierline --help for the commands and options\n");
    return code;
  }
}

async function route(words: string[], args: Args, baseUrl: string, io: Io): Promise<number> {
  const fromStdin = words.length === 0 ? io.stdin.isTTY !== true : words.length === 1 && words[0] === "-";
  const text = fromStdin ? await readAll(io.stdin) : words.join(" ");
  if (text.trim() === "") throw new UsageError(fromStdin ? "stdin held no text to route" : 'give the text to route: tierline route "What is the capital of France?"');
  const token = io.env.TIERLINE_ROUTE_TOKEN || io.env.TIERLINE_ADMIN_TOKEN || undefined;
  const decision = await createClient({ baseUrl, token }).route(
    { query: text, ...(args.profile && { profile: args.profile }) },
    { explain: args.explain || undefined, sessionId: args.session },
  );
  io.stdout.write(args.json ? `${JSON.stringify(decision)}\n` : formatDecision(decision));
  return 0;
}

async function ready(args: Args, baseUrl: string, io: Io): Promise<number> {
  const report = await createClient({ baseUrl }).readiness();
  if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const { index, database } = report.checks;
    io.stdout.write(
      `${report.status}: model ${report.checks.model ? "loaded" : "loading"}, index ${index.built ? `${index.exemplars} exemplars (revision ${index.revision})` : "not built"}, ${database.kind} ${database.reachable ? "reachable" : "unreachable"}\n`,
    );
  }
  return report.status === "ready" || report.status === "degraded" ? 0 : 1;
}

async function exemplars(rest: string[], args: Args, baseUrl: string, io: Io): Promise<number> {
  const [action, file] = rest;
  if (action === "relabel") {
    const result = relabelExemplars(rest[1] ?? "", rest.slice(2));
    io.stdout.write(result.jsonl);
    const changes = Object.entries(result.changed).map(([pair, n]) => `${pair.replace("=", " → ")} ${n}`);
    io.stderr.write(`relabelled ${result.lines} lines${changes.length > 0 ? `: ${changes.join(", ")}` : " (no tier matched the map)"}\n`);
    return 0;
  }
  if (action !== "export" && action !== "import")
    throw new UsageError(`tierline exemplars: expected export, import or relabel, got ${action === undefined ? "nothing" : `"${action}"`}`);
  const token = io.env.TIERLINE_ADMIN_TOKEN;
  if (!token) throw new UsageError("TIERLINE_ADMIN_TOKEN is not set: the curator API needs the admin token");
  if (action === "export") {
    await exportExemplars({ baseUrl, token, out: io.stdout });
    return 0;
  }
  if (file === undefined) throw new UsageError("tierline exemplars import: give the JSONL file to import");
  let content: string;
  try {
    content = file === "-" ? await readAll(io.stdin) : readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const summary = await importExemplars({ baseUrl, token, content, force: args.force, chunkSize: args.chunk ?? 250, progress: io.stderr });
  if (args.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stderr.write(`imported ${summary.lines} lines: ${summary.created} created, ${summary.moved} moved, ${summary.unchanged} unchanged; revision ${summary.revision}\n`);
  return 0;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString("utf8");
}

/** From package.json two levels up: src/http/cli/ in a checkout, dist/http/cli/ once built. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
