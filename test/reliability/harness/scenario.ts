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

/**
 * A scenario's own world: a copy of the seeded golden cluster on a free port
 * and the service on a copy of the golden data dir, ready to route.
 */
export async function startScenario(name: string, options: Partial<ServiceOptions> = {}): Promise<Scenario> {
  const golden = inject("golden");
  const cluster = await PostgresCluster.cloneFrom(golden.pgDataDir);
  const databaseUrl = cluster.url(golden.database);
  const service = await ServiceProcess.start({ name, databaseUrl, seedDataDir: golden.serviceDataDir, ...options });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 10 });
  const scenario: Scenario = {
    cluster,
    service,
    sql,
    databaseUrl,
    async dispose() {
      cluster.thaw();
      await sql.end({ timeout: 1 }).catch(() => {});
      // The current service (a test may have restarted it), not necessarily the first one.
      await scenario.service.dispose();
      await cluster.destroy();
    },
  };
  return scenario;
}

/** Rows in the exemplars table (the truth, read directly). */
export async function exemplarCount(sql: postgres.Sql, textPrefix?: string): Promise<number> {
  const rows = textPrefix === undefined
    ? await sql<Array<{ count: number }>>`select count(*)::int as count from exemplars`
    : await sql<Array<{ count: number }>>`select count(*)::int as count from exemplars where text like ${`${textPrefix}%`}`;
  return rows[0]?.count ?? 0;
}
