import { describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/db/client.js";
import { DatabaseGuard, DatabaseUnavailableError, Deadline } from "../../src/adapters/db/database-guard.js";
import type { DecisionLog } from "../../src/stores/decision-log/decision-log.js";
import type { LogRow } from "../../src/stores/decision-log/log-row.js";
import { FeedbackService } from "../../src/stores/feedback/feedback-service.js";

const ID = "5b0c4a3e-9d1f-4c55-8a77-0d0f6b7e2a11";
const row = { decisionId: ID, at: new Date(), tier: "fast", reason: "knn", textHash: "h", shadowOf: null, tags: null, queryText: null } as unknown as LogRow;

/** A feedback service whose database never confirms a commit, and whose log records the budgets it was handed. */
function stalledService(perLineBudgetMs: number) {
  const budgets: Array<{ budget?: Deadline; remainingMs?: number }> = [];
  const log = {
    enabled: true,
    find: async (_ids: readonly string[], budget?: Deadline) => (budgets.push({ budget, remainingMs: budget?.remainingMs }), new Map([[ID, row]])),
    findByTextHash: async (_h: readonly string[], budget?: Deadline) => (budgets.push({ budget, remainingMs: budget?.remainingMs }), new Map()),
  } as unknown as DecisionLog;
  const db = { transaction: () => new Promise<never>(() => {}) } as unknown as Database;
  const guard = new DatabaseGuard({ timeoutMs: 30, cooldownMs: 0, probe: async () => {} });
  const service = new FeedbackService({ db, guard, log, tiers: ["fast", "standard", "premium"], maxInputChars: () => 2048, perLineBudgetMs });
  return { service, budgets };
}

// Issue 20, fault 9: a feedback import is told only what its endpoint supports, and its budget grows with its lines.
describe("feedback's database budget", () => {
  it("an unconfirmed commit says to send the same reports again, never to use an Idempotency-Key (the endpoint takes none)", async () => {
    const { service } = stalledService(0);
    const err = await service.import([{ decisionId: ID, verdict: "ok" }], "evals").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as DatabaseUnavailableError).outcome).toBe("unknown");
    expect((err as Error).message).toMatch(/send the same reports again/);
    expect((err as Error).message).not.toMatch(/Idempotency-Key/);
  });

  it("every database step of one request shares one budget, larger for more lines", async () => {
    const { service, budgets } = stalledService(100);
    const lines = Array.from({ length: 3 }, (_, i) => ({ decisionId: ID, verdict: "ok" as const, source: `s${i}` }));
    const err = await service.import(lines, "evals").catch((e: unknown) => e);
    expect(budgets).toHaveLength(2);
    expect(budgets[0]!.budget).toBeInstanceOf(Deadline);
    expect(budgets[1]!.budget).toBe(budgets[0]!.budget);
    // The guard's 30 ms plus 3 lines at 100 ms: more than the guard's own bound, and the commit was given what was left of it.
    expect(budgets[0]!.remainingMs).toBeGreaterThan(200);
    expect((err as Error).message).toMatch(/within \d+ ms/);
    expect((err as Error).message).not.toMatch(/within 30 ms/);
  });
});
