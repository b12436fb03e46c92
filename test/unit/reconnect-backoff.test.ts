import { describe, expect, it } from "vitest";
import { reconnectBackoffSeconds } from "../../src/adapters/db/client.js";

describe("the PostgreSQL pool's reconnect backoff", () => {
  it("never waits more than half a second, however long the outage was", () => {
    // postgres.js's default reaches 20 s after 7 failed connects: the pool then lagged the server's return by seconds.
    for (let retries = 0; retries <= 60; retries++) {
      for (let i = 0; i < 20; i++) {
        const s = reconnectBackoffSeconds(retries);
        expect(s).toBeGreaterThan(0);
        expect(s).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it("starts short and grows while connects keep failing", () => {
    const most = (retries: number) => Math.max(...Array.from({ length: 200 }, () => reconnectBackoffSeconds(retries)));
    expect(most(1)).toBeLessThanOrEqual(0.05);
    expect(most(4)).toBeGreaterThan(most(1));
    expect(most(30)).toBeGreaterThan(0.25);
  });
});
