import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const ADMIN = "cli-command-admin-token-0123";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The installed command as a user runs it: `node bin/tierline.js …` (the build), or through `npm run -s tierline -- …`. */
function tierline(args: string[], options: { env?: Record<string, string>; input?: string; viaNpm?: boolean } = {}): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("TIERLINE_")) delete env[key];
  Object.assign(env, options.env);
  const [command, argv] = options.viaNpm ? ["npm", ["run", "-s", "tierline", "--", ...args]] : [process.execPath, ["bin/tierline.js", ...args]];
  const child = spawn(command, argv as string[], { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

// The tierline CLI against the service on a real port (issue 16): route, ready, exemplars; --help, --json, exit codes.
describe("tierline CLI", () => {
  let database: DatabaseHandle;
  let service: TestService;
  let server: ServerType;
  let url: string;
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-cli-"));

  beforeAll(async () => {
    if (!existsSync(path.join(repoRoot, "dist/http/cli/tierline-cli.js"))) throw new Error("dist/ is missing: run npm run build (npm test does it first)");
    database = await openDatabase({ dataDir: "memory" });
    service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: ADMIN } });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await service?.deps.lifecycle.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--help prints the usage on stdout and exits 0; a wrong command line exits 2 with the reason", async () => {
    for (const args of [["--help"], ["-h"], ["help"], ["route", "--help"]]) {
      const ran = await tierline(args);
      expect(ran.code, args.join(" ")).toBe(0);
      expect(ran.stdout).toMatch(/^tierline: the command-line client/);
      expect(ran.stdout).toContain("tierline route <text…>");
      expect(ran.stderr).toBe("");
    }
    expect((await tierline(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const [args, reason] of [
      [[], "no command given"],
      [["rout", "x"], 'unknown command "rout"'],
      [["route", "x", "--explian"], "unknown option --explian"],
      [["route", "x", "--url"], "--url needs a value"],
      [["exemplars", "import"], "TIERLINE_ADMIN_TOKEN is not set"],
    ] as const) {
      const ran = await tierline([...args]);
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stderr).toContain(`tierline: ${reason}`);
      expect(ran.stdout).toBe("");
    }
  });

  it("route prints the decision; --explain adds the vote and the neighbors; --json is one JSON document", async () => {
    const plain = await tierline(["route", "What", "is", "the", "capital", "city", "of", "Italy?", "--url", url]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split("\n")[0]).toBe(`fast  ${service.config.tiers[0]!.model}`);
    expect(plain.stdout).toMatch(/reason knn · confidence \d\.\d\d · margin \d\.\d\d/);
    expect(plain.stdout).not.toContain("neighbors");

    const explained = await tierline(["route", "Prove that every finite integral domain is a field", "--explain"], { env: { TIERLINE_URL: url } });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^votes: fast \d\.\d\d, standard \d\.\d\d, premium \d\.\d\d/m);
    expect(explained.stdout).toMatch(/^neighbors \(similarity, tier, exemplar\):\n {2}\d\.\d{3} {2}\w+ +\S/m);

    const json = await tierline(["route", "What is the capital city of Italy?", "--json", "--explain", "--url", url]);
    expect(json.code).toBe(0);
    expect(json.stdout.endsWith("}\n")).toBe(true);
    const decision = JSON.parse(json.stdout) as { tier: string; cached: boolean; neighbors: unknown[] };
    expect(decision).toMatchObject({ tier: "fast", cached: true });
    expect(decision.neighbors.length).toBeGreaterThan(0);
  });

  it("--json output is pipeable through npm run -s, and the text can come from stdin", async () => {
    const ran = await tierline(["route", "--json", "--url", url], { viaNpm: true, input: "Translate 'good night' into Spanish\n" });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(ran.stdout)).toMatchObject({ tier: expect.any(String), reason: expect.any(String) });

    const exported = await tierline(["exemplars", "export", "--url", url], { viaNpm: true, env: { TIERLINE_ADMIN_TOKEN: ADMIN } });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tier: string });
    expect(lines.length).toBeGreaterThanOrEqual(sampleExemplars.length);
  });

  it("imports a file (--json summary on stdout) and reports the service's errors with the URL, exit 1", async () => {
    const file = path.join(dir, "more.jsonl");
    writeFileSync(file, '{"text":"Which planet is known as the red planet?","tier":"fast"}\n');
    const env = { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_URL: url };
    const imported = await tierline(["exemplars", "import", file, "--json"], { env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ lines: 1, created: 1 });

    const wrongToken = await tierline(["exemplars", "export"], { env: { ...env, TIERLINE_ADMIN_TOKEN: "not-the-admin-token-at-all" } });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toBe(`tierline: ${url}/exemplars/export answered 401 unauthorized: the bearer token is not valid\n`);
    const badProfile = await tierline(["route", "hello", "--profile", "nope"], { env });
    expect(badProfile.code).toBe(1);
    expect(badProfile.stderr).toMatch(new RegExp(`^tierline: ${url}/route answered 400 unknown_profile: `));
    expect(badProfile.stdout).toBe("");
  });

  it("ready says whether the service routes", async () => {
    const ran = await tierline(["ready", "--url", url]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^ready: model loaded, index \d+ exemplars \(revision \d+\), pglite reachable\n$/);
    expect(JSON.parse((await tierline(["ready", "--json", "--url", url])).stdout)).toMatchObject({ status: "ready" });
  });

  it("every command names the URL it could not reach and exits 3", async () => {
    const down = await closedPort();
    const file = path.join(dir, "one.jsonl");
    writeFileSync(file, '{"text":"a","tier":"fast"}\n');
    const env = { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_URL: down };
    for (const [args, endpoint] of [
      [["route", "hello"], "/route"],
      [["ready"], "/readyz"],
      [["exemplars", "export"], "/exemplars/export"],
      [["exemplars", "import", file], "/exemplars/import"],
    ] as const) {
      const ran = await tierline([...args], { env });
      expect(ran.code, args.join(" ")).toBe(3);
      expect(ran.stderr, args.join(" ")).toContain(`could not reach ${down}${endpoint}: connect ECONNREFUSED ${down.slice("http://".length)}`);
      expect(ran.stdout).toBe("");
    }
    const viaNpm = await tierline(["route", "hello", "--json"], { env, viaNpm: true });
    expect(viaNpm.code).toBe(3);
    expect(viaNpm.stdout).toBe("");
  });
});
