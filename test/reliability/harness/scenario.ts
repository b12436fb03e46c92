import { inject } from "vitest";
import postgres from "postgres";
import type { Golden } from "./golden.js";
import { PostgresCluster } from "./postgres-cluster.js";
import { ServiceProcess, type ServiceOptions } from "./service.js";

declare module "vitest" {
  export interface ProvidedContext {
    golden: Golden;
  }
}

export interface Scenario {
  cluster: PostgresCluster;
  /** Replace it after a restart (`s.service = await s.service.restart()`), so dispose() stops the live one. */
  service: ServiceProcess;
  /** Direct SQL on the scenario's database (the oracle: what really committed). Never use it while the cluster is frozen. */
  sql: postgres.Sql;
  databaseUrl: string;
  dispose(): Promise<void>;
}

/** A copy of the seeded golden cluster on a free port, with the oracle connection; scenarios with several replicas start those themselves. */
export interface GoldenCopy {
  cluster: PostgresCluster;
  /** Direct SQL on the copy's database (the oracle: what really committed). Never use it while the cluster is frozen. */
  sql: postgres.Sql;
  databaseUrl: string;
  /** The golden service data dir (converted model, index snapshot) a service should start from (`seedDataDir`). */
  serviceDataDir: string;
  dispose(): Promise<void>;
}

export async function startGoldenCopy(): Promise<GoldenCopy> {
  const golden = inject("golden");
  const cluster = await PostgresCluster.cloneFrom(golden.pgDataDir);
  const databaseUrl = cluster.url(golden.database);
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 10 });
  return {
    cluster,
    sql,
    databaseUrl,
    serviceDataDir: golden.serviceDataDir,
    async dispose() {
      cluster.thaw();
      await sql.end({ timeout: 1 }).catch(() => {});
      await cluster.destroy();
    },
  };
}

/**
 * A scenario's own world: a copy of the seeded golden cluster on a free port
 * and the service on a copy of the golden data dir, ready to route.
 */
export async function startScenario(name: string, options: Partial<ServiceOptions> = {}): Promise<Scenario> {
  const copy = await startGoldenCopy();
  const service = await ServiceProcess.start({ name, databaseUrl: copy.databaseUrl, seedDataDir: copy.serviceDataDir, ...options });
  const scenario: Scenario = {
    cluster: copy.cluster,
    service,
    sql: copy.sql,
    databaseUrl: copy.databaseUrl,
    async dispose() {
      copy.cluster.thaw();
      // The current service (a test may have restarted it), not necessarily the first one.
      await scenario.service.dispose();
      await copy.dispose();
    },
  };
  return scenario;
}

/** Rows in the exemplars table (the truth, read directly). */
export async function exemplarCount(sql: postgres.Sql, textPrefix?: string): Promise<number> {
  const rows =
    textPrefix === undefined
      ? await sql<Array<{ count: number }>>`select count(*)::int as count from exemplars`
      : await sql<Array<{ count: number }>>`select count(*)::int as count from exemplars where text like ${`${textPrefix}%`}`;
  return rows[0]?.count ?? 0;
}
