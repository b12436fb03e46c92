/**
 * Issue 20, fault 13: raw stack traces instead of one-line errors: a port
 * already in use (an unhandled 'error' event, EADDRINUSE) and an argument
 * `npm run calibrate` cannot parse. Criteria: a second service on the first
 * one's port exits 1 with one line naming the port and EADDRINUSE, and no
 * stack trace; the first keeps serving; calibrate with an unknown option or
 * a missing value exits 2 with the problem and the usage, no stack trace.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "./harness/figures.js";
import { send } from "./harness/http.js";
import { serviceCwd } from "./harness/paths.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ServiceProcess } from "./harness/service.js";

/** A stack frame, or Node's report of an unhandled 'error' event. */
const STACK = /^\s+at |Unhandled 'error' event|node:internal\//m;
const EXIT_BOUND_MS = 60_000;

interface Ended {
  what: string;
  code: number | null;
  /** stderr, or for the service its log's non-JSON lines (stdout and stderr share the log). */
  text: string;
  stack: boolean;
}

function calibrate(args: string[]): Promise<Ended> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
    execFile(process.execPath, ["--import", "tsx", "eval/calibrate.ts", ...args], { cwd: serviceCwd, env, timeout: EXIT_BOUND_MS }, (err, _stdout, stderr) => {
      resolve({ what: `npm run calibrate -- ${args.join(" ")}`, code: err ? ((err as { code?: number }).code ?? null) : 0, text: stderr.trim(), stack: STACK.test(stderr) });
    });
  });
}

describe("startup errors: one line and an exit code", () => {
  let s: Scenario;
  const ended: Ended[] = [];
  let firstStillServing: number | null = null;

  beforeAll(async () => {
    s = await startScenario("startup-errors");
    const second = await ServiceProcess.start({ name: "startup-errors-port-taken", databaseUrl: s.databaseUrl, port: s.service.port, waitReady: false });
    const exit = await Promise.race([second.exited, new Promise<null>((r) => setTimeout(() => r(null), EXIT_BOUND_MS))]);
    if (exit === null) await second.stop(5_000);
    const log = second.logText();
    ended.push({
      what: "second service on the same port",
      code: exit?.code ?? null,
      text: log
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("{"))
        .join("\n"),
      stack: STACK.test(log),
    });
    await second.dispose();
    firstStillServing = (await send(s.service.base, { method: "GET", path: "/healthz" })).status;
    for (const args of [["--bogus"], ["--target-quality"]]) ended.push(await calibrate(args));
  });

  afterAll(async () => {
    recordFigures("startup-errors", { ended, firstStillServing }, [
      {
        scenario: "port already in use; calibrate with bad arguments",
        criterion: "one line (+ usage), exit 1 / 2, no stack trace",
        measured: ended.map((e) => `${e.what}: exit ${e.code}, ${e.text.split("\n").length} line(s)${e.stack ? ", STACK TRACE" : ""}`).join("; "),
        pass: ended.length === 3 && ended[0]!.code === 1 && ended.slice(1).every((e) => e.code === 2) && ended.every((e) => !e.stack) && firstStillServing === 200,
      },
    ]);
    await s?.dispose();
  });

  it("a second service on a taken port says so on one line and exits 1; the first keeps serving", () => {
    const [port] = ended;
    expect(port!.code).toBe(1);
    expect(port!.stack, port!.text).toBe(false);
    expect(port!.text).toBe(
      `tierline: cannot listen on 127.0.0.1:${s.service.port}: the port is already in use (EADDRINUSE): stop the process that holds it, or set PORT to a free one`,
    );
    expect(firstStillServing).toBe(200);
  });

  it("npm run calibrate with an argument it cannot parse prints the problem and the usage, and exits 2", () => {
    for (const e of ended.slice(1)) {
      expect(e.code, e.what).toBe(2);
      expect(e.stack, e.text).toBe(false);
      expect(e.text.split("\n")).toHaveLength(2);
      expect(e.text.split("\n")[1]).toMatch(/^usage: npm run calibrate -- /);
    }
  });
});
