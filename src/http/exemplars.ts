import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { stream } from "hono/streaming";
import type { AppEnv } from "../app.js";
import type { CreateStatus, CuratorService } from "../exemplars/curator-service.js";
import type { Exemplar } from "../exemplars/exemplar.js";
import { ExemplarFileError, parseExemplarJsonl } from "../exemplars/exemplar-files.js";
import { requireBearer, type LabelledToken } from "./auth.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema } from "./schemas.js";

const exemplarInput = z
  .object({
    text: z.string().max(20_000).refine((t) => t.trim() !== "", "text must not be blank"),
    tier: z.string().min(1),
    note: z.string().max(1000).optional(),
  })
  .openapi("ExemplarInput");

const exemplarSchema = z
  .object({
    id: z.number().int(),
    text: z.string(),
    tier: z.string(),
    note: z.string().nullable(),
    source: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Exemplar");

const forceQuery = z.object({ force: z.enum(["true", "false", "1", "0"]).optional().openapi({ description: "Keep near-duplicates across tiers" }) });
const idParams = z.object({ id: z.string().regex(/^\d{1,15}$/, "must be a positive integer").openapi({ param: { name: "id", in: "path" } }) });
const errors = Object.fromEntries(
  ([[400, "Invalid request"], [401, "Missing or invalid token"], [404, "No such exemplar"], [409, "Conflicts with an exemplar of another tier"], [503, "Index not built yet"]] as const).map(
    ([status, description]) => [status, { description, content: { "application/json": { schema: errorSchema } } }],
  ),
);
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const isTrue = (v: string | undefined) => v === "true" || v === "1";
const cursorOf = (id: number | null) => (id === null ? null : Buffer.from(String(id)).toString("base64url"));

export interface ExemplarRoutesOptions {
  curator: CuratorService;
  adminTokens: readonly LabelledToken[];
  maxBatch: number;
  maxImportBytes: number;
  /** Lines per import request: each is embedded and written in one transaction. */
  maxImportLines: number;
  tiers: readonly string[];
}

export function createExemplarRoutes(options: ExemplarRoutesOptions): OpenAPIHono<AppEnv> {
  const { curator } = options;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/exemplars", requireBearer(options.adminTokens, "set TIERLINE_ADMIN_TOKEN (or TIERLINE_ADMIN_TOKENS=label:token,…) and restart"));
  app.use("/exemplars/*", requireBearer(options.adminTokens, "set TIERLINE_ADMIN_TOKEN (or TIERLINE_ADMIN_TOKENS=label:token,…) and restart"));
  const actor = (c: { get(key: "actor"): string | undefined }) => c.get("actor") ?? "unknown";
  const security = [{ bearer: [] }];
  const writeResult = z.object({ exemplars: z.array(exemplarSchema.extend({ status: z.enum(["created", "unchanged", "moved"]) })), revision: z.number().int() });

  app.openapi(
    createRoute({
      method: "post",
      path: "/exemplars",
      summary: "Add one exemplar or a batch; idempotent for exact duplicates in the same tier",
      security,
      request: {
        query: forceQuery,
        body: { required: true, content: { "application/json": { schema: z.union([exemplarInput, z.object({ exemplars: z.array(exemplarInput).min(1).max(options.maxBatch) })]) } } },
      },
      responses: { 201: json(writeResult, "Created (some rows may be unchanged)"), 200: json(writeResult, "Nothing changed"), ...errors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const inputs = "exemplars" in body ? body.exemplars : [body];
      const result = await curator.create(inputs, { force: isTrue(c.req.valid("query").force), actor: actor(c) });
      const changed = result.exemplars.some((e) => e.status !== "unchanged");
      return c.json(serializeWrite(result), changed ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/exemplars",
      summary: "List exemplars (cursor pagination, optional tier and text filter)",
      security,
      request: {
        query: z.object({
          tier: z.string().optional(),
          q: z.string().max(200).optional().openapi({ description: "Case-insensitive substring of the text" }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
        }),
      },
      responses: { 200: json(z.object({ exemplars: z.array(exemplarSchema), nextCursor: z.string().nullable() }), "A page of exemplars"), ...errors },
    }),
    async (c) => {
      const { tier, q, limit, cursor } = c.req.valid("query");
      const after = cursor === undefined ? undefined : Number(Buffer.from(cursor, "base64url").toString());
      if (after !== undefined && !Number.isSafeInteger(after)) throw new ApiError(400, "invalid_request", "cursor: not a cursor returned by this API");
      const page = await curator.list({ tier, q, limit, cursor: after });
      return c.json({ exemplars: page.exemplars.map(serialize), nextCursor: cursorOf(page.nextCursor) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/exemplars/export",
      summary: "All exemplars as JSONL ({text, tier, note?} per line)",
      security,
      responses: {
        200: {
          description: "JSONL; the X-Exemplar-Count header says how many lines to expect",
          headers: { "X-Exemplar-Count": { schema: { type: "integer" } } },
          content: { "application/x-ndjson": { schema: z.string() } },
        },
        401: errors[401]!,
      },
    }),
    async (c) => {
      // Counted before the 200 goes out: the CLI compares it with the lines it receives, so a
      // stream cut short (database gone mid-export) is an error, not a silently short backup.
      c.header("x-exemplar-count", String(await curator.count()));
      c.header("content-type", "application/x-ndjson; charset=utf-8");
      c.header("content-disposition", 'attachment; filename="exemplars.jsonl"');
      return stream(c, async (s) => {
        for await (const line of curator.exportLines()) await s.write(line);
      }) as never;
    },
  );

  app.use("/exemplars/import", bodyLimit({ maxSize: options.maxImportBytes, onError: () => { throw new ApiError(413, "payload_too_large", `import body exceeds ${options.maxImportBytes} bytes`); } }));
  app.openapi(
    createRoute({
      method: "post",
      path: "/exemplars/import",
      summary: "Import JSONL ({text, tier, note?} per line) atomically; re-importing is idempotent",
      security,
      request: { query: forceQuery, body: { required: true, content: { "application/x-ndjson": { schema: z.string() } } } },
      responses: { 200: json(z.object({ lines: z.number(), created: z.number(), moved: z.number(), unchanged: z.number(), revision: z.number() }), "Imported"), ...errors },
    }),
    async (c) => {
      let inputs;
      try {
        inputs = parseExemplarJsonl(await c.req.text(), "body", options.tiers);
      } catch (err) {
        if (err instanceof ExemplarFileError) throw new ApiError(400, "invalid_jsonl", err.message.replace(/^body:/, "line "));
        throw err;
      }
      if (inputs.length === 0) throw new ApiError(400, "invalid_jsonl", "the body has no exemplar lines");
      if (inputs.length > options.maxImportLines) {
        throw new ApiError(413, "payload_too_large", `an import takes at most ${options.maxImportLines} lines (got ${inputs.length}); split the file, or use the CLI, which sends chunks`);
      }
      const result = await curator.create(inputs, { force: isTrue(c.req.valid("query").force), actor: actor(c) });
      const count = (s: string) => result.exemplars.filter((e) => e.status === s).length;
      return c.json({ lines: inputs.length, created: count("created"), moved: count("moved"), unchanged: count("unchanged"), revision: result.revision }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/exemplars/{id}", summary: "One exemplar", security, request: { params: idParams }, responses: { 200: json(exemplarSchema, "The exemplar"), ...errors } }),
    async (c) => c.json(serialize(await curator.get(Number(c.req.valid("param").id))), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/exemplars/{id}",
      summary: "Change text, tier and/or note",
      security,
      request: {
        params: idParams,
        query: forceQuery,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({ text: exemplarInput.shape.text.optional(), tier: z.string().min(1).optional(), note: z.string().max(1000).nullable().optional() })
                .refine((p) => p.text !== undefined || p.tier !== undefined || p.note !== undefined, "give text, tier or note"),
            },
          },
        },
      },
      responses: { 200: json(z.object({ exemplar: exemplarSchema, revision: z.number().int() }), "Updated"), ...errors },
    }),
    async (c) => {
      const result = await curator.update(Number(c.req.valid("param").id), c.req.valid("json"), { force: isTrue(c.req.valid("query").force), actor: actor(c) });
      return c.json({ exemplar: serialize(result.exemplar), revision: result.revision }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "delete", path: "/exemplars/{id}", summary: "Remove an exemplar", security, request: { params: idParams }, responses: { 200: json(z.object({ exemplar: exemplarSchema, revision: z.number().int() }), "Deleted"), ...errors } }),
    async (c) => {
      const result = await curator.remove(Number(c.req.valid("param").id), { actor: actor(c) });
      return c.json({ exemplar: serialize(result.exemplar), revision: result.revision }, 200);
    },
  );

  return app;
}

function serialize(e: Exemplar) {
  return { id: e.id, text: e.text, tier: e.tier, note: e.note, source: e.source, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() };
}

function serializeWrite(result: { exemplars: Array<Exemplar & { status: CreateStatus }>; revision: number }) {
  return { exemplars: result.exemplars.map((e) => ({ ...serialize(e), status: e.status })), revision: result.revision };
}
