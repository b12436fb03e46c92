import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, cpSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
const port = 8799;
const base = `http://127.0.0.1:${port}`;
const run = async (dataDir) => {
  const t = performance.now();
  const child = spawn(process.execPath, [process.env.DIST ?? "dist/main.js"], { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", TIERLINE_DATA_DIR: dataDir }, stdio: ["ignore", "ignore", "inherit"] });
  for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 25)); }
  const ready = performance.now() - t;
  await new Promise(r => setTimeout(r, 1500));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
  child.kill("SIGTERM"); await new Promise(r => child.once("exit", r));
  return `ready ${(ready/1000).toFixed(2)}s rss ${rss.toFixed(0)}`;
};
const a = mkdtempSync(path.join(tmpdir(), "cold-"));
console.log("cold", await run(a));
console.log("warm", await run(a));
const b = mkdtempSync(path.join(tmpdir(), "cold-"));
cpSync(path.join(a, "models"), path.join(b, "models"), { recursive: true });
console.log("cold db, model converted", await run(b));
