import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";

const run = promisify(execFile);

/** Debian's PostgreSQL 15; override with RELIABILITY_PG_BIN. */
export const pgBin = process.env.RELIABILITY_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** The shared server other people's tests use: never stopped, frozen or altered by this suite. */
const SHARED_PORT = 5432;
const OS_USER = "postgres";

/** Runs a PostgreSQL binary as the postgres OS user (initdb and pg_ctl refuse to run as root). */
async function asPostgres(bin: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const full = path.join(pgBin, bin);
  const cmd = process.getuid?.() === 0 ? ["runuser", ["-u", OS_USER, "--", full, ...args]] : [full, args];
  const { stdout } = await run(cmd[0] as string, cmd[1] as string[], { timeout: timeoutMs, cwd: "/tmp" });
  return stdout;
}

const live = new Set<PostgresCluster>();
process.once("exit", () => {
  // Last resort if a test process dies without its afterAll: no frozen or orphaned postmasters.
  for (const c of live) c.destroySync();
});

/**
 * A private PostgreSQL cluster in a temp dir, on a free loopback port, owned
 * by the postgres OS user. Everything that stops or signals PostgreSQL goes
 * through this class, and only ever to the postmaster recorded in its own
 * data directory, never to the shared server on 5432.
 */
export class PostgresCluster {
  private frozen = false;

  private constructor(
    /** Holds `data/` (PGDATA) and the unix socket. */
    readonly baseDir: string,
    readonly port: number,
  ) {
    if (port === SHARED_PORT) throw new Error("refusing to run a private cluster on the shared port 5432");
    live.add(this);
  }

  get dataDir(): string {
    return path.join(this.baseDir, "data");
  }

  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** initdb into a new temp dir and start it. */
  static async create(): Promise<PostgresCluster> {
    const baseDir = makeBaseDir();
    await asPostgres("initdb", ["-D", path.join(baseDir, "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
    const cluster = new PostgresCluster(baseDir, await freePort());
    await cluster.start();
    return cluster;
  }

  /** A copy of a stopped cluster's data directory (e.g. the seeded golden one), started on a new port. */
  static async cloneFrom(sourceDataDir: string): Promise<PostgresCluster> {
    if (existsSync(path.join(sourceDataDir, "postmaster.pid"))) throw new Error("stop the source cluster before cloning it");
    const baseDir = makeBaseDir();
    execFileSync("cp", ["-a", sourceDataDir, path.join(baseDir, "data")]);
    const cluster = new PostgresCluster(baseDir, await freePort());
    await cluster.start();
    return cluster;
  }

  async start(extra: string[] = []): Promise<void> {
    const opts = [
      `-c port=${this.port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${this.baseDir}`,
      // Only the service process crashes in these tests, never the OS: fsync buys nothing here.
      "-c fsync=off",
      "-c max_connections=200",
      "-c shared_buffers=64MB",
      ...extra,
    ].join(" ");
    await asPostgres("pg_ctl", ["start", "-w", "-t", "60", "-D", this.dataDir, "-l", path.join(this.baseDir, "postgres.log"), "-o", opts]);
  }

  /**
   * Starts as a standby with no primary to follow, a "not ready" state held
   * for as long as the test likes: with hotStandby false every connection is
   * refused with SQLSTATE 57P03 (as while starting up or in crash recovery),
   * with true the server is read-only (writes fail with 25006). promote() ends it.
   */
  async startAsStandby(hotStandby: boolean): Promise<void> {
    const signal = path.join(this.dataDir, "standby.signal");
    writeFileSync(signal, "");
    if (process.getuid?.() === 0) chownSync(signal, Number(execFileSync("id", ["-u", OS_USER]).toString().trim()), Number(execFileSync("id", ["-g", OS_USER]).toString().trim()));
    await this.start([`-c hot_standby=${hotStandby ? "on" : "off"}`]);
  }

  /** Ends standby mode: the server takes writes again (a new timeline). */
  async promote(): Promise<void> {
    await asPostgres("pg_ctl", ["promote", "-w", "-t", "60", "-D", this.dataDir]);
  }

  /** `pg_ctl stop -m immediate` (a crash, as far as clients can tell) unless told otherwise. */
  async stop(mode: "immediate" | "fast" = "immediate"): Promise<void> {
    if (this.frozen) await this.thaw();
    if (!this.isRunning()) return;
    await asPostgres("pg_ctl", ["stop", "-w", "-t", "60", "-m", mode, "-D", this.dataDir]);
  }

  async restart(): Promise<void> {
    await this.stop("immediate");
    await this.start();
  }

  /** SIGSTOP to the postmaster first (so it forks nothing new), then to every child. */
  freeze(): void {
    const pm = this.postmasterPid();
    if (pm === null) throw new Error("cluster is not running");
    process.kill(pm, "SIGSTOP");
    for (const pid of childrenOf(pm)) process.kill(pid, "SIGSTOP");
    this.frozen = true;
  }

  thaw(): void {
    const pm = this.postmasterPid();
    if (pm === null) return;
    for (const pid of childrenOf(pm)) process.kill(pid, "SIGCONT");
    process.kill(pm, "SIGCONT");
    this.frozen = false;
  }

  isRunning(): boolean {
    const pm = this.postmasterPid();
    if (pm === null) return false;
    try {
      process.kill(pm, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** The postmaster of this cluster, from its own postmaster.pid (null when stopped). */
  postmasterPid(): number | null {
    const file = path.join(this.dataDir, "postmaster.pid");
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  }

  async createDatabase(name: string): Promise<void> {
    await asPostgres("psql", ["-h", this.baseDir, "-p", String(this.port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", `create database ${name}`]);
  }

  /** Stops the cluster and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop("immediate");
    } finally {
      rmSync(this.baseDir, { recursive: true, force: true });
      live.delete(this);
    }
  }

  destroySync(): void {
    try {
      if (this.frozen) this.thaw();
      if (this.isRunning()) {
        execFileSync("runuser", ["-u", OS_USER, "--", path.join(pgBin, "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", this.dataDir], { stdio: "ignore", cwd: "/tmp" });
      }
    } catch {
      // best effort at exit
    }
    rmSync(this.baseDir, { recursive: true, force: true });
    live.delete(this);
  }
}

function makeBaseDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-reliability-pg-"));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", OS_USER]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", OS_USER]).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Direct children of a pid, from /proc (PostgreSQL's backends and auxiliary processes). */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
