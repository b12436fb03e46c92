import { z } from "zod";
import { ruleSchema } from "../policy/rules.js";
import { cascadeSchema } from "./gateway-schema.js";

/** Sections of the configuration, each with its defaults; config-schema.ts assembles them. */

export const sessionSchema = z.object({
  /** none: each query on its own; no-downgrade: within the TTL a session never drops below the highest tier it used. */
  policy: z.enum(["none", "no-downgrade"]).default("none"),
  /** Seconds since a session's last request after which it starts afresh. */
  ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(1800),
}).strict();

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
    /** The gateway's cascade for this profile's ambiguous middle (opt-in, README "Gateway"); not inherited from gateway.cascade. */
    cascade: cascadeSchema.optional(),
  })
  .strict();


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
