import { describe, expect, it, onTestFinished, vi } from "vitest";
import { DatabaseGuard, Deadline } from "../../src/adapters/db/database-guard.js";
import { writeBudget } from "../../src/stores/exemplars/curation-context.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Issue 20, fault 7: the steps of one write share one database budget, so they cannot add up past it.
describe("a write's database budget", () => {
  it("a curator write given the request's budget (the Idempotency-Key lookup spent part of it) keeps it, with the per-item allowance added", () => {
    // The clock stands still: the allowance is compared exactly, not against however long these lines take.
    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    const shared = Deadline.after(1000);
    const before = shared.remainingMs;
    const budget = writeBudget({ guard, perItemBudgetMs: 100 }, 3, shared);
    expect(budget).toBe(shared);
    expect(budget.remainingMs).toBe(before + 300);
    // Without one, a write gets a budget of its own.
    expect(writeBudget({ guard, perItemBudgetMs: 100 }, 1)).not.toBe(shared);
  });

  it("every step run with the budget is given the same deadline", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    const budget = Deadline.after(1000);
    const seen: Deadline[] = [];
    await guard.run("not_applied", async (deadline) => void seen.push(deadline), budget);
    await guard.run("unknown", async (deadline) => void seen.push(deadline), budget);
    expect(seen).toEqual([budget, budget]);
  });

  it("work that is not the database's (embedding) does not eat the budget", async () => {
    const budget = Deadline.after(1000);
    const before = budget.remainingMs;
    await budget.exclude(() => sleep(40));
    expect(budget.remainingMs).toBeGreaterThan(before - 20);
  });
});
