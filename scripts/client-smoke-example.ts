/**
 * A consumer of the packed @tierline/client, compiled and run by
 * scripts/client-smoke.sh in a scratch project outside the repository
 * against a service started with `npm start`. Exits non-zero when an answer
 * is not what the API promises.
 */
import { createClient, TierlineError, type BatchItem } from "@tierline/client";

const baseUrl = process.env.TIERLINE_URL ?? "http://127.0.0.1:8787";
const tierline = createClient({ baseUrl });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`client smoke: ${what}`);
}

const ready = await tierline.readiness();
check(ready.status === "ready" && ready.checks.index.exemplars > 0, `readiness: ${JSON.stringify(ready)}`);

const query = "Write a Python function that merges two sorted lists";
const decision = await tierline.route({ query }, { explain: true });
check(typeof decision.tier === "string" && decision.model !== "" && (decision.neighbors?.length ?? 0) > 0, `route: ${JSON.stringify(decision)}`);
const again = await tierline.route({ query });
check(again.cached && again.tier === decision.tier, `repeat: ${JSON.stringify(again)}`);

const batch: BatchItem[] = await tierline.routeBatch([{ query: "Who wrote Hamlet?" }, { query: "   " }]);
const bad = batch[1];
check(batch.length === 2 && "tier" in batch[0]! && bad !== undefined && "error" in bad && bad.error.code === "empty_query", `batch: ${JSON.stringify(batch)}`);

let refused: TierlineError | undefined;
try {
  await tierline.route({ query: "hi", minTier: "gold" });
} catch (err) {
  if (!(err instanceof TierlineError)) throw err;
  refused = err;
}
check(refused?.status === 400 && refused.code === "invalid_limit" && typeof refused.requestId === "string", `error envelope: ${String(refused)}`);

const metrics = await tierline.metrics();
check(/^tierline_decisions_total\{/m.test(metrics), "metrics: no tierline_decisions_total sample");

console.log(`@tierline/client against ${baseUrl}: ${decision.tier} ${decision.model} ${decision.reason}, repeat cached, batch, ${refused!.status} ${refused!.code}, metrics`);
