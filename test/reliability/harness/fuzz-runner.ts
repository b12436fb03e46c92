import { latency, type LatencySummary } from "./figures.js";
import { fuzzCases, type FuzzCase, type FuzzContext, type FuzzRoute } from "./fuzz.js";
import { envelopeOf, jsonOf, keepAliveAgent, outcome, send, type HttpResult } from "./http.js";
import { TIERS, sleep, type ServiceProcess } from "./service.js";

/** An error body that carries SQL or its parameters (drizzle's "Failed query: … params: …", raw SQL on our tables). */
export const SQL_LEAK =
  /failed query|params:|\b(select|insert|update|delete)\b[\s\S]{0,400}\b(from|into|set)\s+"?(exemplars?|exemplar_audit|exemplar_vectors|routing_stats|decision_cache|tier_prices|exemplar_revision)\b/i;

/**
 * Answers the HTTP parser gives before the app sees the request (request
 * head over 16 KB, URI too long). They are not the app's to wrap in the
 * envelope; they are counted apart.
 */
const PROTOCOL_STATUSES = new Set([414, 431]);

/** What is wrong with an answer ([] when it is acceptable: any well-formed 2xx/3xx/4xx). */
export function problemsOf(c: FuzzCase, res: HttpResult): string[] {
  if (res.status === null) {
    if (res.error === "client") return [];
    const where = res.reusedSocket ? `, on a reused keep-alive connection whose previous answer was ${res.previousOnConnection ?? "?"}` : "";
    return [`no answer (${res.error}${where})`];
  }
  const problems: string[] = [];
  if (res.status >= 500) problems.push("5xx");
  const bodyless = c.method === "HEAD" || res.status === 204 || res.status === 304;
  if (res.status >= 400) {
    if (!bodyless && !PROTOCOL_STATUSES.has(res.status) && !envelopeOf(res)) problems.push("not the error envelope");
    if (SQL_LEAK.test(res.body.toString("utf8"))) problems.push("error body shows SQL");
    return problems;
  }
  if (bodyless || c.method === "OPTIONS") return problems;
  if (res.status >= 200 && res.status < 300 && /^application\/(json|[\w.+-]*\+json)\s*(;|$)/i.test(String(res.headers["content-type"] ?? ""))) {
    const body = jsonOf(res);
    if (body === undefined) problems.push("2xx body labelled JSON is not JSON");
    else if (c.route === "POST /route" && !(TIERS as readonly string[]).includes((body as { tier?: string }).tier ?? "")) problems.push("routed to no configured tier");
  }
  return problems;
}

export interface RouteFuzzFigures {
  route: FuzzRoute;
  cases: number;
  /** Cases the client library could not even send (a bug in the generator, reported, not counted against the service). */
  unsendable: number;
  statuses: Record<string, number>;
  fiveXx: number;
  resets: number;
  timeouts: number;
  otherErrors: number;
  noEnvelope: number;
  sqlLeaks: number;
  failures: number;
  latencyMs: LatencySummary;
  /** The issue's reproducers on this route: outcome and time. */
  reproducers: Array<{ id: string; kind: string; outcome: string; ms: number }>;
  /** Slowest cases, for diagnosis. */
  slowest: Array<{ id: string; kind: string; ms: number; outcome: string }>;
  /** First failures: id (route#index, reproducible with the same seed), kind, what happened. */
  failureSamples: Array<{ id: string; kind: string; problem: string; outcome: string; request: string }>;
  /** By case kind: count and failures. */
  byKind: Record<string, { n: number; failures: number }>;
  /** The run stopped early: the service stopped answering. */
  abandoned: boolean;
  /** Answers from the HTTP parser (431/414), not the app. */
  protocolRejections: number;
  /** Responses without `x-content-type-options: nosniff` (reported here; asserted in the edge scenario). */
  withoutNosniff: number;
}

export interface FuzzRunOptions {
  count: number;
  seed: number;
  concurrency: number;
  timeoutMs: number;
  /** Give up on the route after this many cases timed out (the service is wedged). */
  maxUnanswered: number;
}

/** Runs `count` cases of one route against the service and judges every answer. */
export async function fuzzRoute(
  service: ServiceProcess,
  route: FuzzRoute,
  ctx: FuzzContext & { onResult?(c: FuzzCase, res: HttpResult): void },
  opts: FuzzRunOptions,
): Promise<RouteFuzzFigures> {
  const agent = keepAliveAgent(opts.concurrency);
  const it = fuzzCases(route, opts.count, opts.seed, ctx);
  const latencies: number[] = [];
  const figures: RouteFuzzFigures = {
    route,
    cases: 0,
    unsendable: 0,
    statuses: {},
    fiveXx: 0,
    resets: 0,
    timeouts: 0,
    otherErrors: 0,
    noEnvelope: 0,
    sqlLeaks: 0,
    failures: 0,
    latencyMs: latency([]),
    reproducers: [],
    slowest: [],
    failureSamples: [],
    byKind: {},
    abandoned: false,
    protocolRejections: 0,
    withoutNosniff: 0,
  };
  /** Timeouts mean the service is wedged; resets are counted as failures but do not stop the run. */
  let timedOut = 0;
  const slow: Array<{ id: string; kind: string; ms: number; outcome: string }> = [];
  const worker = async () => {
    for (;;) {
      if (timedOut >= opts.maxUnanswered) return;
      const next = it.next();
      if (next.done) return;
      const c = next.value;
      const res = await send(service.base, { method: c.method, path: c.path, headers: c.headers, body: c.body, timeoutMs: opts.timeoutMs, agent });
      figures.cases++;
      const kind = (figures.byKind[c.kind] ??= { n: 0, failures: 0 });
      kind.n++;
      if (res.error === "client") {
        figures.unsendable++;
        continue;
      }
      ctx.onResult?.(c, res);
      latencies.push(res.ms);
      figures.statuses[String(res.status ?? res.error)] = (figures.statuses[String(res.status ?? res.error)] ?? 0) + 1;
      if (res.status !== null && res.headers["x-content-type-options"] !== "nosniff") figures.withoutNosniff++;
      if (c.kind === "issue-reproducer") figures.reproducers.push({ id: c.id, kind: c.kind, outcome: outcome(res), ms: Math.round(res.ms) });
      slow.push({ id: c.id, kind: c.kind, ms: Math.round(res.ms), outcome: outcome(res).slice(0, 120) });
      if (slow.length > 50) {
        slow.sort((a, b) => b.ms - a.ms);
        slow.length = 10;
      }
      const problems = problemsOf(c, res);
      if (res.status !== null && PROTOCOL_STATUSES.has(res.status)) figures.protocolRejections++;
      if (res.status === null) {
        if (res.error === "reset") figures.resets++;
        else if (res.error === "timeout") {
          figures.timeouts++;
          timedOut++;
        } else figures.otherErrors++;
      } else if (res.status >= 500) figures.fiveXx++;
      if (problems.includes("not the error envelope")) figures.noEnvelope++;
      if (problems.includes("error body shows SQL")) figures.sqlLeaks++;
      if (problems.length > 0) {
        figures.failures++;
        kind.failures++;
        if (figures.failureSamples.length < 25) figures.failureSamples.push({ id: c.id, kind: c.kind, problem: problems.join(", "), outcome: outcome(res), request: describe(c) });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  figures.abandoned = timedOut >= opts.maxUnanswered;
  figures.latencyMs = latency(latencies);
  figures.slowest = slow.sort((a, b) => b.ms - a.ms).slice(0, 5);
  return figures;
}

/** Waits until /healthz answers (after a wedged route), up to timeoutMs; returns how long that took. */
export async function waitResponsive(service: ServiceProcess, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs && service.alive()) {
    const res = await send(service.base, { method: "GET", path: "/healthz", timeoutMs: 5000, agent: false });
    if (res.status === 200) return performance.now() - start;
    await sleep(500);
  }
  return NaN;
}

function describe(c: FuzzCase): string {
  const body = c.body === undefined ? "" : typeof c.body === "string" ? c.body : c.body.toString("latin1");
  const shown = body.length > 160 ? `${JSON.stringify(body.slice(0, 120))}… (${body.length} chars)` : JSON.stringify(body);
  const path = c.path.length > 160 ? `${c.path.slice(0, 150)}… (${c.path.length} chars)` : c.path;
  return `${c.method} ${path} ${c.headers["content-type"] ?? "(no content-type)"} ${shown}`;
}
