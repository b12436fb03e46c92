import { describe, expect, it } from "vitest";
import { DatabaseGuard, Deadline } from "../../src/db/database-guard.js";
import { writeBudget } from "../../src/exemplars/curation-context.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Issue 20, fault 7: the steps of one write share one database budget, so they cannot add up past it.
describe("a request's database budget", () => {
  it("every step inside withinBudget without a budget of its own is given the request's deadline", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    const seen: Deadline[] = [];
    const step = () => guard.run("not_applied", async (deadline) => void seen.push(deadline));
    await guard.withinBudget(async () => {
      await step();
      await sleep(1);
      await step();
    });
    expect(seen[0]).toBe(seen[1]);
    await step();
    await step();
    expect(seen[2]).not.toBe(seen[3]); // outside a request: each its own bound
  });

  it("a curator write's budget is the request's, with the per-item allowance added", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    await guard.withinBudget(async () => {
      const shared = guard.currentBudget!;
      const before = shared.remainingMs;
      const budget = writeBudget({ guard, perItemBudgetMs: 100 }, 3);
      expect(budget).toBe(shared);
      expect(budget.remainingMs).toBeGreaterThanOrEqual(before + 300 - 5);
    });
    expect(writeBudget({ guard, perItemBudgetMs: 100 }, 1)).toBeInstanceOf(Deadline);
  });

  it("work that is not the database's (embedding) does not eat the budget", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    await guard.withinBudget(async () => {
      const before = guard.currentBudget!.remainingMs;
      await guard.outsideBudget(() => sleep(40));
      expect(guard.currentBudget!.remainingMs).toBeGreaterThan(before - 20);
    });
  });
});
