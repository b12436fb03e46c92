import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface BenchServer {
  child: ChildProcess;
  base: string;
  /** ms from spawn to /readyz 200 */
  readyMs: number;
  rssMb(): number;
  /**
   * CPU ms the server has used: its main thread (the task whose id is the pid) and all its threads together
   * (model, database, GC, libuv); null without Linux's /proc.
   */
  cpuMs(): ThreadCpu | null;
  stop(): Promise<void>;
}

/** Starts the service as `npm start` does (node on the build in dist/), with env overrides, and waits until ready. */
export async function startServer(port: number, env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<BenchServer> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, "dist/main.js"], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - started;
  return {
    child,
    base,
    readyMs,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface ThreadCpu {
  main: number;
  all: number;
}

/** The main thread's and the whole process's CPU ms; a thread that exits between the listing and its read is left out. */
function processCpuMs(pid: number): ThreadCpu | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const main = taskCpuMs(pid, pid);
  if (main === null) return null;
  return { main, all: tids.reduce((sum, tid) => sum + (taskCpuMs(pid, Number(tid)) ?? 0), 0) };
}

/**
 * utime + stime of one thread, from /proc/<pid>/task/<tid>/stat, in ms; null once it is gone. Clock ticks are
 * taken as 100 a second (USER_HZ, which Linux fixes at 100 for every architecture this runs on).
 */
function taskCpuMs(pid: number, tid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Queries from the dev set, used as realistic traffic (never as exemplars). */
export function benchQueries(limit = 10_000): string[] {
  return readFileSync("test/data/dev.jsonl", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { query: string }).query)
    .slice(0, limit);
}
