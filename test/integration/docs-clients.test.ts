import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/http/client/index.js";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const clientsDoc = readFileSync(path.join(repoRoot, "docs/clients.md"), "utf8");

/** The first fenced block of a language after a heading of docs/clients.md. */
function block(heading: string, lang: string): string {
  const at = clientsDoc.indexOf(heading);
  if (at < 0) throw new Error(`docs/clients.md: no heading "${heading}"`);
  const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(clientsDoc.slice(at));
  if (!match) throw new Error(`docs/clients.md: no ${lang} block after "${heading}"`);
  return match[1]!;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

// The client examples of docs/clients.md, as a user would use them: the TypeScript one compiled against the built
// package (`@tierline/client` through its exports map, from a project of its own) and run; the Python one run.
describe("docs/clients.md client examples", () => {
  let database: DatabaseHandle;
  let service: TestService;
  let server: ServerType;
  let url: string;
  const project = mkdtempSync(path.join(tmpdir(), "tierline-consumer-"));
  const clientDir = path.join(repoRoot, "packages/client");

  beforeAll(async () => {
    if (!existsSync(path.join(clientDir, "dist/index.d.ts"))) throw new Error("packages/client/dist is missing: run npm run build (npm test does it first)");
    database = await openDatabase({ dataDir: "memory" });
    // Session consistency on, as the example's comment says it must be for its sessionId to hold a floor.
    const config = { session: { policy: "no-downgrade" } };
    service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars, config });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A consumer project: @tierline/client installed (a link to the workspace package), its own package.json.
    mkdirSync(path.join(project, "node_modules", "@tierline"), { recursive: true });
    symlinkSync(clientDir, path.join(project, "node_modules", "@tierline", "client"), "dir");
    symlinkSync(path.join(repoRoot, "node_modules", "@types"), path.join(project, "node_modules", "@types"), "dir");
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  });
  afterAll(async () => {
    server?.close();
    await service?.deps.lifecycle.stop();
    await database?.close();
    rmSync(project, { recursive: true, force: true });
  });

  const tsc = (file: string, emit: boolean) =>
    run(
      process.execPath,
      [
        path.join(repoRoot, "node_modules/typescript/bin/tsc"),
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "--skipLibCheck",
        ...(emit ? ["--outDir", "out"] : ["--noEmit"]),
        file,
      ],
      { cwd: project },
    );

  it("type-checks the TypeScript example against @tierline/client, and a misuse fails to compile", async () => {
    const example = block("## TypeScript: `@tierline/client`", "ts");
    writeFileSync(path.join(project, "example.ts"), example);
    const ok = await tsc("example.ts", false);
    expect(ok.stdout + ok.stderr).toBe("");
    expect(ok.code).toBe(0);

    // The types are real, not any: a decision's tier is a string, limits take strings, errors carry a code.
    writeFileSync(
      path.join(project, "misuse.ts"),
      `import { createClient, TierlineError } from "@tierline/client";
const d = await createClient().route({ query: "hi", maxTier: 3 });
const n: number = d.tier;
const e = new TierlineError(400, "no_such_code", "m", "u");
export { n, e };
`,
    );
    const bad = await tsc("misuse.ts", false);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/misuse\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    expect(bad.stdout).toMatch(/misuse\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(bad.stdout).toMatch(/misuse\.ts\(4,\d+\): error TS2345: Argument of type '"no_such_code"'/);
  });

  it("runs the TypeScript example against the service", async () => {
    writeFileSync(path.join(project, "example.ts"), block("## TypeScript: `@tierline/client`", "ts").replace("http://127.0.0.1:8787", url));
    expect((await tsc("example.ts", true)).code).toBe(0);
    const ran = await run(process.execPath, ["out/example.js"], { cwd: project });
    expect(ran.code, ran.stderr).toBe(0);
    const [first, session] = ran.stdout.split("\n");
    expect(first).toMatch(/^(fast|standard) \S+ (knn|low_margin_fallback|no_close_exemplar)/);
    // The follow-up alone is a standard query; in the session that needed premium it stays premium.
    expect(session).toBe("premium premium session");
    const alone = await createClient({ baseUrl: url }).route({ query: "Write a Python function that merges two sorted lists" });
    expect(alone.tier).toBe("standard");
    expect(ran.stderr).toMatch(/^400 invalid_limit minTier/);
  });

  it("imports @tierline/client from the build with no runtime dependency but fetch", async () => {
    const ran = await run(process.execPath, ["--input-type=module", "-e", 'const m = await import("@tierline/client"); console.log(Object.keys(m).sort().join(","))'], {
      cwd: project,
    });
    expect(ran.stdout.trim()).toBe("TierlineClient,TierlineConnectionError,TierlineError,createClient");
    expect(JSON.parse(readFileSync(path.join(clientDir, "package.json"), "utf8"))).not.toHaveProperty("dependencies");
    for (const file of readdirSync(path.join(clientDir, "dist")).filter((f) => f.endsWith(".js"))) {
      const imports = [...readFileSync(path.join(clientDir, "dist", file), "utf8").matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) => m[1]!);
      expect(
        imports.filter((s) => !s.startsWith("./")),
        file,
      ).toEqual([]);
    }
  });

  it("runs the Python example against the service", async () => {
    const python = block("## Python, plain HTTP", "python").replace("http://127.0.0.1:8787", url);
    const ran = await run("python3", ["-c", python], { cwd: project });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^fast \S+ knn\n$/);
  });
});
