import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
const port = 8799;
const dataDir = mkdtempSync(path.join(tmpdir(), "probe-"));
const start = () => spawn(process.execPath, [...JSON.parse(process.env.NODEARGS ?? "[]"), process.env.DIST ?? "dist/main.js"], { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", TIERLINE_DATA_DIR: dataDir, ...JSON.parse(process.env.EXTRA ?? "{}") }, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
const ready = async () => { for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 50)); } };
let child = start(); await ready(); child.kill("SIGTERM"); await new Promise(r => child.once("exit", r)); child = start();
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 50)); }
const idle = rss();
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query);
let n = 0; const next = () => JSON.stringify({ query: `${qs[n % qs.length]} (ticket ${++n})` });
for (let i = 0; i < 30; i++) await fetch(`${base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: next() });
let peak = 0; const s = setInterval(() => (peak = Math.max(peak, rss())), 100);
const res = [];
for (const c of [1, 32, 64]) {
  const amount = c === 1 ? 60 : c * 10; let cpeak = 0; const s2 = setInterval(() => (cpeak = Math.max(cpeak, rss())), 100);
  const h = await autocannon({ url: `${base}/route`, method: "POST", connections: c, amount, headers: { "content-type": "application/json" }, requests: [{ setupRequest: (req) => ({ ...req, body: next() }) }] });
  clearInterval(s2); res.push(`c=${c} ${(h.requests.total / ((h.finish - h.start) / 1000)).toFixed(0)}rps peak ${cpeak.toFixed(0)}`);
}
clearInterval(s);
const sm = readFileSync(`/proc/${child.pid}/smaps_rollup`, "utf8").split("\n").filter(l => /^(Rss|Anonymous|Pss_File|Pss_Anon)/.test(l)).join(" ").replace(/\s+/g, " ");
console.log(`idle ${idle.toFixed(0)} ${res.join(" | ")} | ${sm}`);
child.kill("SIGTERM"); await new Promise(r => child.once("exit", r));
