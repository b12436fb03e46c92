import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError } from "../../src/adapters/db/database-guard.js";
import { createErrorHandler } from "../../src/http/error-handler.js";
import { withoutBoundValues } from "../../src/base/logger.js";

describe("what a 503 for a database away logs", () => {
  it("the driver's code and message, never the statement's bound values", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = { error: () => {}, info: () => {}, warn: (o: Record<string, unknown>) => lines.push(o) };
    const app = new Hono();
    const driver = Object.assign(new Error('Failed query: select "id", "text" from "exemplars" where "text" ilike $1\nparams: %a curator\'s secret filter%'), {
      code: "ECONNREFUSED",
    });
    app.get("/", () => {
      throw new DatabaseUnavailableError("not_applied", "the database is unavailable", { cause: driver });
    });
    app.onError(createErrorHandler(logger as never));
    const res = await app.request("/");
    expect(res.status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain("secret filter");
    expect(lines[0]).toMatchObject({ code: "database_unavailable", cause: { code: "ECONNREFUSED" } });
    expect((lines[0]!.cause as { message: string }).message).toMatch(/^Failed query: select .*\nparams: \[redacted\]$/);
  });

  it("leaves a message without bound values as it is", () => {
    expect(withoutBoundValues("connect ECONNREFUSED 127.0.0.1:5432")).toBe("connect ECONNREFUSED 127.0.0.1:5432");
  });
});
