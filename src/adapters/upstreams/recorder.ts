/** What an attempt was for: the caller's answer, a cascade's check, or a complexity rating. */
export type AttemptKind = "answer" | "verify" | "rate";

/** Every way an attempt can end, upstream by upstream. */
export type AttemptOutcome =
  | "ok"
  | "refused"
  | "connect_error"
  | "timeout"
  | "rate_limited"
  | "server_error"
  | "empty_response"
  /** The answer passed gateway.maxAnswerBytes (or a stream maxStreamBytes). */
  | "too_large"
  | "stream_interrupted"
  | "cancelled"
  /** Not sent: the upstream's circuit was open or a Retry-After held it back. */
  | "skipped";

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One attempt at one upstream, final (a stream's when it ended). */
export interface AttemptRecord {
  decisionId: string;
  at: Date;
  kind: AttemptKind;
  tier: string;
  upstream: string;
  model: string;
  outcome: AttemptOutcome;
  status: number | null;
  /** To the first byte for a stream, else to the whole answer; 0 when skipped. */
  ms: number;
  /** This attempt's answer went to the caller. */
  served: boolean;
  /** A cascade's verification score of this answer (0..1). */
  score: number | null;
  usage: TokenUsage | null;
  costUsd: number | null;
}

/** How a gateway request ended for its caller. */
export type ExchangeOutcome = "ok" | "refused" | "failed" | "cancelled" | "interrupted";

/** One gateway request, final. */
export interface ExchangeRecord {
  decisionId: string;
  at: Date;
  caller: string;
  /** routed: a profile; tier: a tier named as the model; model: a concrete upstream model passed through. */
  mode: "routed" | "tier" | "model";
  profile: string | null;
  /** The tier the decision (or the caller) chose. */
  tier: string;
  reason: string;
  servedTier: string | null;
  servedUpstream: string | null;
  stream: boolean;
  outcome: ExchangeOutcome;
  status: number;
  attempts: number;
  /** Served by another upstream than the first one tried. */
  fallback: boolean;
  cascade: "accepted" | "escalated" | null;
  /** The served answer's usage (null when the upstream sent none). */
  usage: TokenUsage | null;
  /** Spend of this request's answer and verification attempts. */
  costUsd: number | null;
  /** The served answer's tokens at the most expensive tier's price: what "everything on premium" would have cost. */
  counterfactualUsd: number | null;
}

/**
 * Where the gateway reports attempts and usage, keyed by decision id: the
 * attempt log written behind and the metrics today; the decision log when
 * it lands. Called on the request path, so implementations only buffer.
 */
export interface GatewayRecorder {
  attempt(record: AttemptRecord): void;
  exchange(record: ExchangeRecord): void;
}

/** One recorder that reports to several. */
export function fanOut(...recorders: GatewayRecorder[]): GatewayRecorder {
  return {
    attempt: (r) => recorders.forEach((x) => x.attempt(r)),
    exchange: (r) => recorders.forEach((x) => x.exchange(r)),
  };
}

/** USD for this many tokens at a price per 1M tokens. */
export function costOf(usage: TokenUsage | null, pricePer1MTokens: number): number | null {
  return usage === null ? null : ((usage.promptTokens + usage.completionTokens) * pricePer1MTokens) / 1_000_000;
}

/**
 * More tokens than one answer can read or write (the largest context windows
 * offered are about 10 million). An upstream reporting more is broken or
 * hostile: its usage is treated as absent, so it never moves spend.
 */
export const MAX_PLAUSIBLE_TOKENS = 10_000_000;

/** An OpenAI `usage` object as token counts; null when absent, malformed or beyond MAX_PLAUSIBLE_TOKENS. */
export function usageOf(value: unknown): TokenUsage | null {
  const u = (value as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  if (u === null || typeof u !== "object") return null;
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n >= 0 && n <= MAX_PLAUSIBLE_TOKENS ? Math.round(n) : null);
  const promptTokens = count(u.prompt_tokens);
  const completionTokens = count(u.completion_tokens);
  return promptTokens === null || completionTokens === null ? null : { promptTokens, completionTokens };
}
