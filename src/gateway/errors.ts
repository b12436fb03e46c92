import type { AttemptNote } from "./chain.js";

/** `model` names no profile, tier or upstream model. */
export class ModelNotFoundError extends Error {
  override name = "ModelNotFoundError";
}

/** The request cannot be forwarded as sent (e.g. its JSON nests deeper than gateway.maxJsonDepth). */
export class GatewayRequestError extends Error {
  override name = "GatewayRequestError";
}

export type GatewayErrorCode = "gateway_not_configured" | "upstream_unavailable" | "upstream_rate_limited" | "upstream_timeout" | "upstream_unauthorized";

/**
 * The gateway could not get an answer. Carries what the caller may see: the
 * attempt trail (upstream ids and outcomes, never URLs or keys), when to
 * retry, and the x-tierline-* headers of the decision.
 */
export class GatewayError extends Error {
  override name = "GatewayError";

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly attempts: readonly AttemptNote[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
