import pino from "pino";
import type { Config } from "../../src/base/config/config-schema.js";
import { openDatabase } from "../../src/adapters/db/client.js";
import { buildDeps } from "../../src/app/deps.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import type { Decision } from "../../src/routing/decision.js";
import type { ExemplarIndex } from "../../src/adapters/vector-index/exemplar-index.js";

/**
 * Routes each query through the service's own router, built by the service's
 * composition root with the config's routing values (normalise, truncate,
 * embed, search, vote, fallbacks); only the decision cache is left out, so
 * every query is decided afresh, and the index is the one given.
 */
export async function routeWithServiceRouter(
  config: Config,
  encoder: Encoder,
  index: ExemplarIndex,
  queries: readonly string[],
  onProgress?: (done: number, total: number) => void,
): Promise<Decision[]> {
  // The router never touches the database; an in-memory one satisfies the composition root.
  const database = await openDatabase({ dataDir: "memory" });
  try {
    const deps = await buildDeps({ ...config, cache: { ...config.cache, enabled: false } }, { encoder, database, logger: pino({ level: "silent" }) });
    deps.index.set(index);
    const out: Decision[] = [];
    for (const query of queries) {
      out.push(await deps.router.route({ query }));
      onProgress?.(out.length, queries.length);
    }
    return out;
  } finally {
    await database.close();
  }
}
