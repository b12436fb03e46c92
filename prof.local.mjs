import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// time window: samples between fractions
const [f0, f1] = [Number(process.argv[3] ?? 0), Number(process.argv[4] ?? 1)];
let t = 0; const times = p.timeDeltas.map(d => (t += d));
const T = t; const self = new Map(); const incl = new Map(); let total = 0;
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*\/(node_modules|dist|node:)/, "$1").slice(-60)}:${n.callFrame.lineNumber}`;
p.samples.forEach((id, i) => {
  if (times[i] < f0 * T || times[i] > f1 * T) return;
  const n = byId.get(id); if (n.callFrame.functionName === "(idle)") return; total++;
  self.set(key(n), (self.get(key(n)) ?? 0) + 1);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const k = key(byId.get(cur)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + 1); } cur = parent.get(cur); }
});
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(100 * v / total).toFixed(1).padStart(5)}% ${k}`).join("\n");
console.log("non-idle samples", total); console.log("--- self"); console.log(top(self, 45)); console.log("--- inclusive"); console.log(top(incl, 70));
