import { z } from "zod";

/**
 * The gateway's part of the configuration (docs/gateway.md): the upstream
 * models of each tier, and how the gateway falls back, cascades and rates.
 * Keys are never in the config: an upstream names the environment variable
 * that holds its key (`apiKeyEnv`), resolved at start by load-config.ts.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "an environment variable name (letters, digits, _)");

export const upstreamSchema = z
  .object({
    /** OpenAI-compatible API root; the request goes to baseUrl + "/chat/completions". */
    baseUrl: z
      .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
      .refine((u) => new URL(u).username === "" && new URL(u).password === "", "no credentials in the URL: put the key in the variable apiKeyEnv names"),
    /** The model name sent upstream (replaces the caller's `model`). */
    model: z.string().min(1).max(200),
    /** Environment variable holding the API key, sent as a bearer token; none for local servers (vLLM, Ollama). */
    apiKeyEnv: envName.optional(),
    /** Time to the first byte of a streamed answer, or to the whole answer otherwise. */
    timeoutMs: z.number().int().min(50).max(600_000).default(60_000),
    /** Id in logs, metrics and the decision log; default "<tier>/<index>". Never the key or the URL. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, "letters, digits and . _ : / -")
      .optional(),
    /** USD per 1M tokens for this upstream when it differs from its tier's price (a fallback on another provider). */
    pricePer1MTokens: z.number().nonnegative().optional(),
  })
  .strict();

export const cascadeSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The cascade applies to decisions whose vote margin lies in [minMargin, maxMargin); maxMargin defaults to the profile's routing.margin. */
    minMargin: z.number().min(0).max(1).default(0),
    maxMargin: z.number().min(0).max(1).optional(),
    /** A built-in verifier ("self-rating") or one passed to buildDeps. */
    verifier: z.string().min(1).default("self-rating"),
    /** The check passes at this score (0..1) or above. */
    threshold: z.number().min(0).max(1).default(0.8),
    /** A verifier that has not answered by then fails the check (the answer escalates). */
    verifierTimeoutMs: z.number().int().min(50).max(120_000).default(10_000),
  })
  .strict();

export const gatewaySchema = z
  .object({
    /** Largest POST /v1/chat/completions body, bytes (the whole conversation is forwarded). */
    maxBodyBytes: z.number().int().min(1024).default(4_000_000),
    /** All attempts of one request together must reach a first byte within this. */
    requestTimeoutMs: z.number().int().min(100).default(120_000),
    /** A stream that sends nothing for this long after its first byte is cut. */
    streamIdleTimeoutMs: z.number().int().min(100).default(60_000),
    /** Largest non-streamed upstream answer, bytes: a larger one fails its attempt (too_large) and the next upstream is tried. */
    maxAnswerBytes: z.number().int().min(1024).default(16_000_000),
    /** Largest streamed answer, bytes: past it the stream is cut (the caller sees a broken stream, never a clean end). */
    maxStreamBytes: z.number().int().min(1024).default(64_000_000),
    /** Longest a stream may last from its request, whatever keeps arriving (streamIdleTimeoutMs bounds the silences in it). */
    maxStreamMs: z.number().int().min(100).default(600_000),
    /** Deepest JSON nesting of a chat request (it is re-serialised for each upstream); deeper is a 400. */
    maxJsonDepth: z.number().int().min(8).max(1_000).default(64),
    /** Ask upstreams for the usage chunk of a stream (stream_options.include_usage), so streamed spend is counted. */
    streamUsage: z.boolean().default(true),
    /** When every upstream of a chain is rate-limited, wait at most this long for the soonest Retry-After before answering 429. */
    maxRetryAfterWaitMs: z.number().int().min(0).default(2_000),
    breaker: z
      .object({
        /** Consecutive failures (connect error, timeout, 429, 5xx) that open an upstream's circuit. */
        failureThreshold: z.number().int().min(1).default(3),
        /** How long an open circuit keeps traffic away before a half-open probe. */
        cooldownMs: z.number().int().min(10).default(30_000),
        /** Requests let through at once while half-open. */
        halfOpenProbes: z.number().int().min(1).default(1),
      })
      .prefault({}),
    /** The default profile's cascade for the ambiguous middle (opt-in; a named profile sets its own: profiles.<name>.cascade). */
    cascade: cascadeSchema.optional(),
    /** LLM-rated complexity for decisions the vote could not settle (opt-in). */
    complexityRating: z
      .object({
        enabled: z.boolean().default(false),
        /** The tier whose model rates; default the cheapest. */
        tier: z.string().optional(),
        /** A rating not back by then leaves the fallback (premium) decision in place. */
        timeoutMs: z.number().int().min(50).max(30_000).default(1_500),
        /** The tier for ratings 1..5; default spreads the tiers cheapest first (three tiers: 1-2, 3, 4-5). */
        tierByRating: z.array(z.string()).length(5).optional(),
      })
      .prefault({}),
    /** The attempt log written behind (gateway_exchanges, gateway_attempts). */
    log: z
      .object({
        flushIntervalMs: z.number().int().min(10).default(1_000),
        /** Rows held while the database is away; beyond it the oldest are dropped and counted. */
        maxPendingRows: z.number().int().min(1).default(50_000),
      })
      .prefault({}),
  })
  .strict();

export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type CascadeConfig = z.infer<typeof cascadeSchema>;

/** `model: "tierline"` routes with the caller's profile (its token's, else "default"), as POST /route does. */
export const GATEWAY_MODEL = "tierline";

interface TierLike {
  name: string;
  upstreams?: readonly { model: string }[];
  fallbackTiers?: readonly string[];
}

/** Cross-field checks of the gateway config against the tiers (called from the config's superRefine). */
export function gatewayIssues(tiers: readonly TierLike[], gateway: GatewayConfig): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  const names = tiers.map((t) => t.name);
  const upstreamsOf = (name: string) => tiers.find((x) => x.name === name)?.upstreams?.length ?? 0;
  const withUpstreams = tiers.filter((t) => upstreamsOf(t.name) > 0);
  tiers.forEach((t, i) => {
    const fallbacks = t.fallbackTiers ?? [];
    fallbacks.forEach((f, j) => {
      if (!names.includes(f)) issues.push({ path: ["tiers", i, "fallbackTiers", j], message: `must be one of the configured tiers (${names.join(", ")})` });
      else if (f === t.name) issues.push({ path: ["tiers", i, "fallbackTiers", j], message: "a tier cannot fall back to itself" });
    });
    const chain = upstreamsOf(t.name) + fallbacks.reduce((n, f) => n + upstreamsOf(f), 0);
    if (withUpstreams.length > 0 && chain === 0)
      issues.push({ path: ["tiers", i, "upstreams"], message: "other tiers have upstreams, so this one needs upstreams or fallbackTiers with upstreams" });
  });
  const rating = gateway.complexityRating;
  if (rating.tier !== undefined && !names.includes(rating.tier))
    issues.push({ path: ["gateway", "complexityRating", "tier"], message: `must be one of the configured tiers (${names.join(", ")})` });
  rating.tierByRating?.forEach((t, i) => {
    if (!names.includes(t)) issues.push({ path: ["gateway", "complexityRating", "tierByRating", i], message: `must be one of the configured tiers (${names.join(", ")})` });
  });
  const rater = tiers.find((t) => t.name === (rating.tier ?? names[0]));
  if (rating.enabled && (rater?.upstreams?.length ?? 0) === 0)
    issues.push({ path: ["gateway", "complexityRating", "enabled"], message: `the rating tier (${rater?.name}) has no upstreams` });
  return issues;
}
