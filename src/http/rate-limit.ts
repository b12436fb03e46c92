import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { LruMap } from "../base/util/lru.js";

/**
 * Token buckets per key (a client address, a token label): `perMinute`
 * events refill evenly over a minute, up to a burst of the same size. The
 * map is bounded: the least recently used keys are forgotten first, so a
 * flood of distinct addresses costs bounded memory.
 */
export class RateLimiter {
  private readonly buckets: LruMap<string, { tokens: number; at: number }>;

  constructor(
    private readonly perMinute: number,
    maxKeys = 10_000,
  ) {
    this.buckets = new LruMap(maxKeys);
  }

  /** Takes one event for key; returns 0 when allowed, else the seconds until the next is. */
  take(key: string, now = Date.now()): number {
    const bucket = this.refilled(key, now);
    if (bucket.tokens < 1) return this.waitSeconds(bucket.tokens);
    bucket.tokens -= 1;
    return 0;
  }

  /** Seconds until key may act again without taking an event (0: may act now). */
  blockedFor(key: string, now = Date.now()): number {
    const { tokens } = this.refilled(key, now);
    return tokens >= 1 ? 0 : this.waitSeconds(tokens);
  }

  private waitSeconds(tokens: number): number {
    return Math.max(1, Math.ceil(((1 - tokens) * 60_000) / this.perMinute / 1000));
  }

  private refilled(key: string, now: number) {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const fresh = { tokens: this.perMinute, at: now };
      this.buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    return bucket;
  }
}

/**
 * The client's address: the socket's peer, or behind `proxies` trusted
 * proxies the X-Forwarded-For entry the outermost of them appended (counted
 * from the right). Entries to its left were sent by the client and could
 * name anyone, so they are never used. In-process requests (tests) have no
 * socket and share one key.
 */
export function clientAddress(c: Context, proxies: number): string {
  if (proxies > 0) {
    const entries = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e !== "");
    const added = entries[Math.max(0, entries.length - proxies)];
    if (added !== undefined) return added;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "local";
  }
}
