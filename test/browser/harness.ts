import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * Browser-test harness: the real service as a child process (as it is deployed,
 * not app.request()), and Debian's Chromium driven by playwright-core with every
 * request that leaves localhost aborted and recorded.
 */

export const chromiumPath = process.env.TIERLINE_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);
export const adminToken = "browser-admin-token-0123456789";
export const analystToken = "browser-analyst-token-0123456789";
export const outputDir = fileURLToPath(new URL("./output/", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** How the service is started; `node dist/main.js` once the build exists. */
export const serviceCommand = process.env.TIERLINE_BROWSER_CMD ?? "node dist/main.js";

/** A few exemplars per tier: enough for a k=7 vote, small enough to embed in a second. */
const seedExemplars: Record<string, string[]> = {
  fast: [
    "What is the capital of Germany?",
    "how many days are in a leap year",
    "Translate 'good morning' into Spanish",
    "What is 15 times 4?",
    "Who wrote Romeo and Juliet?",
    "Convert 5 kilometres to miles",
  ],
  standard: [
    "Write a Python function that merges two sorted lists",
    "Draft a polite email asking my landlord to fix the heating",
    "Summarise the following paragraph in three bullet points",
    "Explain the difference between TCP and UDP with examples",
    "Write a SQL query that returns the top five customers by revenue",
    "Write a product description for a stainless steel water bottle",
  ],
  premium: [
    "Prove that there are infinitely many primes and generalise the argument to arithmetic progressions",
    "Design a globally distributed payment ledger with exactly-once semantics and analyse its failure modes",
    "Analyse the antitrust risks of this merger under EU competition law, weighing the precedents",
    "Derive the optimal portfolio under transaction costs and prove the solution is unique",
    "Critically evaluate the statistical methodology of a randomised trial with heavy dropout",
  ],
};
export const seedExemplarCount = Object.values(seedExemplars).flat().length;
export const aSeedExemplar = { text: seedExemplars.fast![0]!, tier: "fast" };

export interface RunningService {
  url: string;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts the service with its own data directory (embedded PGlite), seed
 * exemplars and tokens, and waits for GET /readyz to answer 200. `config`
 * becomes its tierline.config.json, `env` is added to its environment.
 */
export async function startService(options: { config?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<RunningService> {
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-browser-"));
  const exemplarsDir = path.join(dir, "exemplars");
  mkdirSync(exemplarsDir);
  for (const [tier, texts] of Object.entries(seedExemplars)) {
    writeFileSync(path.join(exemplarsDir, `${tier}.jsonl`), texts.map((text) => JSON.stringify({ text, tier })).join("\n") + "\n");
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    TIERLINE_DATA_DIR: path.join(dir, "data"),
    TIERLINE_EXEMPLARS_DIR: exemplarsDir,
    TIERLINE_ADMIN_TOKEN: adminToken,
    TIERLINE_ANALYST_TOKEN: analystToken,
    LOG_LEVEL: "warn",
    ...options.env,
  };
  if (options.config) {
    writeFileSync(path.join(dir, "tierline.config.json"), JSON.stringify(options.config));
    env.TIERLINE_CONFIG = path.join(dir, "tierline.config.json");
  }
  for (const key of ["DATABASE_URL", "TIERLINE_ADMIN_TOKENS", "TIERLINE_ANALYST_TOKENS", "NODE_OPTIONS"]) delete env[key];

  // A process group of its own, so stop() ends the service and whatever wrapper (npx, sh) started it.
  const child: ChildProcess = spawn(serviceCommand, { cwd: repoRoot, env, shell: true, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 10_000);
    await exited;
    // The shell may exit before the service it started: wait for the whole group to be gone.
    for (let i = 0; i < 120 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 110_000;
  while (Date.now() < deadline) {
    if (hasExited) {
      await stop();
      throw new Error(`the service exited before it was ready (${serviceCommand}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return { url, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the service was not ready within 110 s (${serviceCommand}):\n${output}`);
}

export interface TestBrowser {
  context: BrowserContext;
  /** URLs the pages tried to reach beyond localhost (all aborted). */
  offsite: string[];
  /** Console errors, uncaught exceptions and CSP violations, per page. */
  problems: string[];
  /** Every URL the pages requested. */
  requested: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile; nothing but localhost is reachable. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), "tierline-chromium-"));
  const downloads = path.join(profile, "downloads");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    downloadsPath: downloads,
    serviceWorkers: "block",
  });
  const offsite: string[] = [];
  const problems: string[] = [];
  const requested: string[] = [];
  context.on("request", (request) => void requested.push(request.url()));
  await context.route("**/*", async (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === "127.0.0.1" || hostname === "localhost") return route.continue();
    offsite.push(route.request().url());
    return route.abort("blockedbyclient");
  });
  const watch = (page: Page) => {
    page.on("console", (msg) => {
      // The browser logs every 4xx it fetched; the tests provoke those on purpose.
      if (msg.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  };
  context.on("page", watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    offsite,
    problems,
    requested,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot (full page unless told otherwise) under test/browser/output/. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, `${name}.png`);
  // From the top, so the sticky header is not stitched into the middle of a full-page shot.
  if (options.fullPage ?? true) await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
  return file;
}
