import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";

/**
 * Token buckets per key (a client address, a token label): `perMinute`
 * events refill evenly over a minute, up to a burst of the same size. The
 * map is bounded: the least recently used keys are forgotten first, so a
 * flood of distinct addresses costs bounded memory.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one event for key; returns 0 when allowed, else the seconds until the next is. */
  take(key: string, now = Date.now()): number {
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60_000) / this.perMinute / 1000));
  }

  /** Seconds until key may act again without taking an event (0: may act now). */
  blockedFor(key: string, now = Date.now()): number {
    const bucket = this.refilled(key, now);
    return bucket.tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - bucket.tokens) * 60_000) / this.perMinute / 1000));
  }

  private refilled(key: string, now: number) {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.perMinute, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      this.buckets.delete(key); // re-inserted below: most recently used last
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
      bucket.at = now;
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}

/**
 * The client's address: the socket's peer, or with trustProxy the first
 * X-Forwarded-For entry (only behind a proxy that sets it). In-process
 * requests (tests) have no socket and share one key.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "local";
  }
}
