import type { DatabaseHandle } from "../db/client.js";
import type { ExemplarIndexRef } from "../vector-index/exemplar-index.js";

export interface Readiness {
  /** "ready": all checks pass; "degraded": routing works but the database does not answer; "starting": not routing yet. */
  status: "ready" | "degraded" | "starting";
  checks: {
    model: boolean;
    index: { built: boolean; exemplars: number; revision: number | null; byTier: Record<string, number> };
    database: { kind: DatabaseHandle["kind"]; reachable: boolean; error?: string };
  };
}

/** Pings the database for readiness and counts the failures (exported as a metric). */
export class DatabaseProbe {
  failures = 0;

  constructor(private readonly database: DatabaseHandle) {}

  async check(): Promise<Readiness["checks"]["database"]> {
    try {
      await this.database.ping(1000);
      return { kind: this.database.kind, reachable: true };
    } catch (err) {
      this.failures++;
      return { kind: this.database.kind, reachable: false, error: (err as Error).message };
    }
  }
}

/** Readiness from what the service holds now: the model, the index and a database ping. */
export async function readinessOf(modelLoaded: boolean, index: ExemplarIndexRef, probe: DatabaseProbe): Promise<Readiness> {
  const database = await probe.check();
  const current = index.get();
  const routing = modelLoaded && current !== null;
  return {
    status: !routing ? "starting" : database.reachable ? "ready" : "degraded",
    checks: {
      model: modelLoaded,
      index: { built: current !== null, exemplars: current?.size ?? 0, revision: current?.revision ?? null, byTier: current?.countByTier() ?? {} },
      database,
    },
  };
}
