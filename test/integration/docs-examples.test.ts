/**
 * Every runnable example of README.md and docs/*.md, run against the built
 * service as a reader would run it, with the output it shows checked.
 *
 * Convention (docs/architecture.md, "Examples that are tested"; the parser and
 * the matching are test/helpers/doc-examples.ts):
 * - ```sh runnable (or ```console runnable: "$ " lines are commands, the rest
 *   their output) marks a block a reader can run; plain ```sh is not run
 *   (docker compose, systemd, kubectl, npm start itself).
 * - An optional ```json output or ```text output block right after it shows
 *   what it prints. JSON: each document shown must match a printed one, in
 *   order, as a subset (keys not shown are ignored); "…" or "<any>" matches any
 *   value, "<number>" any number, "<string>" any string, and "…" inside a
 *   string any run of characters; arrays match element by element, longer
 *   ones only if the shown array ends with "…". Text: every non-empty line
 *   shown appears, in order, as a whole line ("…" matches any characters,
 *   runs of spaces count as one; stderr lines may appear anywhere).
 *
 * How they run: `node dist/main.js` is started once per database (PGlite in a
 * scratch data dir; also PostgreSQL in a scratch database when
 * TEST_DATABASE_URL is set) with the repository's tierline.config.json plus
 * upstreams for every tier on a fake OpenAI-compatible server (the gateway
 * examples), on a port the OS picks, and role tokens in
 * TIERLINE_{ADMIN,ANALYST,FEEDBACK}_TOKEN. Each block runs in its own
 * `bash` with `set -euo pipefail`, in the repository root, with
 * `localhost:8787` / `127.0.0.1:8787` rewritten to the service, TIERLINE_URL
 * set for the CLI, the same tokens in the environment, and, for offline tools
 * (eval, calibrate), TIERLINE_DATA_DIR pointing at a data dir of their own
 * (a PGlite service's database has one user at a time) or DATABASE_URL at the
 * service's PostgreSQL database. It must exit 0. Blocks run in document
 * order against the one service, so an example shows nothing that an
 * earlier one changes (a cached flag, a revision, an id) except as a wildcard.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../helpers/databases.js";
import { collectExamples, documentationFiles, unmatchedJson, unmatchedLines, type DocExample } from "../helpers/doc-examples.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const examples = collectExamples(repoRoot, documentationFiles(repoRoot));
const tokens = {
  TIERLINE_ADMIN_TOKEN: "docs-admin-token-0123456789abcdef",
  TIERLINE_ANALYST_TOKEN: "docs-analyst-token-0123456789abcdef",
  TIERLINE_FEEDBACK_TOKEN: "docs-feedback-token-0123456789abcdef",
};
/** What one example may take on two busy cores (the calibration and evaluation examples embed hundreds of queries). */
const BLOCK_TIMEOUT_MS = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script in bash in its own process group, killed whole at the timeout. */
function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  const child = spawn("bash", ["-c", script], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => {
    stderr += `\n(killed after ${timeoutMs / 1000} s)`;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone already
    }
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The service as `npm start` runs it: node dist/main.js, its port picked by the OS and read from its "listening" log line. */
class Service {
  private child: ChildProcess | undefined;
  private log = "";
  url = "";

  async start(env: NodeJS.ProcessEnv): Promise<void> {
    this.child = spawn(process.execPath, ["dist/main.js"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    const port = new Promise<number>((resolve) => {
      let pending = "";
      this.child!.stdout!.on("data", (c: Buffer) => {
        pending += c.toString();
        // Keep reading (a full pipe would stall the service); keep only the tail for a failure message.
        this.log = (this.log + c.toString()).slice(-20_000);
        for (;;) {
          const nl = pending.indexOf("\n");
          if (nl < 0) break;
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          try {
            const entry = JSON.parse(line) as { msg?: string; port?: number };
            if (entry.msg === "listening" && entry.port) resolve(entry.port);
          } catch {
            // not a log line
          }
        }
      });
    });
    this.child.stderr!.on("data", (c: Buffer) => (this.log = (this.log + c.toString()).slice(-20_000)));
    const exited = new Promise<never>((_, reject) => this.child!.once("exit", (code) => reject(new Error(`the service exited (${code}) before it was ready:\n${this.log}`))));
    this.url = `http://127.0.0.1:${await Promise.race([port, exited])}`;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const status = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`the service was not ready within 240 s:\n${this.log}`);
      await Promise.race([sleep(500), exited]);
    }
  }

  get tail(): string {
    return this.log.slice(-4_000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exit = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    if ((await Promise.race([exit, sleep(30_000).then(() => "timeout")])) === "timeout") child.kill("SIGKILL");
  }
}

/** The repository's config, with every tier served by the fake upstream under the model name the docs show. */
function gatewayConfig(upstream: FakeUpstream): unknown {
  const config = JSON.parse(readFileSync(path.join(repoRoot, "tierline.config.json"), "utf8")) as { tiers: Array<{ name: string; model: string }> };
  const upstreamModels: Record<string, string> = { fast: "llama3.1:8b", standard: "gpt-4o-mini", premium: "claude-sonnet-4" };
  for (const tier of config.tiers) Object.assign(tier, { upstreams: [{ baseUrl: upstream.baseUrl, model: upstreamModels[tier.name] ?? tier.model }] });
  return config;
}

const targets = [{ name: "pglite", url: undefined as string | undefined }, ...(process.env.TEST_DATABASE_URL ? [{ name: "postgres", url: process.env.TEST_DATABASE_URL }] : [])];

describe("the documentation's examples", () => {
  it("are found, each runnable block a shell script", () => {
    expect(examples.length).toBeGreaterThan(10);
    // The issue's four examples that were wrong are among them.
    const scripts = examples.map((e) => e.script).join("\n");
    expect(scripts).toMatch(/tierline -- route .* --explain/);
    expect(scripts).toMatch(/--json \| jq -r \.tier/);
    expect(scripts).toMatch(/\/v1\/chat\/completions/);
    expect(scripts).toMatch(/npm run -s calibrate -- --data /);
  });
});

describe.each(targets)("the documentation's examples, run against the built service on $name", (target) => {
  const upstream = new FakeUpstream();
  const service = new Service();
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-docs-"));
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let blockEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(path.join(repoRoot, "dist/main.js"))) throw new Error("dist/main.js is missing: run npm run build (npm test does it first)");
    if (spawnSync("jq", ["--version"]).status !== 0) throw new Error("the examples use jq: install it (apt-get install jq)");
    await upstream.start();
    const config = path.join(dir, "tierline.config.json");
    writeFileSync(config, JSON.stringify(gatewayConfig(upstream), null, 2));
    const base: NodeJS.ProcessEnv = { ...process.env, ...tokens, NO_COLOR: "1" };
    for (const key of [
      "DATABASE_URL",
      "TIERLINE_CONFIG",
      "TIERLINE_DATA_DIR",
      "TIERLINE_EXEMPLARS_DIR",
      "TIERLINE_URL",
      "TIERLINE_ROUTE_TOKEN",
      "TIERLINE_ROUTE_TOKENS",
      "PORT",
      "HOST",
      "NODE_OPTIONS",
    ])
      delete base[key];
    if (target.url) scratch = await createScratchDatabase(target.url);
    const database = scratch ? { DATABASE_URL: scratch.url } : { TIERLINE_DATA_DIR: path.join(dir, "service-data") };
    await service.start({ ...base, ...database, PORT: "0", HOST: "127.0.0.1", TIERLINE_CONFIG: config, LOG_LEVEL: "info" });
    // Offline tools read the repository's config, and a database of their own (PGlite) or the service's (PostgreSQL).
    blockEnv = { ...base, TIERLINE_URL: service.url, ...(scratch ? { DATABASE_URL: scratch.url } : { TIERLINE_DATA_DIR: path.join(dir, "tools-data") }) };
  }, 300_000);

  afterAll(async () => {
    await service.stop();
    await upstream.stop();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const run = async (example: DocExample) => {
    const host = service.url.replace(/^http:\/\//, "");
    const script = `set -euo pipefail\n${example.script.replace(/\b(localhost|127\.0\.0\.1):8787\b/g, host)}\n`;
    const ran = await runBash(script, blockEnv, BLOCK_TIMEOUT_MS);
    const shown = `exit ${ran.code}\n--- stdout\n${ran.stdout.slice(-6_000)}\n--- stderr\n${ran.stderr.slice(-3_000)}\n--- service log (tail)\n${service.tail}`;
    // DOCS_EXAMPLES_VERBOSE=1 prints what every block printed: the place to copy a new example's output from.
    if (process.env.DOCS_EXAMPLES_VERBOSE) console.log(`== ${example.where}\n${ran.stdout}${ran.stderr ? `--- stderr\n${ran.stderr}` : ""}`);
    expect(ran.code, `${example.where} failed:\n${shown}`).toBe(0);
    if (example.output?.kind === "json") expect(unmatchedJson(example.output.text, ran.stdout), `${example.where}: shown JSON not printed:\n${shown}`).toEqual([]);
    if (example.output?.kind === "text") expect(unmatchedLines(example.output.text, ran.stdout, ran.stderr), `${example.where}: shown lines not printed:\n${shown}`).toEqual([]);
  };

  for (const example of examples) it(example.where, () => run(example), BLOCK_TIMEOUT_MS + 10_000);
});
