import { readFileSync } from "node:fs";
import { loadConfig } from "./dist/base/config/load-config.js";
import { createEncoder } from "./dist/adapters/embeddings/create-encoder.js";
import { normalizeQuery } from "./dist/base/text/normalize.js";
const qs = readFileSync("test/data/dev.jsonl", "utf8").split("\n").filter(Boolean).map(l => normalizeQuery(JSON.parse(l).query)).slice(0, 512);
const enc = createEncoder(loadConfig()); await enc.load();
for (const rep of [0, 1]) for (const b of [1, 4, 8, 16, 32]) { const s = performance.now(); for (let i = 0; i < qs.length; i += b) await enc.embed(qs.slice(i, i + b)); if (rep) console.log(`batch ${b}: ${(qs.length / ((performance.now() - s) / 1000)).toFixed(0)} q/s`); }
