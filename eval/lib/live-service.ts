import pino from "pino";
import type { Config } from "../../src/base/config/config-schema.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { listExemplarsWithVectors } from "../../src/stores/exemplars/exemplar-repository.js";
import type { ExemplarIndex } from "../../src/adapters/vector-index/exemplar-index.js";

export interface LiveService {
  deps: Deps;
  /** The exemplar index the service routes with, built from the database. */
  index: ExemplarIndex;
  /** Every exemplar with its stored vector, as the index holds them. */
  exemplars: Array<{ id: number; text: string; tier: string; vector: Float32Array }>;
  close(): Promise<void>;
}

/**
 * The exemplar set the service routes with: the service is built by its own
 * composition root and started (migrate, seed an empty database with the
 * shipped exemplars, load the model, build the index), against DATABASE_URL
 * or the embedded PGlite in dataDir, exactly as `npm start` would. The
 * decision cache is off so nothing is written back. With PGlite the service
 * must not be running (one user at a time).
 */
export async function openLiveService(config: Config): Promise<LiveService> {
  const logger = pino({ level: "warn" }, pino.destination(2));
  const deps = await buildDeps({ ...config, cache: { ...config.cache, enabled: false } }, { logger });
  try {
    await deps.lifecycle.start();
  } catch (err) {
    await deps.lifecycle.stop().catch(() => {});
    throw err;
  }
  const index = deps.index.get()!;
  const rows = await listExemplarsWithVectors(deps.database.db, deps.encoder.modelId);
  const exemplars = rows.flatMap((r) => (r.vector !== null && index.has(r.id) ? [{ id: r.id, text: r.text, tier: r.tier, vector: r.vector }] : []));
  return { deps, index, exemplars, close: () => deps.lifecycle.stop() };
}
