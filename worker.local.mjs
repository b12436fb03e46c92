import { readFileSync } from "node:fs";
import { loadConfig } from "./dist/base/config/load-config.js";
import { WorkerEncoder } from "./dist/adapters/embeddings/worker-encoder.js";
import { createEncoder } from "./dist/adapters/embeddings/create-encoder.js";
import { normalizeQuery } from "./dist/base/text/normalize.js";
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query);
const cfg = loadConfig();
const w = new WorkerEncoder(cfg); await w.load();
const p = createEncoder(cfg); await p.load();
const run = async (enc, label) => { const t = []; for (let i = 0; i < 240; i++) { const q = normalizeQuery(`${qs[i % qs.length]} (ticket ${i})`); const s = performance.now(); await enc.embed([q]); if (i >= 40) t.push(performance.now() - s); } t.sort((a,b)=>a-b); console.log(label, "p50", t[t.length>>1].toFixed(3)); };
for (let k = 0; k < 2; k++) { await run(w, "worker"); await run(p, "inproc"); }
await w.close();
