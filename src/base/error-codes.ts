/**
 * Every error code the API answers with, and its one HTTP status. The codes
 * are stable API: clients branch on them, the OpenAPI document lists them.
 */
export const errorStatus = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_jsonl: 400,
  empty_query: 400,
  no_user_message: 400,
  unknown_tier: 400,
  invalid_limit: 400,
  unknown_profile: 400,
  invalid_rules: 400,
  unauthorized: 401,
  auth_not_configured: 401,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  exemplar_not_found: 404,
  decision_not_found: 404,
  review_item_not_found: 404,
  exemplar_conflict: 409,
  concurrent_write: 409,
  feedback_conflict: 409,
  review_item_closed: 409,
  idempotency_key_reused: 422,
  budget_too_small: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream_rate_limited: 429,
  internal_error: 500,
  upstream_unavailable: 502,
  upstream_unauthorized: 502,
  not_ready: 503,
  database_unavailable: 503,
  outcome_unknown: 503,
  deadline_exceeded: 503,
  overloaded: 503,
  gateway_not_configured: 503,
  upstream_timeout: 504,
} as const satisfies Record<string, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504>;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];
