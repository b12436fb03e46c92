import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "./dist/base/config/load-config.js";
import { createEncoder } from "./dist/adapters/embeddings/create-encoder.js";
import { normalizeQuery } from "./dist/base/text/normalize.js";
const port = 8799;
const dataDir = mkdtempSync(path.join(tmpdir(), "probe-"));
const child = spawn(process.execPath, [...JSON.parse(process.env.NODEARGS ?? "[]"), process.env.DIST ?? "dist/main.js"], { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", TIERLINE_DATA_DIR: dataDir, ...JSON.parse(process.env.EXTRA ?? "{}") }, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 50)); }
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query);
const enc = createEncoder(loadConfig()); await enc.load();
let n = 0;
const send = async (q) => { const r = await fetch(`${base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: q }) }); return (await r.json()).timings; };
const next = () => `${qs[n % qs.length]} (ticket ${++n})`;
for (let i = 0; i < 40; i++) { await send(next()); await enc.embed([normalizeQuery(next())]); }
const rows = [], fl = [];
for (let b = 0; b < 10; b++) {
  const block = Array.from({ length: 20 }, next);
  for (const q of block) rows.push(await send(q));
  for (const q of block) { const s = performance.now(); await enc.embed([normalizeQuery(q)]); fl.push(performance.now() - s); }
}
const med = (v) => { v = v.filter(x => typeof x === "number").sort((a,b)=>a-b); return v[Math.floor(v.length/2)]; };
const floor = med(fl);
console.log(Object.keys(rows[0]).map(k => `${k}=${med(rows.map(r => r[k])).toFixed(3)}`).join(" "), `floor=${floor.toFixed(3)} ratio=${(med(rows.map(r=>r.totalMs))/floor).toFixed(2)}`);
child.kill("SIGTERM");
