import { errorFromResponse, reasonOf, TierlineConnectionError, TierlineError } from "./errors.js";
import type {
  BatchItem,
  CacheStats,
  Exemplar,
  ExemplarChange,
  ExemplarInput,
  ExemplarPage,
  ExemplarPatch,
  ExemplarWriteResult,
  ImportResult,
  LabelledRuleTestResult,
  ListExemplarsQuery,
  Readiness,
  RouteDecision,
  RouteRequest,
  RoutingStats,
  Rule,
  RulesInForce,
  RuleTestResult,
  StatsSeries,
  StatsWindow,
  WriteOptions,
} from "./types.js";
import type { ChatCompletion, ChatCompletionRequest, GatewayStats, ModelList } from "./types.js";

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

type Query = Record<string, string | number | boolean | Date | undefined>;
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

/**
 * A small typed client of the tierline HTTP API: one method per operation of
 * GET /openapi.json, named by its operationId. Errors are thrown, never
 * returned: TierlineError when the service answered with its error envelope
 * (`code`, `status`, `requestId`, `details`), TierlineConnectionError
 * ("could not reach <url>: <reason>") when it did not answer.
 *
 * @example
 * const tierline = createClient({ baseUrl: "http://127.0.0.1:8787" });
 * const { tier, model } = await tierline.route({ query: "What is the capital of France?" });
 */
export class TierlineClient {
  readonly baseUrl: string;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions = {}) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  }

  // Routing

  route(request: RouteRequest, options: { explain?: boolean; sessionId?: string } = {}): Promise<RouteDecision> {
    const body = options.explain === undefined ? request : { ...request, explain: options.explain };
    return this.json("POST", "/route", { json: body, headers: session(options.sessionId) });
  }

  async routeBatch(queries: RouteRequest[], options: { sessionId?: string } = {}): Promise<BatchItem[]> {
    const { results } = await this.json<{ results: BatchItem[] }>("POST", "/route/batch", { json: { queries }, headers: session(options.sessionId) });
    return results;
  }

  // Operations

  liveness(): Promise<{ status: "ok" }> {
    return this.json("GET", "/healthz");
  }

  /** The readiness report, also while starting or draining (a 503 is an answer here, not an error). */
  readiness(): Promise<Readiness> {
    return this.json("GET", "/readyz", { accept: [503] });
  }

  async metrics(): Promise<string> {
    return (await this.request("GET", "/metrics")).text();
  }

  // Exemplars (admin token)

  createExemplars(input: ExemplarInput | ExemplarInput[], options: WriteOptions = {}): Promise<ExemplarWriteResult> {
    return this.json("POST", "/exemplars", { json: Array.isArray(input) ? { exemplars: input } : input, ...write(options) });
  }

  listExemplars(query: ListExemplarsQuery = {}): Promise<ExemplarPage> {
    return this.json("GET", "/exemplars", { query: { ...query } });
  }

  /** Every exemplar, page by page. */
  async *allExemplars(query: Omit<ListExemplarsQuery, "cursor"> = {}): AsyncGenerator<Exemplar> {
    let cursor: string | undefined;
    do {
      const page = await this.listExemplars({ limit: 500, ...query, cursor });
      yield* page.exemplars;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every exemplar as JSONL; throws when the stream ends before the count the service announced. */
  async exportExemplars(): Promise<string> {
    const res = await this.request("GET", "/exemplars/export", { timeout: false });
    const text = await res.text();
    const expected = Number(res.headers.get("x-exemplar-count"));
    const lines = text.split("\n").filter((l) => l !== "").length;
    if (res.headers.has("x-exemplar-count") && lines !== expected) {
      throw new TierlineError(res.status, "unexpected_response", `export incomplete: expected ${expected} lines, received ${lines}`, res.url || `${this.baseUrl}/exemplars/export`);
    }
    return text;
  }

  /** JSONL, one {"text","tier","note"?} per line, applied atomically (at most 10,000 lines a call). */
  importExemplars(jsonl: string, options: WriteOptions = {}): Promise<ImportResult> {
    const { query, headers } = write(options);
    return this.json("POST", "/exemplars/import", { body: jsonl, query, headers: { "content-type": "application/x-ndjson", ...headers }, timeout: false });
  }

  getExemplar(id: number): Promise<Exemplar> {
    return this.json("GET", `/exemplars/${id}`);
  }

  updateExemplar(id: number, patch: ExemplarPatch, options: WriteOptions = {}): Promise<ExemplarChange> {
    return this.json("PATCH", `/exemplars/${id}`, { json: patch, ...write(options) });
  }

  deleteExemplar(id: number, options: Omit<WriteOptions, "force"> = {}): Promise<ExemplarChange> {
    return this.json("DELETE", `/exemplars/${id}`, { headers: write(options).headers });
  }

  // Statistics (analyst or admin token)

  getCacheStats(query: StatsWindow & { tier?: string } = {}): Promise<CacheStats> {
    return this.json("GET", "/stats/cache", { query: { ...query } });
  }

  getRoutingStats(query: StatsWindow & { profile?: string } = {}): Promise<RoutingStats> {
    return this.json("GET", "/stats/routing", { query: { ...query } });
  }

  getStatsSeries(query: StatsWindow & { bucket?: "hour" | "day" } = {}): Promise<StatsSeries> {
    return this.json("GET", "/stats/series", { query: { ...query } });
  }

  // Gateway (route token; its statistics: analyst)

  /** OpenAI's chat completions through the gateway, not streamed (for a stream, `request` it and read the body). */
  createChatCompletion(body: ChatCompletionRequest, options: { sessionId?: string } = {}): Promise<ChatCompletion> {
    return this.json("POST", "/v1/chat/completions", { json: body, headers: session(options.sessionId), timeout: false });
  }
  listModels(): Promise<ModelList> { return this.json("GET", "/v1/models"); }
  getGatewayStats(query: StatsWindow = {}): Promise<GatewayStats> { return this.json("GET", "/stats/gateway", { query: { ...query } }); }

  // Rules (admin token)

  getRules(): Promise<RulesInForce> {
    return this.json("GET", "/rules");
  }

  replaceRules(rules: Rule[], options: Omit<WriteOptions, "force"> = {}): Promise<{ rules: Rule[]; revision: number }> {
    return this.json("PUT", "/rules", { json: { rules }, headers: write(options).headers });
  }

  /** Tries a draft (or, without `rules`, the rules in force) on one /route body or on labelled JSONL, without applying it. */
  testRules(body: { rules?: Rule[]; request: RouteRequest }): Promise<RuleTestResult>;
  testRules(body: { rules?: Rule[]; labelled: string }): Promise<LabelledRuleTestResult>;
  testRules(body: { rules?: Rule[]; request?: RouteRequest; labelled?: string }): Promise<RuleTestResult | LabelledRuleTestResult> {
    return this.json("POST", "/rules/test", { json: body });
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

  private async json<T>(method: string, path: string, call: RequestOptions = {}): Promise<T> {
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

/** A client for the service at `options.baseUrl` (default http://127.0.0.1:8787). */
export function createClient(options: ClientOptions = {}): TierlineClient {
  return new TierlineClient(options);
}

const session = (sessionId: string | undefined): Record<string, string> => (sessionId === undefined ? {} : { "x-session-id": sessionId });

function write(options: WriteOptions): { query: Query; headers: Record<string, string> } {
  return { query: { force: options.force ? "true" : undefined }, headers: options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey } };
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}
