/**
 * tierline/client: a typed client of the tierline HTTP API (fetch-based, no
 * runtime dependencies). Types are inferred from the service's own schemas.
 */
export { createClient, TierlineClient, type ClientOptions, type RequestOptions } from "./client.js";
export { TierlineConnectionError, TierlineError } from "./errors.js";
export type * from "./types.js";
