import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, cpSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { send } from "./http.js";
import { ensureDir, logsDir, serviceCwd } from "./paths.js";
import { freePort } from "./ports.js";

/**
 * How the service is launched: the ONE place to change when the entry point
 * moves, or set TIERLINE_RELIABILITY_CMD (e.g. "node --import tsx
 * src/main.ts" to run the sources without a build). The default is what
 * `npm start` runs, the build in dist/ (`npm run build`; `npm ci` builds it
 * too). One process, no npm or tsx wrapper, so the signals the tests send
 * (SIGTERM, SIGKILL) and the exit code they check are the service's own.
 */
export const DEFAULT_SERVICE_CMD = "node dist/main.js";
export const serviceCommand = (process.env.TIERLINE_RELIABILITY_CMD ?? DEFAULT_SERVICE_CMD).trim().split(/\s+/);

export const ADMIN_TOKEN = "reliability-admin-token-4f1c9e7a2b";
export const ANALYST_TOKEN = "reliability-analyst-token-8d3a6c0e5f";
export const TIERS = ["fast", "standard", "premium"] as const;

export interface ServiceOptions {
  /** Names the log file: results/logs/<name>-<time>.log */
  name: string;
  /** PostgreSQL URL; unset means the embedded PGlite in the data dir. */
  databaseUrl?: string;
  /** A data dir to copy (models, index snapshot, PGlite) so the start is warm; else an empty one. */
  seedDataDir?: string;
  /** Reuse this data dir as is (a restart of the same instance). */
  dataDir?: string;
  /** Merged over the checkout's tierline.config.json. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  port?: number;
  readyTimeoutMs?: number;
  /** Wait for /readyz 200 (default true). */
  waitReady?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** Env passed through from the test process; everything else (TIERLINE_*, DATABASE_URL, NODE_OPTIONS, VITEST_*) is dropped. */
const INHERITED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER"];

/** The service as a child process with its own port, data dir, config, env and log file. */
export class ServiceProcess {
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly options: ServiceOptions,
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
    readonly configFile: string,
    readonly startedAt: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal, at: performance.now() };
        resolve(this.exitInfo);
      });
    });
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** ms from spawn to the first /readyz 200 (set by start() when it waits). */
  readyMs = NaN;

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const port = options.port ?? (await freePort());
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "tierline-reliability-data-"));
    if (!options.dataDir && options.seedDataDir) cpSync(options.seedDataDir, dataDir, { recursive: true });
    const configFile = path.join(dataDir, "reliability.config.json");
    writeFileSync(configFile, JSON.stringify(mergeConfig(baseConfig(), options.config ?? {}), null, 2));
    const logFile = path.join(ensureDir(logsDir), `${options.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
    const fd = openSync(logFile, "a");
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key]!;
    Object.assign(env, {
      PORT: String(port),
      HOST: "127.0.0.1",
      TIERLINE_DATA_DIR: dataDir,
      TIERLINE_CONFIG: configFile,
      TIERLINE_EXEMPLARS_DIR: path.join(serviceCwd, "exemplars"),
      TIERLINE_ADMIN_TOKEN: ADMIN_TOKEN,
      TIERLINE_ANALYST_TOKEN: ANALYST_TOKEN,
      LOG_LEVEL: "info",
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    });
    const [cmd, ...args] = serviceCommand;
    const started = performance.now();
    // detached: the service leads its own process group, so a signal reaches any wrapper and the server alike.
    const child = spawn(cmd!, args, { cwd: serviceCwd, env, stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const service = new ServiceProcess(child, options, port, dataDir, logFile, configFile, started);
    live.add(service);
    void service.exited.then(() => live.delete(service));
    if (options.waitReady !== false) await service.waitReady(options.readyTimeoutMs ?? 180_000);
    return service;
  }

  /** The same data dir, config, port and database: a restart after a crash or a stop. */
  restart(extra: Partial<ServiceOptions> = {}): Promise<ServiceProcess> {
    if (this.alive()) throw new Error("stop or kill the service before restarting it");
    return ServiceProcess.start({ ...this.options, ...extra, dataDir: this.dataDir, port: this.port, name: `${this.options.name}-restart` });
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exitInfo) throw new Error(`service exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal}) before ready; log ${this.logFile}:\n${this.logTail()}`);
      const res = await send(this.base, { method: "GET", path: "/readyz", timeoutMs: 2000, agent: false });
      if (res.status === 200) {
        this.readyMs = performance.now() - this.startedAt;
        return;
      }
      await sleep(100);
    }
    throw new Error(`service not ready within ${timeoutMs} ms; log ${this.logFile}:\n${this.logTail()}`);
  }

  alive(): boolean {
    return this.exitInfo === null;
  }

  /** Signals this suite sent, in order (to tell an exit we caused from one we did not). */
  readonly signalsSent: NodeJS.Signals[] = [];

  /** How the process ended, for failure messages: exit code/signal, what the suite sent, and the log's last lines. */
  describeExit(): string {
    if (!this.exitInfo) return "still running";
    const sent = this.signalsSent.length ? `the suite sent ${this.signalsSent.join(", ")}` : "the suite sent no signal (anything logged as a signal came from outside the suite)";
    return `exited with code ${this.exitInfo.code}, signal ${this.exitInfo.signal}; ${sent}; log ${this.logFile}:\n${this.logTail(8)}`;
  }

  /** To the whole process group (the service and any wrapper processes). */
  signal(sig: NodeJS.Signals): void {
    if (!this.alive()) return;
    this.signalsSent.push(sig);
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  async kill9(): Promise<ExitInfo> {
    this.signal("SIGKILL");
    return await this.exited;
  }

  /** SIGTERM, then SIGKILL after timeoutMs; resolves with how it exited. */
  async stop(timeoutMs = 30_000): Promise<ExitInfo> {
    if (!this.alive()) return this.exitInfo!;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), timeoutMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  /** Stops the process and removes its data dir (keeps the log). */
  async dispose(): Promise<void> {
    await this.stop(15_000);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  logText(): string {
    try {
      return readFileSync(this.logFile, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 30): string {
    return this.logText().split("\n").slice(-lines).join("\n");
  }

  /** Resident memory of the whole process group, MB (null once exited). */
  rssMb(): number | null {
    if (!this.alive()) return null;
    let kb = 0;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) !== this.pid) continue; // pgrp
        const status = readFileSync(`/proc/${entry}/status`, "utf8");
        kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      } catch {
        // exited meanwhile
      }
    }
    return Math.round(kb / 1024);
  }
}

const live = new Set<ServiceProcess>();
process.once("exit", () => {
  for (const s of live) s.signal("SIGKILL");
});

function baseConfig(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path.join(serviceCwd, "tierline.config.json"), "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function mergeConfig(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeConfig(prev, v) : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
