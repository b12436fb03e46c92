import { describe, expect, it } from "vitest";
import { Breakers, CircuitBreaker, parseRetryAfter } from "../../src/adapters/upstreams/breaker.js";

const options = { failureThreshold: 3, cooldownMs: 1_000, halfOpenProbes: 1 };

describe("circuit breaker", () => {
  it("opens after consecutive failures, lets one probe through after the cooldown, closes on its success", () => {
    const b = new CircuitBreaker(options);
    for (let i = 0; i < 2; i++) b.settle(b.admit(0) as { probe: boolean }, "failure", 0);
    expect(b.admit(0)).toEqual({ go: true, probe: false });
    b.settle({ probe: false }, "failure", 10);
    expect(b.admit(20)).toEqual({ go: false, why: "open", waitMs: 990 });
    expect(b.admit(1_010)).toEqual({ go: true, probe: true });
    expect(b.admit(1_011)).toMatchObject({ go: false, why: "open" });
    b.settle({ probe: true }, "success", 1_020);
    expect(b.snapshot(1_020)).toEqual({ state: "closed", consecutiveFailures: 0, retryInMs: 0 });
  });

  it("opens again when the probe fails; a success in between resets the count; neutral outcomes count for nothing", () => {
    const b = new CircuitBreaker(options);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "success", 0);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "neutral", 0);
    expect(b.snapshot(0).state).toBe("closed");
    for (let i = 0; i < 3; i++) b.settle({ probe: false }, "failure", 0);
    expect(b.admit(1_000)).toEqual({ go: true, probe: true });
    b.settle({ probe: true }, "failure", 1_000);
    expect(b.snapshot(1_500)).toMatchObject({ state: "open", retryInMs: 500 });
  });

  it("holds an upstream back for its Retry-After whatever the circuit says, and forces a last-resort attempt", () => {
    const b = new CircuitBreaker(options);
    b.settle({ probe: false }, "neutral", 0, 5_000);
    expect(b.admit(1_000)).toEqual({ go: false, why: "rate_limited", waitMs: 4_000 });
    expect(b.admit(5_000)).toEqual({ go: true, probe: false });
    expect(b.force()).toEqual({ go: true, probe: false });
    const breakers = new Breakers(["a"], options, () => 0);
    expect(breakers.snapshot()).toEqual([{ upstream: "a", state: "closed", consecutiveFailures: 0, retryInMs: 0 }]);
    expect(() => breakers.of("b")).toThrow(/no breaker/);
  });

  it("reads Retry-After as seconds or an HTTP date, and ignores garbage", () => {
    expect(parseRetryAfter("2")).toBe(2_000);
    expect(parseRetryAfter("0.5")).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("999999")).toBe(3_600_000);
  });
});
