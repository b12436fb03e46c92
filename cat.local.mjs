import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = 0; const times = p.timeDeltas.map(d => (t += d)); const T = t;
const cats = new Map(); let total = 0;
// attribute each sample to the innermost frame of "ours" in the stack, else the category of the leaf
const catOf = (n) => { const u = n.callFrame.url; if (u.includes("/dist/") && !u.includes("node_modules")) { if (/chunk-|index\.mjs|compose|context|hono-base|validator|middleware|router\/|request\.js|utils/.test(u)) return null; return u.replace(/.*\/dist\//, ""); } return null; };
const leafCat = (n) => { const u = n.callFrame.url; const f = n.callFrame.functionName; if (u.includes("wasm") || u.includes("chunk-XZUEO4BZ") || u.includes("chunk-UYHX356B")) return "pglite"; if (u.includes("zod")) return "zod"; if (u.includes("hono") || /dist\/(index\.mjs|compose|context|hono-base|validator|middleware|router|request|utils)/.test(u)) return "hono"; if (u.startsWith("node:")) return "node:" + u.replace("node:internal/", "").split("/")[0]; if (f.startsWith("(")) return f; if (u.includes("node_modules")) return u.replace(/.*node_modules\//, "").split("/")[0]; return u ? "other" : f || "native"; };
p.samples.forEach((id, i) => {
  if (times[i] < 0.72 * T || times[i] > 0.96 * T) return;
  const n = byId.get(id); if (n.callFrame.functionName === "(idle)") return; total++;
  let cur = id, c = null; while (cur !== undefined) { c = catOf(byId.get(cur)); if (c) break; cur = parent.get(cur); }
  const leaf = leafCat(n); const k = c ? `${c} [${leaf}]` : `- [${leaf}]`;
  cats.set(k, (cats.get(k) ?? 0) + 1);
});
console.log("samples", total);
for (const [k, v] of [...cats].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log((100 * v / total).toFixed(1).padStart(5) + "% " + k);
