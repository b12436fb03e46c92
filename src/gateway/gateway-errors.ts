import { DomainError } from "../base/errors.js";
import type { AttemptNote } from "../adapters/upstreams/chain.js";

/** `model` names no profile, tier or upstream model. */
export class ModelNotFoundError extends DomainError {
  override name = "ModelNotFoundError";
  readonly code = "model_not_found" as const;
}

/** The request cannot be forwarded as sent (e.g. its JSON nests deeper than gateway.maxJsonDepth). */
export class GatewayRequestError extends DomainError {
  override name = "GatewayRequestError";
  readonly code = "invalid_request" as const;
}

export type GatewayErrorCode = "gateway_not_configured" | "upstream_unavailable" | "upstream_rate_limited" | "upstream_timeout" | "upstream_unauthorized";

/**
 * The gateway could not get an answer. Carries what the caller may see: the
 * attempt trail (upstream ids and outcomes, never URLs or keys), when to
 * retry, and the x-tierline-* headers of the decision.
 */
export class GatewayError extends DomainError {
  override name = "GatewayError";
  override readonly details: { attempts: readonly AttemptNote[] } | undefined;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    override readonly headers: Record<string, string> = {},
    readonly attempts: readonly AttemptNote[] = [],
    override readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.details = attempts.length > 0 ? { attempts } : undefined;
  }
}
