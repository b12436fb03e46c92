import { z } from "zod";
import { ruleSchema } from "../policy/rule-set.js";
import { cascadeSchema } from "./gateway-schema.js";

/** Sections of the configuration, each with its defaults; config-schema.ts assembles them. */

export const sessionSchema = z
  .object({
    /** none: each query on its own; no-downgrade: within the TTL a session never drops below the highest tier it used. */
    policy: z.enum(["none", "no-downgrade"]).default("none"),
    /** Seconds since a session's last request after which it starts afresh. */
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(1800),
  })
  .strict();

/** How session floors are kept (the policy itself is `session`, per profile): memory, reads and writes, all bounded. */
export const sessionsSection = z
  .object({
    /** How long a request waits for the database to learn a session this replica has not seen (then: no floor). */
    readTimeoutMs: z.number().int().min(1).max(5000).default(100),
    /** A session held in memory is re-read after this, so a raise on another replica is seen. */
    refreshMs: z.number().int().min(0).default(5000),
    /** Sessions held in memory (least recently used beyond it are forgotten here, not in the database). */
    memoryEntries: z.number().int().min(0).default(100_000),
    /** Floors waiting to be written; beyond it the oldest are dropped and counted (the database too slow or away). */
    queueLimit: z.number().int().min(1).default(50_000),
    /** How often waiting floors are written, in one statement per 500: another replica sees a raise after at most this. */
    flushIntervalMs: z.number().int().min(10).default(100),
    /** Sessions waiting for one batched read; beyond it a new session is not looked up (no floor, counted). */
    maxPendingReads: z.number().int().min(1).default(10_000),
  })
  .strict()
  .prefault({});

/** A named routing setup chosen per request (`profile`) or by the caller's token label. */
export const profileSchema = z
  .object({
    /** The tiers this profile answers with (a subset of `tiers`, in the same order); default all. */
    tiers: z.array(z.string()).min(1).optional(),
    routing: z
      .object({ k: z.number().int().min(1).max(100), margin: z.number().min(0).max(1), minSimilarity: z.number().min(-1).max(1) })
      .partial()
      .strict()
      .optional(),
    /** Rules of this profile, evaluated before the service-wide ones. */
    rules: z.array(ruleSchema).default([]),
    session: sessionSchema.partial().strict().optional(),
    /** Token labels (route tokens) whose requests use this profile unless they name another. */
    tokens: z.array(z.string().min(1)).default([]),
    /** The gateway's cascade for this profile's ambiguous middle (opt-in, docs/gateway.md); not inherited from gateway.cascade. */
    cascade: cascadeSchema.optional(),
  })
  .strict();

export const embeddingSection = z
  .object({
    /** use-onnx: USE lite converted to ONNX (default); use-lite: the same model on TF.js; transformers: any transformers.js model. */
    provider: z.enum(["use-onnx", "use-lite", "transformers"]).default("use-onnx"),
    /** use-onnx only: "int8" is ~2x faster but not within the 0.999 equivalence tolerance (docs/decisions.md). */
    onnxVariant: z.enum(["fp32", "int8"]).default("fp32"),
    /** onnxruntime intra-op threads; default: the cores this process may use. */
    threads: z.number().int().min(1).max(64).optional(),
    /** Hub id or a label for a local transformers.js model. */
    model: z.string().default("Xenova/all-MiniLM-L6-v2"),
    modelPath: z.string().optional(),
    /** Micro-batching of concurrent route queries into one forward pass. */
    batching: z
      .object({
        enabled: z.boolean().default(true),
        /**
         * Most queries in one forward pass. 8, not 32: on this model a pass of 8 already reaches the model's
         * batch throughput (4 to 32 within 3 %), and onnxruntime's arena grows with the largest pass, so 32
         * cost about 57 MB more peak RSS under cache-miss load at concurrency 64 for the same req/s (issue 22).
         */
        maxBatch: z.number().int().min(1).max(256).default(8),
        maxWaitMs: z.number().min(0).max(50).default(0),
      })
      .strict()
      .prefault({}),
    /** Texts per forward pass of bulk work (imports, catch-ups): a routed query waits at most one such pass. */
    bulkSlice: z.number().int().min(1).max(256).default(4),
    /**
     * Work per forward pass of POST /route/batch items, in characters (each text counted up to what the model
     * reads, a short one as 64): a routed query waits at most one such pass, a few long items or dozens of short ones.
     */
    batchSliceChars: z.number().int().min(64).max(1_000_000).default(8192),
    /**
     * Batch work waiting for the model, in estimated model time, beyond which a
     * new batch is refused (503 overloaded, Retry-After) instead of queued to
     * be answered past the request deadline. Keep it well under http.requestTimeoutMs.
     */
    maxBatchQueueMs: z.number().int().min(0).max(600_000).default(8_000),
  })
  .strict()
  .prefault({});

export const httpSection = z
  .object({
    /** Largest POST /route body, bytes: the model reads 2,048 characters, so a big body is only cost. */
    maxRouteBodyBytes: z.number().int().min(1024).default(1_000_000),
    /** Every request is answered within this (503 deadline_exceeded), whatever it waits on. */
    requestTimeoutMs: z.number().int().min(100).default(15_000),
    /** A client that has not sent its headers by then is disconnected (slow-header attacks). */
    headersTimeoutMs: z.number().int().min(100).default(10_000),
    /** A client must have sent its whole request (headers and body) by then. */
    bodyTimeoutMs: z.number().int().min(100).default(120_000),
    /** Idle keep-alive connections are closed after this. */
    keepAliveTimeoutMs: z.number().int().min(100).default(5_000),
    /** Origins allowed to call the API from a browser (CORS); empty: no CORS headers. */
    corsOrigins: z.array(z.string().min(1)).default([]),
    /**
     * Proxies in front of the service that append to X-Forwarded-For: the
     * client address is the entry the outermost of them added (true: one).
     * Entries further left are whatever the client sent, and never used.
     */
    trustProxy: z
      .union([z.boolean(), z.number().int().min(1).max(10)])
      .default(false)
      .transform((v) => (v === true ? 1 : v === false ? 0 : v)),
  })
  .strict()
  .prefault({});

export const databaseSection = z
  .object({
    /** A database operation of a request gives up after this (503); the write is rolled back if it has not committed. */
    operationTimeoutMs: z.number().int().min(100).default(1_500),
    /** Server-side statement_timeout for every connection (PostgreSQL). */
    statementTimeoutMs: z.number().int().min(100).default(5_000),
    /** Server-side idle_in_transaction_session_timeout (PostgreSQL): a client that stalls mid-transaction releases its locks. */
    idleInTransactionTimeoutMs: z.number().int().min(100).default(10_000),
    connectTimeoutSeconds: z.number().int().min(1).default(2),
    /** After a timeout or a lost connection, database-backed requests answer 503 at once for this long instead of queueing. */
    cooldownMs: z.number().int().min(0).default(1_000),
    maxConnections: z.number().int().min(1).max(200).default(10),
  })
  .strict()
  .prefault({});

export const shutdownSection = z
  .object({
    /** After SIGTERM: readiness says draining and responses carry Connection: close for this long, so load balancers move away. */
    drainMs: z.number().int().min(0).default(5_000),
    /** After the drain, in-flight requests get this long before connections are cut; keep drain + this under the orchestrator's grace period (30 s in Kubernetes). */
    timeoutMs: z.number().int().min(0).default(15_000),
  })
  .strict()
  .prefault({});

export const rateLimitSection = z
  .object({
    /** Curator writes per token per minute (429 with Retry-After beyond it). */
    writesPerMinute: z.number().int().min(1).default(600),
    /** Failed authentications per client address per minute before that address gets 429s. */
    authFailuresPerMinute: z.number().int().min(1).default(30),
  })
  .strict()
  .prefault({});
