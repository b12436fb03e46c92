import type { Logger } from "pino";
import type { DatabaseHandle } from "../adapters/db/client.js";
import type { ExemplarIndexRef } from "../adapters/vector-index/exemplar-index.js";

export interface Readiness {
  /**
   * "ready": all checks pass; "degraded": routing works but the database does
   * not answer; "starting": not routing yet; "draining": shutting down, send
   * new traffic elsewhere (requests in flight are still answered).
   */
  status: "ready" | "degraded" | "starting" | "draining";
  checks: {
    model: boolean;
    index: { built: boolean; exemplars: number; revision: number | null; byTier: Record<string, number> };
    /** The reason a ping failed goes to the log, not to this unauthenticated endpoint. */
    database: { kind: DatabaseHandle["kind"]; reachable: boolean };
  };
}

/** Pings the database for readiness and counts the failures (exported as a metric). */
export class DatabaseProbe {
  failures = 0;
  private lastLogged = 0;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly logger?: Pick<Logger, "warn">,
  ) {}

  async check(): Promise<Readiness["checks"]["database"]> {
    try {
      await this.database.ping(1000);
      return { kind: this.database.kind, reachable: true };
    } catch (err) {
      this.failures++;
      // Probes come every few seconds during an outage: one line a minute says enough.
      if (Date.now() - this.lastLogged > 60_000) {
        this.lastLogged = Date.now();
        this.logger?.warn({ err, failures: this.failures }, "database ping failed");
      }
      return { kind: this.database.kind, reachable: false };
    }
  }
}

/** Readiness from what the service holds now: the model, the index and a database ping. */
export async function readinessOf(modelLoaded: boolean, index: ExemplarIndexRef, probe: DatabaseProbe, draining: boolean): Promise<Readiness> {
  const database = await probe.check();
  const current = index.get();
  const routing = modelLoaded && current !== null;
  return {
    status: draining ? "draining" : !routing ? "starting" : database.reachable ? "ready" : "degraded",
    checks: {
      model: modelLoaded,
      index: { built: current !== null, exemplars: current?.size ?? 0, revision: current?.revision ?? null, byTier: current?.countByTier() ?? {} },
      database,
    },
  };
}
