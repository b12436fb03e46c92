/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { textHash } from "../../src/base/text/normalize.js";
import { call } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const FEEDBACK = "feedback-token-0123456789";
const LINES = 10_000;

// Issue 20, fault 9: an import of the documented size (10,000 lines) gets a database budget that grows with its lines.
describe.each(databaseTargets())("a 10,000-line feedback import on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    // The smallest database bound there is (100 ms): no 10,000-line import fits in it, so only a budget that grows with the
    // lines lets it through (10 ms a line here, more than the default, so a busy test machine does not decide the outcome).
    service = await startTestService({
      database,
      encoder: defaultTestEncoder(),
      exemplars: sampleExemplars,
      env: { TIERLINE_FEEDBACK_TOKEN: FEEDBACK },
      config: { database: { operationTimeoutMs: 100 }, feedback: { perLineBudgetMs: 10 } },
    });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("is applied whole (every line created) within a budget that grows with its lines, and a repeat answers every line unchanged", async () => {
    // Logged decisions, as the router records them (routing 10,000 queries would only make the test slower).
    const writer = service.deps.decisionLogWriter!;
    const ids = Array.from({ length: LINES }, () => randomUUID());
    ids.forEach((decisionId, i) =>
      writer.record(
        { decisionId, tier: i % 2 ? "premium" : "fast", reason: "knn", confidence: 0.9, margin: 0.5, revision: 1, cached: false, profile: "default" } as never,
        {} as never,
        { text: `query ${i}`, textHash: textHash(`query ${i}`) } as never,
      ),
    );
    await service.deps.decisionLog.flush();
    // Half by decision id, half by query text (the latest logged decision with that text).
    const body =
      ids
        .map((decisionId, i) =>
          JSON.stringify({ ...(i % 4 < 2 ? { decisionId } : { query: `query ${i}` }), verdict: i % 2 ? "overkill" : "ok", correctTier: i % 2 ? "standard" : undefined }),
        )
        .join("\n") + "\n";
    const first = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body, contentType: "application/x-ndjson" });
    expect(first.status, JSON.stringify(first.body).slice(0, 300)).toBe(200);
    expect(first.body).toMatchObject({ lines: LINES, created: LINES, unchanged: 0, conflicts: [], notFound: [], invalid: [] });
    const again = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body, contentType: "application/x-ndjson" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: 0, unchanged: LINES });
  });
});
