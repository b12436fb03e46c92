/**
 * Writes docs/configuration.md from the configuration's zod schema, so every
 * default is stated once (in the schema) and the reference cannot fall behind:
 * one table per section (key, type, default, environment variable,
 * description), and the environment variables.
 *   npm run docs:config                                   write the file
 *   npx tsx scripts/generate-config-docs.ts --check       exit 1 when it is stale
 * test/unit/config-docs.test.ts fails while the committed file differs, or while
 * a key of the schema has no description here.
 *
 * The schema carries its explanations as code comments, which do not exist at
 * run time, so the prose lives in `descriptions` below, keyed by path
 * (`[]` for an array's items, `<name>` for a map's entries).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// The one import of the service: the schema parseConfig validates with.
import { configSchema } from "../src/base/config/config-schema.js";

const root = fileURLToPath(new URL("../", import.meta.url));
export const targetFile = path.join(root, "docs/configuration.md");
/** The configuration `npm start` reads from the repository: its values that differ from a default are shown beside it. */
export const shippedConfigFile = path.join(root, "tierline.config.json");
/** Where the environment overrides are declared (`envOverrides` in load-config.ts, read as text: it is not exported). */
export const envSourceFile = path.join(root, "src/base/config/load-config.ts");

// ---------------------------------------------------------------------------
// Prose, keyed by path.

/** Sections: a heading's introduction, by top-level key ("" for the top-level scalars). */
const sectionIntros: Record<string, string> = {
  "": "Top-level settings: where the service listens, where it keeps its data, its logs.",
  tiers:
    "The tiers, ordered cheapest first: each is a model name and a price. The last tier is the fallback (every query the router is unsure about) unless `routing.fallbackTier` names another. For the gateway, each tier lists its upstreams ([gateway.md](gateway.md)). Bringing tiers of your own: [exemplars.md](exemplars.md#bringing-your-own-tiers).",
  embedding: "The embedding model and how queries reach it ([exemplars.md](exemplars.md#embedding-models)).",
  routing:
    "How a decision is made ([routing-quality.md](routing-quality.md)). `npm run calibrate` chooses these values on labelled traffic ([feedback-loop.md](feedback-loop.md#calibration-on-your-own-traffic)).",
  index: "The HNSW vector index over the exemplars (derived state: rebuilt from the database when its snapshot does not match).",
  cache: "The decision cache ([exemplars.md](exemplars.md#decision-cache)).",
  http: "Bounds on requests and connections ([operations.md](operations.md#bounded-work-per-request)).",
  database:
    "Deadlines on database work ([operations.md](operations.md#database-deadlines)). `databaseUrl` (above) chooses PostgreSQL; without it the embedded PGlite in `dataDir` is used.",
  shutdown: "Graceful shutdown after SIGTERM ([operations.md](operations.md#graceful-shutdown)).",
  rateLimit: "Limits on failed authentications and curator writes ([operations.md](operations.md#abuse)).",
  curation: "The curator API ([api.md](api.md#curator-api)).",
  replication: "Replicas sharing one PostgreSQL ([operations.md](operations.md#replicas)).",
  stats: "The per-minute decision counters behind `/stats/*` and the analytics views.",
  gateway: "The OpenAI-compatible gateway ([gateway.md](gateway.md)).",
  rules: "Service-wide routing rules, evaluated in order before the cache and the vote ([routing-policy.md](routing-policy.md#rules)). `PUT /rules` replaces them at run time.",
  session: "Session consistency, off by default ([routing-policy.md](routing-policy.md#session-consistency)).",
  sessions: "How session floors are kept: memory, reads and writes, all bounded (the policy itself is `session`).",
  profiles: "Named routing setups, chosen per request (`profile`) or by the caller's route-token label ([routing-policy.md](routing-policy.md#profiles)).",
  decisions: "The decision log ([feedback-loop.md](feedback-loop.md#decision-log)).",
  shadow: "Shadow mode, for collecting labels ([feedback-loop.md](feedback-loop.md#shadow-mode)).",
  feedback: "Feedback imports ([feedback-loop.md](feedback-loop.md#feedback)).",
  tracing:
    "OpenTelemetry tracing, off by default ([operations.md](operations.md#tracing)). **Environment only**, from the standard `OTEL_*` variables: a config file with `tracing` is refused. The SDK reads its other variables (headers, sampler, batching, resource attributes) itself.",
  auth: "Bearer tokens by role. **Environment only**: a config file with `auth` is refused. Each `TIERLINE_<ROLE>_TOKEN` is one token labelled with the role; `TIERLINE_<ROLE>_TOKENS` is `label:token,label:token`. Tokens are at least 16 characters, and a `CHANGE-ME` placeholder is refused ([operations.md](operations.md#roles-and-tokens)).",
};

/** What each key means. A key of the schema missing here fails the test. */
export const descriptions: Record<string, string> = {
  port: "TCP port to listen on.",
  host: "Address to listen on.",
  dataDir: "Directory for the embedded PGlite database (`<dataDir>/pglite`), the converted model, the index snapshot and the decision-log crash journal.",
  databaseUrl: "A PostgreSQL server (`postgres://` or `postgresql://`) instead of the embedded PGlite. Production should set it.",
  exemplarsDir: "Exemplar files (`*.jsonl`) seeded into an empty database on the first start; afterwards the database is the set.",
  logLevel: "pino log level.",
  maxBodyBytes: "Largest JSON request body, bytes, for the curator and other JSON routes (`/route` has `http.maxRouteBodyBytes`).",
  currency: "The currency of `pricePer1MTokens`, shown next to estimated costs.",
  logQueryText: "Put the query text in the request log line (off: queries may hold personal data).",

  tiers: "The tiers, cheapest first (at least two).",
  "tiers[].name": "Tier name: lower-case letters, digits, `-` or `_`, up to 32 characters. Exemplars are labelled with it.",
  "tiers[].model": "The model name reported with each decision.",
  "tiers[].pricePer1MTokens": "Input price per million tokens in `currency`; only ratios matter (costs, savings, calibration, budgets).",
  "tiers[].upstreams": "The gateway's upstream models for this tier, tried in order; none: the gateway does not serve it.",
  "tiers[].upstreams[].baseUrl": 'An OpenAI-compatible API root (`http://` or `https://`); the request goes to `baseUrl + "/chat/completions"`. No credentials in the URL.',
  "tiers[].upstreams[].model": "The model name sent upstream (it replaces the caller's `model`).",
  "tiers[].upstreams[].apiKeyEnv":
    "The environment variable holding the API key, sent as a bearer token; omit it for servers without keys. Read once at start; unset stops the service.",
  "tiers[].upstreams[].timeoutMs": "Time to the first byte of a stream, or to the whole answer otherwise.",
  "tiers[].upstreams[].name": "The upstream's id in headers, logs, metrics and the attempt log; default `<tier>/<index>`.",
  "tiers[].upstreams[].pricePer1MTokens": "This upstream's price when it differs from its tier's (a fallback on another provider).",
  "tiers[].fallbackTiers": "Tiers whose upstreams are tried, in order, after this tier's own.",

  "embedding.provider":
    "`use-onnx`: Universal Sentence Encoder lite converted to ONNX; `use-lite`: the same model on TF.js (4–5× slower); `transformers`: any transformers.js feature-extraction model.",
  "embedding.onnxVariant": "`use-onnx` only: `int8` is about 2× faster but not within the 0.999 equivalence tolerance (it changes 11 of 385 dev decisions).",
  "embedding.threads": "onnxruntime intra-op threads; default: the cores this process may use.",
  "embedding.model": "`transformers` only: a Hugging Face hub id, or a label for a local model.",
  "embedding.modelPath": "`transformers` only: a local model directory (`config.json`, `tokenizer.json`, `onnx/model.onnx`), loaded with no network access.",
  "embedding.batching.enabled": "Micro-batch concurrent `/route` queries into one forward pass.",
  "embedding.batching.maxBatch": "Most queries in one forward pass (1 disables batching).",
  "embedding.batching.maxWaitMs": "How long a query waits for company; 0: a lone query never waits, and queries queue only while a batch runs.",
  "embedding.bulkSlice": "Texts per forward pass of bulk work (imports, replica catch-ups, index builds): a routed query waits at most one such pass.",
  "embedding.batchSliceChars": "Work per forward pass of `/route/batch` items, in characters (each text counted up to what the model reads, a short one as 64).",
  "embedding.maxBatchQueueMs":
    "Batch work that may wait for the model, in estimated model time, before a new batch is refused (503 `overloaded` with `Retry-After`). Must be below `http.requestTimeoutMs`.",

  "routing.k": "Neighbors in the vote (strategy `knn`).",
  "routing.margin": "Strategy `knn`: the lead of the majority behind the chosen tier below which the query goes to the fallback tier.",
  "routing.minSimilarity":
    "Strategy `knn`: cosine similarity of the nearest exemplar below which nothing is close (`no_close_exemplar`). Also the base of the coverage-gap threshold.",
  "routing.fallbackTier": "The tier that takes every query the router is unsure about; default the last tier.",
  "routing.strategy": "`second-stage`: a small model over the vote, the neighborhood and the text decides; `knn`: the vote and its margin.",
  "routing.secondStage.modelFile": "The second-stage model, written by `npm run train-router -- --write` (relative to the working directory).",
  "routing.secondStage.downgradeCost": "What a query sent to too cheap a tier costs, in top-tier calls; default: the model file's calibrated value.",
  "routing.ood.enabled": "The out-of-distribution guard: a query whose neighborhood is unlike the calibration data goes to the fallback tier (`out_of_distribution`).",
  "routing.ood.minNearest":
    "Similarity of the nearest exemplar below which a query is out of distribution (belongs to the default embedding model; `npm run calibrate` refits it).",
  "routing.ood.minMeanSimilarity": "Mean similarity of the nearest `routing.ood.k` exemplars below which a query is out of distribution.",
  "routing.ood.k": "Neighbors averaged by the guard.",

  "index.M": "HNSW graph degree.",
  "index.efConstruction": "HNSW build-time search width.",
  "index.ef": "HNSW query-time search width (recall 1.000 at 100k exemplars with 64).",
  "index.snapshot": "Keep the built graph in `<dataDir>/index`, so a warm start skips rebuilding it.",

  "cache.enabled": "The decision cache.",
  "cache.memoryEntries": "Decisions kept in process memory; the read path never waits on the database.",
  "cache.queueLimit": "Pending write-behind rows; beyond it the oldest are dropped and counted.",
  "cache.flushIntervalMs": "How often cache hits and misses are written.",
  "cache.storeText": "Store the query text in the cache table (off: privacy).",

  "http.maxRouteBodyBytes": "Largest `/route` body, bytes: the model reads 2,048 characters, so a big body is only cost.",
  "http.requestTimeoutMs": "Every request is answered within this (503 `deadline_exceeded`), whatever it waits on; imports and exports have bounds of their own.",
  "http.headersTimeoutMs": "A client that has not sent its headers by then is disconnected (slow-header attacks).",
  "http.bodyTimeoutMs": "A client must have sent its whole request by then.",
  "http.keepAliveTimeoutMs": "Idle keep-alive connections are closed after this.",
  "http.corsOrigins": "Origins allowed to call the API from a browser; empty: no CORS headers.",
  "http.trustProxy":
    "Proxies in front of the service that append to `X-Forwarded-For` (`true`: one): the client address is the entry the outermost of them added; entries further left are never used.",

  "database.operationTimeoutMs": "The database part of a request gives up after this (503); a write not yet committed is rolled back.",
  "database.statementTimeoutMs": "PostgreSQL `statement_timeout` of every connection.",
  "database.idleInTransactionTimeoutMs": "PostgreSQL `idle_in_transaction_session_timeout`: a client that stalls mid-transaction releases its locks.",
  "database.connectTimeoutSeconds": "Connection timeout (PostgreSQL).",
  "database.cooldownMs": "After a timeout with a failed probe, or a lost connection, database-backed requests answer 503 at once for this long instead of queueing.",
  "database.maxConnections": "Connection pool size (PostgreSQL).",

  "shutdown.drainMs": "After SIGTERM, `/readyz` says draining and responses carry `Connection: close` for this long, so load balancers move away.",
  "shutdown.timeoutMs":
    "After the drain, in-flight requests get this long before connections are cut. Keep drain plus this under the orchestrator's grace period (30 s in Kubernetes).",

  "rateLimit.writesPerMinute": "Curator writes per token per minute (429 with `Retry-After` beyond it).",
  "rateLimit.authFailuresPerMinute": "Failed authentications per client address, and per token attempted, per minute before 429s. A valid token is never locked out.",

  "curation.conflictSimilarity": "Adding or moving an exemplar this similar to one of another tier is a conflict (409 `exemplar_conflict`; `?force=true` overrides).",
  "curation.maxBatch": "Most exemplars in one `POST /exemplars`.",
  "curation.maxImportBytes": "Largest `POST /exemplars/import` body, bytes.",
  "curation.maxImportLines": "Most lines in one import request (one transaction); the CLI sends chunks.",
  "curation.lockWaitMs": "Writes are serialised; one waits this long for the one before it before answering 503 (nothing written).",
  "curation.perItemBudgetMs": "Added to the database budget per item of a batch or import.",

  "replication.pollIntervalMs": "The safety net behind LISTEN/NOTIFY: how often a replica compares exemplar revisions.",

  "stats.flushIntervalMs": "How often the decision counters are written.",
  "stats.maxPendingKeys": "Distinct (minute, tier, reason, cached) counters buffered while the database is away; beyond it the oldest are dropped and counted.",

  "gateway.maxBodyBytes": "Largest `POST /v1/chat/completions` body, bytes (the whole conversation is forwarded).",
  "gateway.requestTimeoutMs": "All attempts of one request together must reach a first byte within this (then 504 `upstream_timeout`).",
  "gateway.streamIdleTimeoutMs": "A stream that sends nothing for this long after its first byte is cut.",
  "gateway.maxAnswerBytes": "Largest non-streamed upstream answer, bytes: a larger one fails its attempt (`too_large`) and the next upstream is tried.",
  "gateway.maxStreamBytes": "Largest streamed answer, bytes: past it the stream is cut.",
  "gateway.maxStreamMs": "Longest a stream may last from its request.",
  "gateway.maxJsonDepth": "Deepest JSON nesting of a chat request; deeper is a 400.",
  "gateway.streamUsage": "Ask upstreams for a stream's usage chunk (`stream_options.include_usage`), so streamed spend is counted.",
  "gateway.maxRetryAfterWaitMs": "When every upstream of a chain is rate-limited, wait at most this long for the soonest `Retry-After` before answering 429.",
  "gateway.breaker.failureThreshold": "Consecutive failures (connect error, timeout, 429, 5xx) that open an upstream's circuit.",
  "gateway.breaker.cooldownMs": "How long an open circuit keeps traffic away before a half-open probe.",
  "gateway.breaker.halfOpenProbes": "Requests let through at once while half-open.",
  "gateway.cascade": "The default profile's cascade for the ambiguous middle (opt-in; a named profile sets its own, `profiles.<name>.cascade`).",
  "gateway.cascade.enabled": "The cascade, once the object is given.",
  "gateway.cascade.minMargin": "The cascade applies to decisions whose vote margin lies in [`minMargin`, `maxMargin`).",
  "gateway.cascade.maxMargin": "Upper end of the band; default the profile's `routing.margin` (with the second stage set the band you want, 1 for every low-confidence fallback).",
  "gateway.cascade.verifier": "The built-in `self-rating` verifier, or one passed to `buildDeps`.",
  "gateway.cascade.threshold": "The check passes at this score (0–1) or above.",
  "gateway.cascade.verifierTimeoutMs": "A verifier that has not answered by then fails the check (the answer escalates).",
  "gateway.complexityRating.enabled": "LLM-rated complexity for decisions the vote could not settle (opt-in).",
  "gateway.complexityRating.tier": "The tier whose model rates; default the cheapest.",
  "gateway.complexityRating.timeoutMs": "A rating not back by then leaves the fallback decision in place.",
  "gateway.complexityRating.tierByRating": "The tier for ratings 1–5; default spreads the tiers cheapest first (three tiers: 1–2, 3, 4–5).",
  "gateway.log.flushIntervalMs": "How often the attempt log (`gateway_exchanges`, `gateway_attempts`) is written.",
  "gateway.log.maxPendingRows": "Rows held while the database is away; beyond it the oldest are dropped and counted.",

  rules: "The rules, in order; the first `tier` action that matches decides.",
  "rules[].name": "The rule's name, unique, shown in decisions (`rule`) and `explain`.",
  "rules[].match": "Conditions; every one given must hold (at least one besides `flags`).",
  "rules[].match.regex": "A regular expression on the normalised text (JavaScript syntax run on RE2: no lookaround or backreferences).",
  "rules[].match.flags": "Regex flags: `i`, `m`, `s`, `u`; default `i`.",
  "rules[].match.keywords": "Any of these words or phrases (case-insensitive, whole words).",
  "rules[].match.minTokens": "At least this many estimated input tokens in the whole request.",
  "rules[].match.maxTokens": "At most this many estimated input tokens.",
  "rules[].match.minMessages": "At least this many messages.",
  "rules[].match.maxMessages": "At most this many messages.",
  "rules[].match.hasCode": "The text holds code.",
  "rules[].match.hasAttachments": "A message has non-text parts.",
  "rules[].match.hasTools": "The request has an OpenAI-style `tools` array.",
  "rules[].match.tag": "The request carries this tag.",
  "rules[].action": 'Exactly one: `{"tier"}` decides at once (reason `rule`); `{"minTier"}` or `{"maxTier"}` bound the router\'s answer (`constrainedBy: "rule"`).',

  "session.policy": "`none`: each query on its own; `no-downgrade`: within the TTL a session (a `sessionId`) never drops below the highest tier it used.",
  "session.ttlSeconds": "Seconds since a session's last request after which it starts afresh.",

  "sessions.readTimeoutMs": "How long a request waits for the database to learn a session this replica has not seen (then: no floor).",
  "sessions.refreshMs": "A session held in memory is re-read after this, so a raise on another replica is seen.",
  "sessions.memoryEntries": "Sessions held in memory (the least recently used beyond it are forgotten here, not in the database).",
  "sessions.queueLimit": "Floors waiting to be written; beyond it the oldest are dropped and counted.",
  "sessions.flushIntervalMs": "How often waiting floors are written (500 to a statement): another replica sees a raise after at most this.",
  "sessions.maxPendingReads": "Sessions waiting for one batched read; beyond it a new session is not looked up (no floor, counted).",

  profiles: "Profiles by name (lower-case letters, digits, `-` or `_`; not `default`, which is the top-level configuration).",
  "profiles.<name>.tiers":
    "The tiers this profile answers with, a subset of `tiers` in the same order; default all. Exemplars of a tier it lacks vote for the next tier up it offers.",
  "profiles.<name>.routing": "Overrides of `routing.k`, `routing.margin`, `routing.minSimilarity`; the strategy, the second stage and the OOD guard are inherited.",
  "profiles.<name>.rules": "Rules of this profile, evaluated before the service-wide ones.",
  "profiles.<name>.session": "Overrides of `session` for this profile.",
  "profiles.<name>.tokens": "Route-token labels whose requests use this profile unless they name another.",
  "profiles.<name>.cascade": "The gateway's cascade for this profile (opt-in; not inherited from `gateway.cascade`).",

  "decisions.enabled": "The decision log (and with it feedback).",
  "decisions.storeText": "Store the query text with each logged decision (off: queries may hold personal data; feedback can bring its own text).",
  "decisions.retentionDays": "Days of decisions kept; older day partitions are dropped, with their feedback and review items.",
  "decisions.partitionsAhead": "Day partitions created ahead of time.",
  "decisions.queueLimit": "Decisions held in memory while the database is away; beyond it the oldest are dropped and counted.",
  "decisions.flushIntervalMs": "How often logged decisions are written.",

  "shadow.enabled":
    'Answer every request with `shadow.tier` while logging the tier routing would have chosen; a request can still say `"shadow": false` (or `true` when this is off).',
  "shadow.tier": "The tier answered in shadow mode; default the fallback tier.",

  "feedback.maxImportLines": "Most lines in one `POST /feedback/import` (one transaction).",
  "feedback.maxImportBytes": "Largest feedback import body, bytes.",
  "feedback.perLineBudgetMs": "Added to `database.operationTimeoutMs` per line of a feedback import (10,000 lines: 1.5 s + 20 s).",

  "auth.adminTokens": "Curators: everything (exemplars, rules, review, statistics).",
  "auth.adminTokens[].label": "Written to the audit logs; the decision's caller.",
  "auth.adminTokens[].token": "At least 16 characters; compared in constant time, never logged.",
  "auth.analystTokens": "`GET /stats/*`, `tierline report`, `tierline calibrate --from-feedback`.",
  "auth.analystTokens[].label": "As for admin tokens.",
  "auth.analystTokens[].token": "As for admin tokens.",
  "auth.feedbackTokens": "Services that report outcomes on decisions.",
  "auth.feedbackTokens[].label": "As for admin tokens.",
  "auth.feedbackTokens[].token": "As for admin tokens.",
  "auth.routeTokens": "Callers of `/route` and the gateway; while none is configured those endpoints are open and the caller is `anonymous`.",
  "auth.routeTokens[].label": "As for admin tokens; also maps to a profile (`profiles.<name>.tokens`).",
  "auth.routeTokens[].token": "As for admin tokens.",

  "tracing.enabled":
    "On when `OTEL_TRACES_EXPORTER` names an exporter other than `none` or, with it unset, when an OTLP endpoint is set; always off with `OTEL_SDK_DISABLED=true`.",
  "tracing.serviceName": "The `service.name` resource attribute of the traces.",
  "tracing.exporters": "Where spans go: `otlp` (the default once on) and/or `console`.",
  "tracing.protocol": "The OTLP exporter's encoding over HTTP; `grpc` is refused.",
};

/** Keys documented once and referred to elsewhere (the same schema reused): no rows of their own below them. */
const sameAs: Record<string, string> = {
  "profiles.<name>.rules": "rules",
  "profiles.<name>.session": "session",
  "profiles.<name>.cascade": "gateway.cascade",
  "profiles.<name>.routing": "routing",
};

// ---------------------------------------------------------------------------
// Walking the schema (zod 4: every schema's definition is `_zod.def`).

interface Def {
  type: string;
  [key: string]: unknown;
}
type Schema = { _zod: { def: Def } };

const defOf = (s: Schema): Def => s._zod.def;

export interface Row {
  path: string;
  type: string;
  default: string;
  env?: string;
  description?: string;
}

interface Unwrapped {
  schema: Schema;
  optional: boolean;
  /** The default's JSON, when the schema has one (a section's `{}` prefault is not a default worth showing). */
  defaultValue?: unknown;
  hasDefault: boolean;
}

function unwrap(schema: Schema): Unwrapped {
  let node = schema;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(node);
    if (def.type === "optional" || def.type === "nullable") optional = true;
    else if (def.type === "default" || def.type === "prefault") {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = def.defaultValue;
      }
    } else if (def.type === "pipe") {
      node = def.in as Schema;
      continue;
    } else return { schema: node, optional, defaultValue, hasDefault };
    node = def.innerType as Schema;
  }
}

interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  length?: number;
  format?: string;
}
const checksOf = (schema: Schema): CheckDef[] => ((defOf(schema).checks as Array<{ _zod: { def: CheckDef } }> | undefined) ?? []).map((c) => c._zod.def);

/** The bounds a schema's checks set, as [low, high] with their inclusiveness, or an exact length. */
function bounds(schema: Schema): { low?: number; lowInclusive?: boolean; high?: number; highInclusive?: boolean; exact?: number } {
  const b: ReturnType<typeof bounds> = {};
  for (const c of checksOf(schema)) {
    if (c.check === "greater_than") [b.low, b.lowInclusive] = [c.value, c.inclusive];
    if (c.check === "less_than") [b.high, b.highInclusive] = [c.value, c.inclusive];
    if (c.check === "min_length") [b.low, b.lowInclusive] = [c.minimum, true];
    if (c.check === "max_length") [b.high, b.highInclusive] = [c.maximum, true];
    if (c.check === "length_equals") b.exact = c.length;
  }
  return b;
}

/** A number's range: "in [0, 1]", "≥ 1", "> 0", or "". */
function numberRange(schema: Schema): string {
  const b = bounds(schema);
  if (b.low !== undefined && b.high !== undefined) return `in ${b.lowInclusive ? "[" : "("}${b.low}, ${b.high}${b.highInclusive ? "]" : ")"}`;
  if (b.low !== undefined) return `${b.lowInclusive ? "≥" : ">"} ${b.low}`;
  if (b.high !== undefined) return `${b.highInclusive ? "≤" : "<"} ${b.high}`;
  return "";
}

/** A length: "1–64", "at least 1", "at most 8", "exactly 5", or "". */
function lengthRange(schema: Schema): string {
  const b = bounds(schema);
  if (b.exact !== undefined) return `exactly ${b.exact}`;
  if (b.low !== undefined && b.high !== undefined) return `${b.low}–${b.high}`;
  if (b.low !== undefined) return `at least ${b.low}`;
  if (b.high !== undefined) return `at most ${b.high}`;
  return "";
}

function typeOf(schema: Schema, plural = false): string {
  const def = defOf(schema);
  const s = plural ? "s" : "";
  switch (def.type) {
    case "number": {
      const integer = checksOf(schema).some((c) => c.check === "number_format" && /int/.test(c.format ?? ""));
      return [`${integer ? "integer" : "number"}${s}`, numberRange(schema)].filter(Boolean).join(" ");
    }
    case "boolean":
      return `boolean${s}`;
    case "string": {
      if (def.format === "url") return `URL${s}`;
      const length = lengthRange(schema);
      if (length === "at least 1") return `non-empty string${s}`;
      return length ? `string${s} of ${length} characters` : `string${s}`;
    }
    case "enum":
      return Object.values(def.entries as Record<string, string>)
        .map((v) => `\`"${v}"\``)
        .join(" | ");
    case "array": {
      const item = unwrap(def.element as Schema).schema;
      const items = lengthRange(schema);
      const of = defOf(item).type === "object" ? "objects" : typeOf(item, true);
      if (items === "at least 1") return `non-empty array of ${of}`;
      return `array of ${of}${items ? ` (${items} items)` : ""}`;
    }
    case "record":
      return "map of name → object";
    case "object":
      return `{${Object.keys(def.shape as object)
        .map((k) => `"${k}"`)
        .join(", ")}}`;
    case "union":
      return (def.options as Schema[]).map((o) => typeOf(unwrap(o).schema)).join(" or ");
    default:
      return def.type;
  }
}

function formatDefault(u: Unwrapped): string {
  if (!u.hasDefault) return u.optional ? "unset" : "required";
  const value = u.defaultValue;
  if (typeof value === "number") return `\`${value}\``;
  return `\`${JSON.stringify(value)}\``;
}

/** Every documented row, schema order; objects are walked into, arrays of objects and maps too. */
function walk(schema: Schema, prefix: string, rows: Row[]): void {
  const shape = defOf(schema).shape as Record<string, Schema>;
  for (const [key, child] of Object.entries(shape)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    const u = unwrap(child);
    const def = defOf(u.schema);
    const reference = sameAs[keyPath];
    if (reference !== undefined) {
      rows.push({ path: keyPath, type: `as \`${reference}\``, default: formatDefault(u) });
      continue;
    }
    if (def.type === "object") {
      // A section: its fields carry the defaults. An optional object (opt-in), or one inside an array's items, gets a row of its own.
      if (u.optional || /\[\]|<name>/.test(prefix)) rows.push({ path: keyPath, type: "object", default: formatDefault(u) });
      walk(u.schema, keyPath, rows);
      continue;
    }
    rows.push({ path: keyPath, type: typeOf(u.schema), default: formatDefault(u) });
    const element = def.type === "array" ? unwrap(def.element as Schema).schema : def.type === "record" ? unwrap(def.valueType as Schema).schema : undefined;
    if (element && defOf(element).type === "object") walk(element, `${keyPath}${def.type === "array" ? "[]" : ".<name>"}`, rows);
  }
}

/** The schema's own object (superRefine keeps the object's definition and adds a check). */
function rootObject(): Schema {
  const u = unwrap(configSchema as unknown as Schema);
  if (defOf(u.schema).type !== "object") throw new Error(`the config schema is a ${defOf(u.schema).type}, not an object`);
  return u.schema;
}

export function schemaRows(): Row[] {
  const rows: Row[] = [];
  walk(rootObject(), "", rows);
  return rows;
}

// ---------------------------------------------------------------------------
// The environment.

export interface EnvOverride {
  variable: string;
  path: string;
  kind: "string" | "number";
}

/** `["PORT", ["port"], "number"]` entries of load-config.ts's envOverrides. */
export function envOverrides(source = readFileSync(envSourceFile, "utf8")): EnvOverride[] {
  const start = source.indexOf("envOverrides");
  const end = source.indexOf("];", start);
  if (start < 0 || end < 0) throw new Error(`${path.relative(root, envSourceFile)}: no envOverrides array found`);
  const entries = [...source.slice(start, end).matchAll(/\["([A-Z][A-Z0-9_]*)",\s*\[([^\]]*)\],\s*"(string|number)"\]/g)];
  return entries.map((m) => ({ variable: m[1]!, path: [...m[2]!.matchAll(/"([^"]+)"/g)].map((k) => k[1]).join("."), kind: m[3] as "string" | "number" }));
}

/** Leaf values of a config file by dotted path (arrays are leaves). */
function leaves(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
  return out;
}

/** The shipped config file's values that differ from the schema's defaults, by path. */
export function shippedOverrides(): Map<string, unknown> {
  const shipped = leaves(JSON.parse(readFileSync(shippedConfigFile, "utf8")));
  const defaults = leaves(configSchema.parse({}));
  return new Map([...shipped].filter(([key, value]) => JSON.stringify(defaults.get(key)) !== JSON.stringify(value)));
}

const roles = [
  ["ADMIN", "admin", "curators: everything (exemplars, rules, review queue, statistics)"],
  ["ANALYST", "analyst", "`GET /stats/*`, `tierline report`, `tierline calibrate --from-feedback`"],
  ["FEEDBACK", "feedback", "outcome reports: `POST /decisions/{id}/feedback`, `/feedback/import`"],
  ["ROUTE", "route", "`/route`, `/route/batch`, `/v1/*`; open to all while none is set"],
] as const;

/** The OpenTelemetry variables the service reads itself (base/config/tracing-env.ts); the SDK reads the others. */
const otelVariables = [
  [
    ["OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"],
    "enabled",
    "tracing on or off: an exporter other than `none`, or an endpoint; `OTEL_SDK_DISABLED=true` wins",
  ],
  [["OTEL_TRACES_EXPORTER"], "exporters", "`otlp`, `console`, or both comma-separated"],
  [["OTEL_SERVICE_NAME"], "serviceName", "default `tierline`"],
  [["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"], "protocol", "`http/protobuf` or `http/json`"],
] as const;

// ---------------------------------------------------------------------------
// The document.

const header = `<!-- Generated by scripts/generate-config-docs.ts from the configuration's zod schema: do not edit.
     Regenerate with \`npm run docs:config\`; test/unit/config-docs.test.ts fails while this file is stale. -->
`;

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export interface ConfigDocs {
  markdown: string;
  /** Schema keys without a description (the test fails on any). */
  missing: string[];
  /** Descriptions of keys the schema no longer has. */
  unused: string[];
}

export function generateConfigDocs(): ConfigDocs {
  const rows = schemaRows();
  const env = envOverrides();
  const envByPath = new Map(env.map((e) => [e.path, `\`${e.variable}\``]));
  for (const [upper, label] of roles) envByPath.set(`auth.${label}Tokens`, `\`TIERLINE_${upper}_TOKEN\`, \`TIERLINE_${upper}_TOKENS\``);
  for (const [variables, field] of otelVariables) envByPath.set(`tracing.${field}`, variables.map((v) => `\`${v}\``).join(", "));
  for (const row of rows) {
    row.description = descriptions[row.path];
    row.env = envByPath.get(row.path);
  }
  const shipped = shippedOverrides();
  for (const row of rows) {
    if (shipped.has(row.path)) row.default += `; \`tierline.config.json\`: \`${JSON.stringify(shipped.get(row.path))}\``;
  }
  const known = new Set(rows.map((r) => r.path));
  const missing = rows.filter((r) => r.description === undefined).map((r) => r.path);
  const unused = Object.keys(descriptions).filter((k) => !known.has(k));

  const out: string[] = [header];
  out.push("# Configuration", "");
  out.push(
    "`tierline.config.json` in the working directory (or the file `TIERLINE_CONFIG` names) is validated at start; environment variables override the file. An invalid value stops the service with a message naming where it came from and the field, and so does an unknown key, which is most often a typo:",
    "",
    "```text",
    "(tierline.config.json) routing.margin: Too big: expected number to be <=1",
    'routng: unknown key (did you mean "routing"?)',
    "(environment) TIERLINE_MARGIN: Too big: expected number to be <=1",
    "```",
    "",
    "Every default below is the schema's own (`src/base/config/`), stated once there. Where the repository's `tierline.config.json` (what `npm start` reads) sets another value, the table shows it beside the default.",
    "",
  );

  out.push("## Environment variables", "");
  out.push("| variable | sets | notes |", "| --- | --- | --- |");
  out.push("| `TIERLINE_CONFIG` | the config file | default `tierline.config.json` in the working directory; a named file that does not exist stops the service |");
  for (const e of env) out.push(`| \`${e.variable}\` | \`${e.path}\` | ${e.kind === "number" ? "a number" : "a string"} |`);
  for (const [upper, label, can] of roles) {
    out.push(`| \`TIERLINE_${upper}_TOKEN\`, \`TIERLINE_${upper}_TOKENS\` | \`auth.${label}Tokens\` | ${can}; one token labelled \`${label}\`, or \`label:token,…\` |`);
  }
  for (const [variables, field, notes] of otelVariables) out.push(`| ${variables.map((v) => `\`${v}\``).join(", ")} | \`tracing.${field}\` | ${notes} |`);
  out.push("| the variable each `tiers[].upstreams[].apiKeyEnv` names | an upstream's API key | read once at start; unset stops the service; never printed or logged |", "");

  const sections = new Map<string, Row[]>();
  for (const row of rows) {
    const top = row.path.split(/[.[]/)[0]!;
    const section = rows.some((r) => r.path.startsWith(`${top}.`) || r.path.startsWith(`${top}[]`)) ? top : "";
    sections.set(section, [...(sections.get(section) ?? []), row]);
  }
  const order = ["", ...[...sections.keys()].filter((s) => s !== "")];
  for (const section of order) {
    const sectionRows = sections.get(section) ?? [];
    out.push(`## ${section === "" ? "General" : `\`${section}\``}`, "");
    const intro = sectionIntros[section];
    if (intro) out.push(intro, "");
    const long: Row[] = [];
    out.push("| key | type | default | env | description |", "| --- | --- | --- | --- | --- |");
    for (const row of sectionRows) {
      let shown = row.default;
      if (shown.length > 60) {
        long.push(row);
        shown = "below";
      }
      out.push(`| \`${row.path}\` | ${cell(row.type)} | ${cell(shown)} | ${row.env ?? ""} | ${cell(row.description ?? "")} |`);
    }
    out.push("");
    for (const row of long) {
      const value = JSON.parse(row.default.slice(1, -1)) as unknown;
      const lines = Array.isArray(value) ? value.map((v, i) => `  ${JSON.stringify(v)}${i < value.length - 1 ? "," : ""}`) : [JSON.stringify(value)];
      out.push(`Default of \`${row.path}\`:`, "", "```json", ...(Array.isArray(value) ? ["[", ...lines, "]"] : lines), "```", "");
    }
  }
  return { markdown: `${out.join("\n").trimEnd()}\n`, missing, unused };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { markdown, missing, unused } = generateConfigDocs();
  if (missing.length > 0 || unused.length > 0) {
    if (missing.length > 0) console.error(`keys without a description (add them to descriptions in scripts/generate-config-docs.ts):\n  ${missing.join("\n  ")}`);
    if (unused.length > 0) console.error(`descriptions of keys the schema does not have:\n  ${unused.join("\n  ")}`);
    process.exit(1);
  }
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(targetFile, "utf8");
    } catch {
      // missing: stale
    }
    const stale = current !== markdown;
    console.log(stale ? `${path.relative(root, targetFile)} is stale: run npm run docs:config` : "docs/configuration.md is up to date");
    process.exit(stale ? 1 : 0);
  }
  writeFileSync(targetFile, markdown);
  console.log(`wrote ${path.relative(root, targetFile)}`);
}
