import type { ErrorCode } from "./api-types.js";

/** The service answered with an error: its status, stable `code`, message, request id and details. */
export class TierlineError extends Error {
  override name = "TierlineError";
  constructor(
    readonly status: number,
    /** One of the API's error codes, or `unexpected_response` when the body was not the API's envelope (a proxy's page). */
    readonly code: ErrorCode | "unexpected_response",
    message: string,
    readonly url: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** No answer at all: the connection failed, or no response came within the timeout. The message names the URL. */
export class TierlineConnectionError extends Error {
  override name = "TierlineConnectionError";
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`could not reach ${url}: ${reason}`, options);
  }
}

/** Why fetch failed, in words: undici hides the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function reasonOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: unknown };
  if (e?.name === "TimeoutError") return e.message ?? "timed out";
  const cause = e?.cause as { code?: string; message?: string; errors?: Array<{ message?: string }> } | undefined;
  if (cause) {
    if (cause.message) return cause.message;
    const first = cause.errors?.find((x) => x.message)?.message;
    if (first) return first;
    if (cause.code) return cause.code;
  }
  return e?.message ?? String(err);
}

/** The API's error envelope as a TierlineError; anything else (an HTML 502 from a proxy) as `unexpected_response`. */
export async function errorFromResponse(res: Response, url: string): Promise<TierlineError> {
  const text = await res.text().catch(() => "");
  try {
    const { error } = JSON.parse(text) as { error: { code: ErrorCode; message: string; requestId?: string; details?: unknown } };
    if (typeof error?.code === "string" && typeof error.message === "string") return new TierlineError(res.status, error.code, error.message, url, error.requestId, error.details);
  } catch {
    // not JSON: fall through
  }
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return new TierlineError(res.status, "unexpected_response", `${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ""}`, url);
}
