import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Executor } from "../adapters/db/client.js";
import { Deadline, type DatabaseGuard } from "../adapters/db/database-guard.js";
import { classifyDatabaseError } from "../adapters/db/db-errors.js";
import type { Database } from "../adapters/db/client.js";
import { findReceipt, saveReceipt, type Receipt } from "../stores/idempotency-receipts.js";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./error-handler.js";

const KEY = /^[\x21-\x7e]{1,200}$/;

export interface IdempotencyDeps {
  db: Database;
  guard: DatabaseGuard;
}

/**
 * Runs a curator write with optional Idempotency-Key semantics. Without the
 * header it just runs. With it, a key seen before answers the stored
 * response (same request) or 422 (another request); a new key runs the
 * write with a receipt hook that the write stores in its own transaction,
 * so a retry after an unknown outcome can never apply the write twice.
 */
export async function idempotentWrite<R>(
  c: Context<AppEnv>,
  deps: IdempotencyDeps,
  request: unknown,
  run: (receipt: ((tx: Executor, result: R) => Promise<void>) | undefined, budget: Deadline) => Promise<R>,
  present: (result: R) => Receipt,
): Promise<Response> {
  // One database budget for the whole write: the key's lookup and the write's own steps share it.
  const budget = Deadline.after(deps.guard.timeoutMs);
  const key = c.req.header("idempotency-key");
  if (key === undefined) return respond(c, present(await run(undefined, budget)), false);
  if (!KEY.test(key)) throw new ApiError("invalid_request", "Idempotency-Key: 1 to 200 printable ASCII characters");
  const actor = c.get("actor") ?? "unknown";
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([c.req.method, c.req.path, c.req.query(), request]))
    .digest("hex");
  const replay = async (within: Deadline): Promise<Response | null> => {
    const stored = await deps.guard.run("not_applied", () => findReceipt(deps.db, actor, key), within);
    if (stored === undefined) return null;
    if (stored.fingerprint !== fingerprint) throw new ApiError("idempotency_key_reused", "this Idempotency-Key was used for a different request; use a new key for a new request");
    return respond(c, stored, true);
  };
  const earlier = await replay(budget);
  if (earlier) return earlier;
  try {
    const result = await run((tx, r) => saveReceipt(tx, { actor, key, fingerprint, ...present(r) }), budget);
    return respond(c, present(result), false);
  } catch (err) {
    // The same key raced in concurrently and committed first: answer what it answered.
    if (classifyDatabaseError(err) === "unique_violation") {
      // A read of its own: the write may have used up the shared budget before it lost the race.
      const twin = await replay(Deadline.after(deps.guard.timeoutMs));
      if (twin) return twin;
    }
    throw err;
  }
}

function respond(c: Context<AppEnv>, receipt: Receipt, replayed: boolean): Response {
  if (replayed) c.header("idempotent-replayed", "true");
  return c.json(receipt.body as object, receipt.status as ContentfulStatusCode);
}
