import { OpenAPIHono } from "@hono/zod-openapi";
import { stream } from "hono/streaming";
import type { CreateResult, CreateStatus } from "../stores/exemplars/create-exemplars.js";
import type { ChangeResult } from "../stores/exemplars/update-exemplar.js";
import type { CuratorService } from "../stores/exemplars/curator-service.js";
import type { Exemplar } from "../stores/exemplars/exemplar.js";
import { ExemplarFileError, parseExemplarJsonl } from "../stores/exemplars/exemplar-files.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./error-handler.js";
import { exemplarRoutes } from "./exemplars.routes.js";
import { idempotentWrite, type IdempotencyDeps } from "./idempotency.js";

export interface ExemplarRoutesOptions {
  curator: CuratorService;
  requireRole: RequireRole;
  maxBatch: number;
  /** Lines per import request: each is embedded and written in one transaction. */
  maxImportLines: number;
  tiers: readonly string[];
  /** Where Idempotency-Key receipts live. */
  idempotency: IdempotencyDeps;
}

const isTrue = (v: string | undefined) => v === "true" || v === "1";
const cursorOf = (id: number | null) => (id === null ? null : Buffer.from(String(id)).toString("base64url"));

/** The curator API: thin handlers over CuratorService (validate, call one verb, map the result). */
export function createExemplarRoutes(options: ExemplarRoutesOptions): OpenAPIHono<AppEnv> {
  const { curator } = options;
  const routes = exemplarRoutes(options.maxBatch);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const guard = options.requireRole("admin");
  app.use("/exemplars", guard);
  app.use("/exemplars/*", guard);
  const actor = (c: { get(key: "actor"): string | undefined }) => c.get("actor") ?? "unknown";

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid("json");
    const inputs = "exemplars" in body ? body.exemplars : [body];
    const force = isTrue(c.req.valid("query").force);
    return idempotentWrite<CreateResult>(
      c,
      options.idempotency,
      body,
      (receipt, budget) => curator.create(inputs, { force, actor: actor(c), receipt, budget }),
      (result) => ({ status: result.exemplars.some((e) => e.status !== "unchanged") ? 201 : 200, body: serializeWrite(result) }),
    ) as never;
  });

  app.openapi(routes.list, async (c) => {
    const { tier, q, limit, cursor } = c.req.valid("query");
    const after = cursor === undefined ? undefined : Number(Buffer.from(cursor, "base64url").toString());
    if (after !== undefined && !Number.isSafeInteger(after)) throw new ApiError("invalid_request", "cursor: not a cursor returned by this API");
    const page = await curator.list({ tier, q, limit, cursor: after });
    return c.json({ exemplars: page.exemplars.map(serialize), nextCursor: cursorOf(page.nextCursor) }, 200);
  });

  app.openapi(routes.export, async (c) => {
    // Counted before the 200 goes out: the CLI compares it with the lines it receives, so a
    // stream cut short (database gone mid-export) is an error, not a silently short backup.
    c.header("x-exemplar-count", String(await curator.count()));
    c.header("content-type", "application/x-ndjson; charset=utf-8");
    c.header("content-disposition", 'attachment; filename="exemplars.jsonl"');
    return stream(c, async (s) => {
      for await (const line of curator.exportLines()) await s.write(line);
    }) as never;
  });

  app.openapi(routes.import, async (c) => {
    const text = await c.req.text();
    let inputs;
    try {
      inputs = parseExemplarJsonl(text, "body", options.tiers);
    } catch (err) {
      if (err instanceof ExemplarFileError) throw new ApiError("invalid_jsonl", err.message.replace(/^body:/, "line "));
      throw err;
    }
    if (inputs.length === 0) throw new ApiError("invalid_jsonl", "the body has no exemplar lines");
    if (inputs.length > options.maxImportLines) {
      throw new ApiError("payload_too_large", `an import takes at most ${options.maxImportLines} lines (got ${inputs.length}); split the file, or use the CLI, which sends chunks`);
    }
    const force = isTrue(c.req.valid("query").force);
    const lines = inputs.length;
    return idempotentWrite<CreateResult>(
      c,
      options.idempotency,
      text,
      (receipt, budget) => curator.create(inputs, { force, actor: actor(c), receipt, budget }),
      (result) => {
        const count = (s: CreateStatus) => result.exemplars.filter((e) => e.status === s).length;
        return { status: 200, body: { lines, created: count("created"), moved: count("moved"), unchanged: count("unchanged"), revision: result.revision } };
      },
    ) as never;
  });

  app.openapi(routes.get, async (c) => c.json(serialize(await curator.get(Number(c.req.valid("param").id))), 200));

  const changed = (result: ChangeResult) => ({ status: 200, body: { exemplar: serialize(result.exemplar), revision: result.revision } });

  app.openapi(routes.update, async (c) => {
    const id = Number(c.req.valid("param").id);
    const patch = c.req.valid("json");
    const force = isTrue(c.req.valid("query").force);
    return idempotentWrite(c, options.idempotency, patch, (receipt, budget) => curator.update(id, patch, { force, actor: actor(c), receipt, budget }), changed) as never;
  });

  app.openapi(routes.remove, async (c) => {
    const id = Number(c.req.valid("param").id);
    return idempotentWrite(c, options.idempotency, null, (receipt, budget) => curator.remove(id, { actor: actor(c), receipt, budget }), changed) as never;
  });

  return app;
}

function serialize(e: Exemplar) {
  return { id: e.id, text: e.text, tier: e.tier, note: e.note, source: e.source, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() };
}

function serializeWrite(result: CreateResult) {
  return { exemplars: result.exemplars.map((e) => ({ ...serialize(e), status: e.status })), revision: result.revision };
}
