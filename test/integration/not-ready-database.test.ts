/* eslint-disable @typescript-eslint/no-explicit-any -- bodies and log lines are checked field by field */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { databaseTargets } from "../helpers/databases.js";
import { call } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, testConfig } from "../helpers/runtime.js";

const ADMIN = "admin-token-0123456789ab";
const FEEDBACK = "feedback-token-0123456789";

/** What postgres.js throws while the server starts up, recovers or is a read-only standby. */
const serverError = (code: string, message: string) => Object.assign(new Error(message), { name: "PostgresError", code, severity: "FATAL" });

// Issue 20, fault 7: a database that is there but not ready (57P03 starting up, 25006 read-only) is a 503 with
// Retry-After, logged as the passing condition it is (warn, no stack trace), never a 500 at error level.
describe.each(databaseTargets())("a database that is not ready, on $name", (target) => {
  let database: DatabaseHandle;
  let deps: Deps;
  let app: ReturnType<typeof createApp>;
  const lines: any[] = [];

  beforeAll(async () => {
    database = await target.open();
    const capture = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    const config = testConfig({ database: { cooldownMs: 0 } }, { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_FEEDBACK_TOKEN: FEEDBACK });
    deps = await buildDeps(
      { ...config, auth: { ...config.auth } },
      { logger: pino({ level: "info" }, capture), database, encoder: defaultTestEncoder(), loadShippedExemplars: () => sampleExemplars },
    );
    await deps.lifecycle.start();
    app = createApp(deps);
  });
  afterAll(async () => {
    await deps.lifecycle.stop();
    await database.close();
  });

  /** Runs fn while every query and transaction of the service fails as the server says `code`. */
  async function whileNotReady<T>(code: string, message: string, fn: () => Promise<T>): Promise<T> {
    const db = database.db as any;
    const saved = { transaction: db.transaction, select: db.select, execute: db.execute };
    const fail = () => {
      throw serverError(code, message);
    };
    db.transaction = async () => fail();
    db.select = () => ({ from: () => ({ where: async () => fail(), then: (_: unknown, reject: (e: unknown) => void) => reject(serverError(code, message)) }) });
    db.execute = async () => fail();
    try {
      return await fn();
    } finally {
      Object.assign(db, saved);
    }
  }

  for (const [code, message] of [
    ["57P03", "the database system is starting up"],
    ["25006", "cannot execute INSERT in a read-only transaction"],
  ] as const) {
    it(`${code} (${message}): feedback and curator writes answer 503 with Retry-After; nothing at error level, no stack trace`, async () => {
      const decision = (await call(app, "POST", "/route", { json: { query: "What is the capital city of Peru?" } })).body;
      const from = lines.length;
      const [report, create] = await whileNotReady(code, message, async () => [
        await call(app, "POST", `/decisions/${decision.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } }),
        await call(app, "POST", "/exemplars", { token: ADMIN, json: { text: `a new exemplar while ${code}`, tier: "fast" } }),
      ]);
      for (const res of [report, create]) {
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(["database_unavailable", "outcome_unknown"]).toContain(res.body.error.code);
        expect(res.headers.get("retry-after")).toBe("1");
        expect(res.body.error.message).not.toMatch(new RegExp(message));
      }
      const logged = lines.slice(from);
      expect(logged.filter((l) => l.level >= 50)).toEqual([]);
      const warned = logged.filter((l) => l.level === 40 && l.code);
      expect(warned.length).toBeGreaterThan(0);
      for (const l of warned) expect(JSON.stringify(l)).not.toMatch(/"stack"/);
      // And back to normal: the same report is taken once the database is ready.
      expect((await call(app, "POST", `/decisions/${decision.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } })).status).toBe(201);
    });
  }
});
