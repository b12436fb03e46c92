/** A circuit's state: closed lets everything through, open nothing, half-open a few probes. */
export type CircuitState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit stays open before it lets a probe through. */
  cooldownMs: number;
  /** Requests let through at once while half-open. */
  halfOpenProbes: number;
}

/** May a request go to this upstream now? A "wait" says why not and for how long. */
export type Admission = { go: true; probe: boolean } | { go: false; why: "open" | "rate_limited"; waitMs: number };

/** How an attempt ended, as the breaker counts it. */
export type BreakerResult = "success" | "failure" | "neutral";

/**
 * One upstream's circuit breaker. Consecutive failures (connect errors,
 * timeouts, 429 without Retry-After, 5xx) open it for `cooldownMs`; then
 * half-open probes decide: a success closes it, a failure opens it again.
 * A Retry-After holds the upstream back until that time whatever the state.
 * Callers pass the clock, so tests need no timers.
 */
export class CircuitBreaker {
  private state: CircuitState = "closed";
  private failures = 0;
  private openUntil = 0;
  private probes = 0;
  private heldUntil = 0;

  constructor(private readonly options: BreakerOptions) {}

  admit(now: number): Admission {
    if (this.heldUntil > now) return { go: false, why: "rate_limited", waitMs: this.heldUntil - now };
    if (this.state === "open") {
      if (now < this.openUntil) return { go: false, why: "open", waitMs: this.openUntil - now };
      this.state = "half_open";
      this.probes = 0;
    }
    if (this.state === "half_open") {
      if (this.probes >= this.options.halfOpenProbes) return { go: false, why: "open", waitMs: 0 };
      this.probes++;
      return { go: true, probe: true };
    }
    return { go: true, probe: false };
  }

  /** Lets one request through whatever the state: the last resort when every upstream of a chain is held back. */
  force(): Admission & { go: true } {
    if (this.state !== "closed") this.probes++;
    return { go: true, probe: this.state !== "closed" };
  }

  /** Settles an admitted attempt. `retryAfterMs` (from a 429 or 503) holds the upstream back that long. */
  settle(admission: { probe: boolean }, result: BreakerResult, now: number, retryAfterMs?: number): void {
    if (admission.probe) this.probes = Math.max(0, this.probes - 1);
    if (retryAfterMs !== undefined) this.heldUntil = Math.max(this.heldUntil, now + retryAfterMs);
    if (result === "success") {
      this.failures = 0;
      this.state = "closed";
      return;
    }
    if (result === "neutral") return;
    this.failures++;
    if (admission.probe || this.state === "half_open" || this.failures >= this.options.failureThreshold) {
      this.state = "open";
      this.openUntil = now + this.options.cooldownMs;
    }
  }

  snapshot(now: number): { state: CircuitState; consecutiveFailures: number; retryInMs: number } {
    const openFor = this.state === "open" ? Math.max(0, this.openUntil - now) : 0;
    return { state: this.state, consecutiveFailures: this.failures, retryInMs: Math.max(openFor, this.heldUntil - now, 0) };
  }
}

/** The breakers of every upstream, by upstream id. */
export class Breakers {
  private readonly byId = new Map<string, CircuitBreaker>();

  constructor(
    ids: readonly string[],
    options: BreakerOptions,
    /** The clock (Date.now); tests pass their own. */
    readonly now: () => number = Date.now,
  ) {
    for (const id of ids) this.byId.set(id, new CircuitBreaker(options));
  }

  of(id: string): CircuitBreaker {
    const breaker = this.byId.get(id);
    if (breaker === undefined) throw new Error(`no breaker for upstream ${id}`);
    return breaker;
  }

  snapshot(): Array<{ upstream: string; state: CircuitState; consecutiveFailures: number; retryInMs: number }> {
    const now = this.now();
    return [...this.byId].map(([upstream, b]) => ({ upstream, ...b.snapshot(now) }));
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. Capped at an hour. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, Math.round(ms)), 3_600_000);
}
