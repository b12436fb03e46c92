import { rmSync } from "node:fs";
import { PostgresCluster } from "./postgres-cluster.js";
import { ServiceProcess } from "./service.js";

/** A stopped, seeded PostgreSQL data dir and the service data dir that goes with it (model, index snapshot). */
export interface Golden {
  pgDataDir: string;
  serviceDataDir: string;
  /** Database name inside the cluster. */
  database: string;
  /** ms the cold seeding start took (model conversion, every exemplar embedded). */
  coldStartMs: number;
}

export const GOLDEN_DATABASE = "tierline";

/**
 * Starts the service once on a fresh private cluster so it converts the model,
 * seeds and embeds the shipped exemplars and writes its index snapshot; then
 * stops both. Every scenario starts from a copy of the two directories: warm
 * starts in seconds, and no scenario sees another's rows.
 */
export async function prepareGolden(): Promise<{ golden: Golden; dispose(): Promise<void> }> {
  const cluster = await PostgresCluster.create();
  await cluster.createDatabase(GOLDEN_DATABASE);
  const service = await ServiceProcess.start({ name: "golden-seed", databaseUrl: cluster.url(GOLDEN_DATABASE), readyTimeoutMs: 600_000 });
  const coldStartMs = service.readyMs;
  const exit = await service.stop(60_000);
  if (exit.code !== 0) throw new Error(`seeding service exited with ${exit.code ?? exit.signal}; see ${service.logFile}`);
  await cluster.stop("fast");
  return {
    golden: { pgDataDir: cluster.dataDir, serviceDataDir: service.dataDir, database: GOLDEN_DATABASE, coldStartMs },
    async dispose() {
      await cluster.destroy();
      rmSync(service.dataDir, { recursive: true, force: true });
    },
  };
}
