import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
const port = 8799;
const dataDir = mkdtempSync(path.join(tmpdir(), "probe-"));
const child = spawn(process.execPath, [...JSON.parse(process.env.NODEARGS ?? "[]"), process.env.DIST ?? "dist/main.js"], { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", TIERLINE_DATA_DIR: dataDir, ...JSON.parse(process.env.EXTRA ?? "{}") }, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 50)); }
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query).slice(0, 50);
for (const q of qs) await fetch(`${base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: q }) });
let r = 0;
const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
const us = {};
const rps = async (opts) => { const c0 = cpu(); const h = await autocannon({ connections: 32, duration: Number(process.env.DUR ?? 4), ...opts }); const k = opts.url.endsWith("healthz") ? "hz" : "hit"; (us[k] ??= []).push((cpu() - c0) * 1000 / h.requests.total); return h.requests.total / ((h.finish - h.start) / 1000); };
const hit = () => rps({ url: `${base}/route`, method: "POST", headers: { "content-type": "application/json" }, requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: qs[r++ % qs.length] }) }) }] });
const hz = () => rps({ url: `${base}/healthz` });
await hit();
let a = 0, b = 0;
if (process.env.HITONLY) { const x = await hit(); console.log("hit", x.toFixed(0)); } else for (let i = 0; i < Number(process.env.ROUNDS ?? 2); i++) { const x = await hit(); const y = await hz(); a += x; b += y; console.log(`hit ${x.toFixed(0)} healthz ${y.toFixed(0)}`); }
const avg = (v) => v.reduce((x, y) => x + y, 0) / v.length;
if (!process.env.HITONLY) console.log(`ratio ${(a / b).toFixed(3)} cpu/req hit ${avg(us.hit.slice(1)).toFixed(0)}us healthz ${avg(us.hz).toFixed(0)}us cpu-ratio ${(avg(us.hz) / avg(us.hit.slice(1))).toFixed(3)}`);
const s = Date.now(); child.kill("SIGTERM"); await new Promise(r => child.once("exit", r));
