import { describe, expect, it } from "vitest";
import { DatabaseGuard, DatabaseUnavailableError, Deadline } from "../../src/adapters/db/database-guard.js";

describe("DatabaseGuard", () => {
  it("answers a stuck operation within the timeout, says what the caller may assume, and fails fast during the cooldown", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 50, cooldownMs: 10_000 });
    const never = () => new Promise<never>(() => {});
    const started = Date.now();
    const err = await guard.run("unknown", never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as DatabaseUnavailableError).outcome).toBe("unknown");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(guard.available).toBe(false);
    let ran = false;
    const fast = await guard.run("not_applied", async () => (ran = true)).catch((e: unknown) => e);
    expect((fast as DatabaseUnavailableError).outcome).toBe("not_applied");
    expect(ran).toBe(false);
  });

  it("maps a lost connection to database unavailable and trips; passes other errors through", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    let tripped = 0;
    guard.onTrip(() => tripped++);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await expect(guard.run("not_applied", async () => Promise.reject(refused))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(tripped).toBe(1);
    const bug = new TypeError("a bug");
    await expect(guard.run("not_applied", async () => Promise.reject(bug))).rejects.toBe(bug);
    expect(tripped).toBe(1);
  });

  it("does not treat a slow query as an outage when the database still answers a probe", async () => {
    let alive = true;
    const guard = new DatabaseGuard({ timeoutMs: 30, cooldownMs: 10_000, probe: async () => (alive ? undefined : Promise.reject(new Error("no answer"))) });
    await expect(guard.run("not_applied", () => new Promise<never>(() => {}))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await new Promise((r) => setTimeout(r, 5));
    expect(guard.available).toBe(true);
    alive = false;
    await expect(guard.run("not_applied", () => new Promise<never>(() => {}))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await new Promise((r) => setTimeout(r, 5));
    expect(guard.available).toBe(false);
  });

  it("a deadline refuses work once passed", async () => {
    const d = Deadline.after(20);
    expect(() => d.check()).not.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    expect(() => d.check()).toThrow(DatabaseUnavailableError);
  });
});
