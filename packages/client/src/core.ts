import { errorFromResponse, reasonOf, TierlineConnectionError, TierlineError } from "./errors.js";

export interface ClientOptions {
  /** Where the service listens; default http://127.0.0.1:8787. */
  baseUrl?: string;
  /** Bearer token sent with every request: a route token for /route (when configured), admin for exemplars and rules, analyst for /stats. */
  token?: string;
  /** Each request gives up after this (TierlineConnectionError); default 30 s. Imports and exports are bounded by the service instead. */
  timeoutMs?: number;
  /** A fetch to use instead of the global one: a test's `app.request`, or one with a proxy agent. */
  fetch?: (url: string, init: RequestInit) => Response | Promise<Response>;
  /** Extra headers on every request (X-Request-Id, tracing). */
  headers?: Record<string, string>;
}

export type Query = Record<string, string | number | boolean | Date | undefined>;
export interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** Statuses other than 2xx whose body is an answer, not an error (503 from /readyz). */
  accept?: number[];
  /** false: no client-side timeout (bulk transfers). */
  timeout?: boolean;
}

/** What every method of the client is built on: the base URL, token, headers, timeout and the error envelope. */
export class ClientCore {
  readonly baseUrl: string;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions = {}) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  }

  // Any request

  /**
   * One request to the service, with the base URL, token, headers and timeout
   * applied; resolves to the Response when its status is 2xx (or accepted).
   */
  async request(method: string, path: string, call: RequestOptions = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}${queryString(call.query)}`;
    const headers: Record<string, string> = { ...this.options.headers, ...call.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let body = call.body;
    if (call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers["content-type"] ??= "application/json";
    }
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const signal = call.timeout === false ? undefined : AbortSignal.timeout(timeoutMs);
    const doFetch = this.options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, { method, headers, body, signal });
    } catch (err) {
      const reason = (err as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : reasonOf(err);
      throw new TierlineConnectionError(url, reason, { cause: err });
    }
    if (!res.ok && !call.accept?.includes(res.status)) throw await errorFromResponse(res, url);
    return res;
  }

  protected async json<T>(method: string, path: string, call: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, call);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      // A 2xx (or accepted 503) that is not the API's JSON: something else answered on that address.
      throw new TierlineError(res.status, "unexpected_response", `expected JSON, got: ${text.replace(/\s+/g, " ").trim().slice(0, 200)}`, res.url || `${this.baseUrl}${path}`);
    }
  }
}

export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}
