import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { send } from "./http.js";
import { ensureDir, logsDir, repoRoot } from "./paths.js";
import { freePort } from "./ports.js";
import { sleep } from "./service.js";

/** The committed example (deploy/haproxy.cfg): the suite runs that very file, addresses from the environment. */
export const HAPROXY_CONFIG = path.join(repoRoot, "deploy/haproxy.cfg");
/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
const HAPROXY_BIN = process.env.HAPROXY_BIN ?? (existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy");

/** One server's line of HAProxy's stats CSV: status (UP, DOWN, MAINT, …) and its retry and error counters. */
export interface ServerStats {
  status: string;
  /** Requests sent to it. */
  requests: number;
  /** Connection attempts retried on it, and requests redispatched to another server. */
  retries: number;
  redispatches: number;
  /** Failed connections, and responses that failed (aborted, empty). */
  connectionErrors: number;
  responseErrors: number;
}

/**
 * HAProxy (Debian's package; `apt-get install -y haproxy`, or HAPROXY_BIN)
 * with deploy/haproxy.cfg in front of the given replicas, on a free port.
 * Its log goes to results/logs/<name>-<time>.log.
 */
export class LoadBalancer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly statsPort: number,
    readonly logFile: string,
    private readonly exited: Promise<number | null>,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(name: string, replicas: readonly string[]): Promise<LoadBalancer> {
    if (replicas.length !== 3) throw new Error("deploy/haproxy.cfg names three replicas");
    if (spawnSync(HAPROXY_BIN, ["-v"]).error) throw new Error(`cannot run ${HAPROXY_BIN}: install HAProxy (apt-get install -y haproxy) or set HAPROXY_BIN`);
    const [port, statsPort] = [await freePort(), await freePort()];
    const logFile = path.join(ensureDir(logsDir), `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
    const fd = openSync(logFile, "a");
    const env = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      TIERLINE_LISTEN: `127.0.0.1:${port}`,
      HAPROXY_STATS: `127.0.0.1:${statsPort}`,
      ...Object.fromEntries(replicas.map((address, i) => [`TIERLINE_${i + 1}`, address])),
    };
    // -db: in the foreground, logging to stdout.
    const child = spawn(HAPROXY_BIN, ["-db", "-f", HAPROXY_CONFIG], { env, stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => resolve(code));
      child.once("error", () => resolve(null));
    });
    const lb = new LoadBalancer(child, port, statsPort, logFile, exited);
    live.add(lb);
    await lb.waitUntil((servers) => Object.values(servers).length === 3 && Object.values(servers).every((s) => s.status === "UP"), 30_000);
    return lb;
  }

  /** Every server of the backend, by name (tierline-1, tierline-2, tierline-3). */
  async servers(): Promise<Record<string, ServerStats>> {
    const res = await send(`http://127.0.0.1:${this.statsPort}`, { method: "GET", path: "/stats;csv", timeoutMs: 2000, agent: false });
    if (res.status !== 200) return {};
    const [header, ...rows] = res.body.toString("utf8").trim().split("\n");
    const cols = header!.replace(/^# /, "").split(",");
    const at = (row: string[], col: string) => row[cols.indexOf(col)] ?? "";
    const out: Record<string, ServerStats> = {};
    for (const row of rows.map((r) => r.split(","))) {
      if (at(row, "pxname") !== "replicas" || ["FRONTEND", "BACKEND"].includes(at(row, "svname"))) continue;
      const n = (col: string) => Number(at(row, col)) || 0;
      out[at(row, "svname")] = {
        status: at(row, "status"),
        requests: n("stot"),
        retries: n("wretr"),
        redispatches: n("wredis"),
        connectionErrors: n("econ"),
        responseErrors: n("eresp"),
      };
    }
    return out;
  }

  /** Polls the stats until the condition holds; throws with the log's tail after timeoutMs. */
  async waitUntil(condition: (servers: Record<string, ServerStats>) => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (condition(await this.servers().catch(() => ({})))) return;
      if (this.child.exitCode !== null) throw new Error(`haproxy exited (${this.child.exitCode}); log ${this.logFile}:\n${this.logTail()}`);
      if (performance.now() > deadline)
        throw new Error(`haproxy: condition not met within ${timeoutMs} ms: ${JSON.stringify(await this.servers().catch(() => ({})))}; log ${this.logFile}:\n${this.logTail()}`);
      await sleep(100);
    }
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  async stop(): Promise<void> {
    live.delete(this);
    if (this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}

const live = new Set<LoadBalancer>();
process.once("exit", () => {
  for (const lb of live) {
    try {
      process.kill(-lb.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
});
