import { ClientCore, type ClientOptions, type Query } from "./core.js";
import { TierlineError } from "./errors.js";
import type {
  BatchItem,
  CoverageGaps,
  DismissInput,
  Drift,
  FeedbackImportResult,
  FeedbackInput,
  FeedbackLabelsPage,
  FeedbackResult,
  FeedbackStats,
  LabelRequests,
  PromoteInput,
  PromoteResult,
  ReviewDetail,
  ReviewItem,
  ReviewPage,
  ShadowReport,
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
export class TierlineClient extends ClientCore {
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
  listModels(): Promise<ModelList> {
    return this.json("GET", "/v1/models");
  }
  getGatewayStats(query: StatsWindow = {}): Promise<GatewayStats> {
    return this.json("GET", "/stats/gateway", { query: { ...query } });
  }

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

  // Closing the loop: feedback (feedback token), its reports (analyst), the review queue (admin)

  submitFeedback(decisionId: string, input: FeedbackInput): Promise<FeedbackResult> {
    return this.json("POST", `/decisions/${encodeURIComponent(decisionId)}/feedback`, { json: input });
  }

  /** JSONL, one report per line naming a decisionId or the query text (at most 10,000 lines a call). */
  importFeedback(jsonl: string): Promise<FeedbackImportResult> {
    return this.json("POST", "/feedback/import", { body: jsonl, headers: { "content-type": "application/x-ndjson" }, timeout: false });
  }

  /** The logged decisions most worth a label (feedback token); default window the last 7 days. */
  getLabelRequests(query: StatsWindow & { limit?: number; scan?: number } = {}): Promise<LabelRequests> {
    return this.json("GET", "/feedback/requests", { query: { ...query } });
  }

  getFeedbackStats(query: StatsWindow = {}): Promise<FeedbackStats> {
    return this.json("GET", "/stats/feedback", { query: { ...query } });
  }

  getShadowReport(query: StatsWindow = {}): Promise<ShadowReport> {
    return this.json("GET", "/stats/shadow", { query: { ...query } });
  }

  getDrift(query: StatsWindow = {}): Promise<Drift> {
    return this.json("GET", "/stats/drift", { query: { ...query } });
  }

  getFeedbackLabels(query: StatsWindow & { cursor?: string; limit?: number; depth?: number } = {}): Promise<FeedbackLabelsPage> {
    return this.json("GET", "/stats/feedback/labels", { query: { ...query }, timeout: false });
  }

  listReviewItems(query: { status?: "open" | "promoted" | "dismissed"; limit?: number; cursor?: string } = {}): Promise<ReviewPage> {
    return this.json("GET", "/review", { query: { ...query } });
  }

  getCoverageGaps(query: StatsWindow & { threshold?: number; clusterSimilarity?: number; limit?: number } = {}): Promise<CoverageGaps> {
    return this.json("GET", "/review/gaps", { query: { ...query }, timeout: false });
  }

  getReviewItem(id: number): Promise<ReviewDetail> {
    return this.json("GET", `/review/${id}`);
  }

  promoteReviewItem(id: number, input: PromoteInput = {}, options: WriteOptions = {}): Promise<PromoteResult> {
    const { query, headers } = write(options);
    return this.json("POST", `/review/${id}/promote`, { json: input, query, headers });
  }

  dismissReviewItem(id: number, input: DismissInput = {}, options: Omit<WriteOptions, "force"> = {}): Promise<{ item: ReviewItem }> {
    return this.json("POST", `/review/${id}/dismiss`, { json: input, headers: write(options).headers });
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
