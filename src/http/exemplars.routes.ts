import { createRoute, z } from "@hono/zod-openapi";
import { MAX_EXEMPLAR_NOTE, MAX_EXEMPLAR_TEXT } from "../stores/exemplars/exemplar.js";
import { errorSchema, textField } from "./schemas.js";

/** Request and response schemas and the OpenAPI route definitions of the curator API. */

export const exemplarInput = z
  .object({
    text: textField(MAX_EXEMPLAR_TEXT).refine((t) => t.trim() !== "", "text must not be blank"),
    tier: textField(64).pipe(z.string().min(1)),
    note: textField(MAX_EXEMPLAR_NOTE).optional(),
  })
  .openapi("ExemplarInput");

export const exemplarSchema = z
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
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, "must be a positive integer")
    .openapi({ param: { name: "id", in: "path" } }),
});
const errors = Object.fromEntries(
  (
    [
      [400, "Invalid request"],
      [401, "Missing or invalid token"],
      [403, "A token of another role (this needs admin)"],
      [404, "No such exemplar"],
      [409, "Conflicts with an exemplar of another tier"],
      [503, "Index not built yet"],
    ] as const
  ).map(([status, description]) => [status, { description, content: { "application/json": { schema: errorSchema } } }]),
);
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];
export const writeResult = z.object({ exemplars: z.array(exemplarSchema.extend({ status: z.enum(["created", "unchanged", "moved"]) })), revision: z.number().int() });
export const changed = z.object({ exemplar: exemplarSchema, revision: z.number().int() });
export const exemplarPage = z.object({ exemplars: z.array(exemplarSchema), nextCursor: z.string().nullable() });
export const importResult = z.object({ lines: z.number(), created: z.number(), moved: z.number(), unchanged: z.number(), revision: z.number() });
export const exemplarPatch = z
  .object({ text: exemplarInput.shape.text.optional(), tier: exemplarInput.shape.tier.optional(), note: textField(MAX_EXEMPLAR_NOTE).nullable().optional() })
  .refine((p) => p.text !== undefined || p.tier !== undefined || p.note !== undefined, "give text, tier or note");

export function exemplarRoutes(maxBatch: number) {
  return {
    create: createRoute({
      method: "post",
      path: "/exemplars",
      operationId: "createExemplars",
      tags: ["exemplars"],
      summary: "Add one exemplar or a batch; idempotent for exact duplicates in the same tier",
      security,
      request: {
        query: forceQuery,
        body: { required: true, content: { "application/json": { schema: z.union([exemplarInput, z.object({ exemplars: z.array(exemplarInput).min(1).max(maxBatch) })]) } } },
      },
      responses: { 201: json(writeResult, "Created (some rows may be unchanged)"), 200: json(writeResult, "Nothing changed"), ...errors },
    }),
    list: createRoute({
      method: "get",
      path: "/exemplars",
      operationId: "listExemplars",
      tags: ["exemplars"],
      summary: "List exemplars (cursor pagination, optional tier and text filter)",
      security,
      request: {
        query: z.object({
          tier: textField(64).optional(),
          q: textField(200).optional().openapi({ description: "Case-insensitive substring of the text" }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,40}$/)
            .optional(),
        }),
      },
      responses: { 200: json(exemplarPage, "A page of exemplars"), ...errors },
    }),
    export: createRoute({
      method: "get",
      path: "/exemplars/export",
      operationId: "exportExemplars",
      tags: ["exemplars"],
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
    import: createRoute({
      method: "post",
      path: "/exemplars/import",
      operationId: "importExemplars",
      tags: ["exemplars"],
      summary: "Import JSONL ({text, tier, note?} per line) atomically; re-importing is idempotent",
      security,
      request: { query: forceQuery, body: { required: true, content: { "application/x-ndjson": { schema: z.string() } } } },
      responses: { 200: json(importResult, "Imported"), ...errors },
    }),
    get: createRoute({
      method: "get",
      path: "/exemplars/{id}",
      operationId: "getExemplar",
      tags: ["exemplars"],
      summary: "One exemplar",
      security,
      request: { params: idParams },
      responses: { 200: json(exemplarSchema, "The exemplar"), ...errors },
    }),
    update: createRoute({
      method: "patch",
      path: "/exemplars/{id}",
      operationId: "updateExemplar",
      tags: ["exemplars"],
      summary: "Change text, tier and/or note",
      security,
      request: {
        params: idParams,
        query: forceQuery,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: exemplarPatch,
            },
          },
        },
      },
      responses: { 200: json(changed, "Updated"), ...errors },
    }),
    remove: createRoute({
      method: "delete",
      path: "/exemplars/{id}",
      operationId: "deleteExemplar",
      tags: ["exemplars"],
      summary: "Remove an exemplar",
      security,
      request: { params: idParams },
      responses: { 200: json(changed, "Deleted"), ...errors },
    }),
  };
}
