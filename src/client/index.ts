/**
 * tierline/client: a typed client of the tierline HTTP API (fetch-based, no
 * runtime dependencies). Types are inferred from the service's own schemas.
 */
export { createClient, TierlineClient } from "./client.js";
export type { ClientOptions, RequestOptions } from "./core.js";
export { TierlineConnectionError, TierlineError } from "./errors.js";
export type * from "./types.js";
