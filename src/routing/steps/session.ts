import type { SettleStep } from "../pipeline.js";
import type { TierLadder } from "../tier-ladder.js";

/**
 * What session consistency needs (implemented in sessions/, over the
 * database with a memory cache): the highest tier a session has used within
 * its TTL, and a way to raise it.
 */
export interface SessionMemory {
  /** The session's floor; undefined when new, expired, or unknown in time. */
  floor(key: string): Promise<string | undefined>;
  /** Records that the session used `tier` now (keeps the higher of old and new, restarts the TTL). */
  record(key: string, tier: string): void;
}

/** A session identity scoped to its caller and profile, so two tenants never share one. */
export const sessionKey = (caller: string, profile: string, sessionId: string) => `${caller}\u0000${profile}\u0000${sessionId}`;

/**
 * no-downgrade: within its TTL a session never drops below the highest tier
 * it has used, so a conversation does not jump from a strong model to a
 * weak one mid-thread. Runs after the rule bounds and before the caller's
 * limits (an explicit maxTier still wins); records the final tier after.
 */
export function sessionFloorStep(ladder: TierLadder, memory: SessionMemory, profile: string): SettleStep {
  return {
    name: "session-floor",
    async run(ctx) {
      const id = ctx.request.sessionId;
      if (id === undefined) return;
      const floor = await memory.floor(sessionKey(ctx.request.caller ?? "anonymous", profile, id));
      if (floor !== undefined && ladder.rankOf(floor) > ladder.rankOf(ctx.tier) && ladder.has(floor)) {
        ctx.tier = floor;
        ctx.constrainedBy = "session";
      }
    },
  };
}

export function sessionRecordStep(memory: SessionMemory, profile: string): SettleStep {
  return {
    name: "session-record",
    run(ctx) {
      const id = ctx.request.sessionId;
      if (id !== undefined) memory.record(sessionKey(ctx.request.caller ?? "anonymous", profile, id), ctx.tier);
    },
  };
}
