import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = process.argv[3]; const depth = Number(process.argv[4] ?? 4);
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*\/(node_modules|dist|node:)/, "$1").slice(-50)}:${n.callFrame.lineNumber}`;
const cnt = new Map(); let tot = 0;
p.samples.forEach((id) => {
  let cur = id; const chain = [];
  while (cur !== undefined) { chain.push(key(byId.get(cur))); cur = parent.get(cur); }
  const i = chain.findIndex(k => k.includes(target)); if (i < 0) return; tot++;
  const s = chain.slice(i, i + depth).join("  <-  "); cnt.set(s, (cnt.get(s) ?? 0) + 1);
});
console.log(target, tot); for (const [k, v] of [...cnt].sort((a,b)=>b[1]-a[1]).slice(0, 8)) console.log(v, k);
