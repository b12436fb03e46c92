import { readFileSync, writeFileSync } from "node:fs";
import { loadConfig } from "../src/base/config/load-config.js";
import { textFeatures } from "../src/routing/second-stage/text-features.js";
import { EmbeddingStore, embeddingStoreFile } from "./lib/embedding-store.js";
import { openLiveService } from "./lib/live-service.js";
import { queryEmbeddingText } from "./lib/routing-inputs.js";

const files = process.argv.slice(2);
const config = loadConfig();
const live = await openLiveService(config);
const { encoder } = live.deps;
const store = EmbeddingStore.open(embeddingStoreFile(config.dataDir, encoder.modelId), encoder.modelId);
const rows: any[] = [];
for (const f of files) for (const line of readFileSync(f, "utf8").split("\n")) if (line.trim()) rows.push(JSON.parse(line));
const texts = rows.map((r) => queryEmbeddingText(r.query, encoder));
const vectors = await store.embedAll(encoder, texts);
const out = rows.map((r, i) => {
  const nb = live.index.search(vectors[i]!, 64);
  return JSON.stringify({
    id: r.id ?? `dev-${i}`,
    source: r.source ?? (r.id ?? "dev").split("-")[0],
    task: r.task,
    tier: r.tier,
    split: r.split,
    text: texts[i],
    vec: Array.from(vectors[i]!, (x) => Math.round(x * 1e5) / 1e5),
    nb: nb.map((n) => [n.tier, Math.round(n.similarity * 1e5) / 1e5, n.id]),
    tf: textFeatures(texts[i]!),
  });
});
writeFileSync(process.env.OUT ?? "/work/scratch/feat/out.jsonl", out.join("\n") + "\n");
const ex = live.exemplars.map((e) => JSON.stringify({ id: e.id, tier: e.tier, text: e.text, vec: Array.from(e.vector, (x) => Math.round(x * 1e5) / 1e5) }));
writeFileSync("/work/scratch/feat/exemplars.jsonl", ex.join("\n") + "\n");
await live.close();
