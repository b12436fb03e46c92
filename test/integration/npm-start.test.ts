import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Live processes of a process group (Linux /proc). */
function groupMembers(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after its last ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(pgrp) === pgid && state !== "Z" ? [Number(pid)] : [];
      } catch {
        return []; // exited meanwhile
      }
    });
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function readyz(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return null; // not listening (yet, or any more)
  }
}

// Issue 16: a supervisor that sends SIGTERM to the process it started (`npm start`) must stop the server,
// not orphan it; the server drains (readiness 503) before it exits. npm 11 forwards the signal to its
// child, so the script execs node: without exec, the shell between them dies and node runs on.
describe.skipIf(!existsSync("/proc/self/stat"))("npm start under a supervisor", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-npm-start-"));
  let npm: ChildProcess | undefined;

  afterAll(() => {
    if (npm?.pid) for (const pid of groupMembers(npm.pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("SIGTERM to the npm process drains the server (503 draining) and stops it: nothing of the group is left", async () => {
    const exemplars = path.join(dir, "exemplars");
    mkdirSync(exemplars);
    const rows = [
      ["What is 15 times 4?", "fast"],
      ["Who wrote Romeo and Juliet?", "fast"],
      ["Write a SQL query that returns the top five customers by revenue", "standard"],
      ["Draft a polite email asking my landlord to fix the heating", "standard"],
      ["Prove that there are infinitely many primes", "premium"],
      ["Design a globally distributed payment ledger with exactly-once semantics", "premium"],
    ];
    writeFileSync(path.join(exemplars, "seed.jsonl"), rows.map(([text, tier]) => JSON.stringify({ text, tier })).join("\n") + "\n");
    const config = path.join(dir, "tierline.config.json");
    writeFileSync(config, JSON.stringify({ shutdown: { drainMs: 1500, timeoutMs: 3000 } }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      TIERLINE_CONFIG: config,
      TIERLINE_DATA_DIR: path.join(dir, "data"),
      TIERLINE_EXEMPLARS_DIR: exemplars,
      LOG_LEVEL: "info",
    };
    for (const key of ["DATABASE_URL", "NODE_OPTIONS", "npm_lifecycle_event", "npm_lifecycle_script"]) delete env[key];

    // Its own process group, as under a supervisor, so the test can see every process npm started.
    npm = spawn("npm", ["start"], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    npm.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    npm.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm!.once("exit", (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 90_000;
    while ((await readyz(url))?.status !== 200) {
      if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`npm start was not ready:\n${output}`);
      await sleep(250);
    }
    const server = groupMembers(npm.pid!).filter((pid) => pid !== npm!.pid);
    expect(server.map(commandOf)).toContain("node dist/main.js");

    process.kill(npm.pid!, "SIGTERM"); // the npm process only, as a supervisor does
    const probes: string[] = [];
    // Until the server stops listening, or long after it should have (drain 1.5 s + in-flight 3 s).
    const stopBy = Date.now() + 20_000;
    let answer = await readyz(url);
    while (answer !== null && Date.now() < stopBy) {
      probes.push(`${answer.status} ${(JSON.parse(answer.body) as { status: string }).status}`);
      await sleep(100);
      answer = await readyz(url);
    }
    expect(answer, "the server still answers 20 s after SIGTERM to npm").toBeNull();
    expect(probes).toContain("503 draining");
    // npm forwards the signal a moment later (longer on a loaded machine): "200 ready" may come first, never after.
    expect(probes.slice(probes.indexOf("503 draining")).filter((p) => p !== "503 draining")).toEqual([]);

    const exit = await Promise.race([npmExit, sleep(30_000).then(() => null)]);
    expect(exit, `npm did not exit:\n${output}`).not.toBeNull();
    for (let i = 0; i < 50 && groupMembers(npm.pid!).length > 0; i++) await sleep(100);
    expect(
      groupMembers(npm.pid!).map((pid) => `${pid} ${commandOf(pid)}`),
      "left running after npm exited",
    ).toEqual([]);
    expect(output).toMatch(/"msg":"draining"/);
    expect(output).toMatch(/"msg":"stopped"/); // shut down gracefully: flushed and saved, not killed
  });
});
