/**
 * @tierline/client: a typed client of the tierline HTTP API (fetch-based, no
 * runtime dependencies). Its types are generated from the service's schemas.
 */
export { createClient, TierlineClient } from "./client.js";
export type { ClientOptions, RequestOptions } from "./core.js";
export { TierlineConnectionError, TierlineError } from "./errors.js";
export type * from "./types.js";
