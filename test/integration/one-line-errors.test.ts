import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Runs a command to its end (or 60 s): exit code and both streams. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return out;
};
/** A stack trace's frames ("    at main (…)") or Node's report of an unhandled 'error' event. */
const stackTrace = /^\s+at |Unhandled 'error' event|node:internal/m;

// Issue 20, fault 13: an operator's mistake gets one line and an exit code, never a stack trace.
describe("one-line errors for operator mistakes", () => {
  let holder: Server;
  let port: number;
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-one-line-"));

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => holder.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("the service on a port already in use: says so on one line and exits 1 (dist/, as npm start runs it)", async () => {
    const { code, stderr } = await run(["dist/main.js"], env({ PORT: String(port), HOST: "127.0.0.1", TIERLINE_DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "silent" }));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`tierline: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE): stop the process that holds it, or set PORT to a free one`);
    expect(stderr).not.toMatch(stackTrace);
  });

  it("the service started from another directory: names the file it cannot read and where relative paths were looked up, exits 1", async () => {
    // No tierline.config.json there, so the defaults' relative paths (models/, exemplars/) point into that directory.
    const elsewhere = mkdtempSync(path.join(tmpdir(), "tierline-elsewhere-"));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(repoRoot, "dist/main.js")],
        { cwd: elsewhere, env: env({ PORT: "0", HOST: "127.0.0.1", TIERLINE_DATA_DIR: path.join(dir, "elsewhere-data"), LOG_LEVEL: "silent" }), timeout: 60_000 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      ),
    );
    rmSync(elsewhere, { recursive: true, force: true });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      `tierline: cannot start: routing.secondStage.modelFile: cannot read ${path.join(elsewhere, "models/second-stage.json")} (ENOENT: no such file or directory, open '${path.join(elsewhere, "models/second-stage.json")}') (relative paths in the configuration are read from the working directory, ${elsewhere})`,
    ]);
    expect(result.stderr).not.toMatch(stackTrace);
  });

  it("npm run calibrate with an argument it cannot parse: the problem and the usage, exit 2", async () => {
    for (const args of [["--bogus"], ["--target-quality"]]) {
      const { code, stderr } = await run(["--import", "tsx", "eval/calibrate.ts", ...args], env({ TIERLINE_DATA_DIR: path.join(dir, "data") }));
      expect(code, args.join(" ")).toBe(2);
      const [problem, usage, ...rest] = stderr.trim().split("\n");
      expect(problem).toMatch(args[0] === "--bogus" ? /^Unknown option '--bogus'/ : /^Option '--target-quality <value>' argument missing/);
      expect(usage).toMatch(/^usage: npm run calibrate -- /);
      expect(rest).toEqual([]);
      expect(stderr).not.toMatch(stackTrace);
    }
  });
});
