import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/http/rate-limit.js";

describe("RateLimiter", () => {
  it("allows perMinute events, then says how long to wait, and refills over time", () => {
    const limiter = new RateLimiter(3);
    const t0 = 1_000_000;
    expect([limiter.take("a", t0), limiter.take("a", t0), limiter.take("a", t0)]).toEqual([0, 0, 0]);
    expect(limiter.take("a", t0)).toBe(20);
    expect(limiter.take("b", t0)).toBe(0); // keys are independent
    expect(limiter.take("a", t0 + 20_000)).toBe(0);
  });

  it("forgets the least recently used keys beyond its bound", () => {
    const limiter = new RateLimiter(1, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("c", 0); // evicts a
    expect(limiter.blockedFor("a", 0)).toBe(0);
    expect(limiter.blockedFor("c", 0)).toBeGreaterThan(0);
  });
});
