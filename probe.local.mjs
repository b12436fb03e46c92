import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
const port = 8799;
const dataDir = mkdtempSync(path.join(tmpdir(), "probe-"));
const child = spawn(process.execPath, ["dist/main.js"], { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn", TIERLINE_DATA_DIR: dataDir, ...JSON.parse(process.env.EXTRA ?? "{}") }, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(`${base}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 50)); }
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query);
let n = 0;
const send = async () => { const r = await fetch(`${base}/route`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `${qs[n % qs.length]} (ticket ${++n})` }) }); return (await r.json()).timings; };
for (let i = 0; i < 40; i++) await send();
const rows = []; for (let i = 0; i < 200; i++) rows.push(await send());
const med = (k) => { const v = rows.map(r => r[k]).filter(x => typeof x === "number").sort((a,b)=>a-b); return v[Math.floor(v.length/2)]; };
console.log(Object.keys(rows[0]).map(k => `${k}=${med(k)?.toFixed?.(3)}`).join(" "));
child.kill("SIGTERM");
