import { readFileSync } from "node:fs";
import { loadConfig } from "./dist/base/config/load-config.js";
import { createEncoder } from "./dist/adapters/embeddings/create-encoder.js";
import { normalizeQuery } from "./dist/base/text/normalize.js";
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l).query);
const enc = createEncoder(loadConfig());
await enc.load();
const t = [];
for (let i = 0; i < 240; i++) { const q = normalizeQuery(`${qs[i % qs.length]} (ticket ${i})`); const s = performance.now(); await enc.embed([q]); if (i >= 40) t.push(performance.now() - s); }
t.sort((a,b)=>a-b); console.log("floor p50", t[t.length>>1].toFixed(3));
