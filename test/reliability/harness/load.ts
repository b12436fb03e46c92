import type http from "node:http";
import { latency, maxOf, minOf, type LatencySummary } from "./figures.js";
import { envelopeOf, keepAliveAgent, send, type HttpRequest, type HttpResult } from "./http.js";

export interface LoadSample {
  kind: string;
  worker: number;
  startedAt: number;
  endedAt: number;
  ms: number;
  status: number | null;
  error?: HttpResult["error"];
  errorMessage?: string;
  /** The error envelope's code, when there is one. */
  code?: string;
  /** The response's Connection header. */
  connection?: string;
  reusedSocket: boolean;
}

export interface LoadSpec {
  concurrency: number;
  /** The next request of a worker, or null to stop that worker. */
  next(worker: number): { kind: string; req: HttpRequest } | null;
  /** One keep-alive connection per worker (what a pooled client does), instead of one shared pool. */
  connectionPerWorker?: boolean;
  /** Each worker starts a request at most every paceMs (open-loop pacing for a background client). */
  paceMs?: number;
  /** Called on every answer; return false to stop that worker. */
  onSample?(sample: LoadSample, res: HttpResult): boolean | void;
  /** A worker whose answer carries Retry-After (a 503 or 429) waits that long before its next request, as a well-behaved client does. */
  honourRetryAfter?: boolean;
}

export interface RunningLoad {
  samples: LoadSample[];
  /** Stops issuing requests and waits for the ones in flight. */
  stop(): Promise<LoadSample[]>;
  /** Stops issuing requests at once; the ones in flight still land in `samples` (then await `done`). */
  halt(): void;
  /** Resolves when every worker has stopped by itself. */
  done: Promise<void>;
}

/** Closed-loop load: `concurrency` workers, each sending its next request as soon as the previous one is answered. */
export function startLoad(base: string, spec: LoadSpec): RunningLoad {
  const samples: LoadSample[] = [];
  let stopped = false;
  const agents: http.Agent[] = [];
  const shared = spec.connectionPerWorker ? null : keepAliveAgent(spec.concurrency);
  if (shared) agents.push(shared);
  const worker = async (w: number) => {
    const agent = shared ?? keepAliveAgent(1);
    if (!shared) agents.push(agent);
    while (!stopped) {
      const next = spec.next(w);
      if (!next) return;
      const res = await send(base, { ...next.req, agent: next.req.agent ?? agent });
      const sample: LoadSample = {
        kind: next.kind,
        worker: w,
        startedAt: res.startedAt,
        endedAt: res.endedAt,
        ms: res.ms,
        status: res.status,
        error: res.error,
        errorMessage: res.errorMessage,
        code: res.status !== null && res.status >= 400 ? envelopeOf(res)?.code : undefined,
        connection: res.headers.connection,
        reusedSocket: res.reusedSocket,
      };
      samples.push(sample);
      if (spec.onSample?.(sample, res) === false) return;
      // A dead or refusing service answers in microseconds; do not spin on it.
      if (res.status === null) await new Promise((r) => setTimeout(r, 10));
      if (spec.paceMs) await new Promise((r) => setTimeout(r, Math.max(0, spec.paceMs! - (performance.now() - res.startedAt))));
      const retryAfter = Number(res.headers["retry-after"]);
      if (spec.honourRetryAfter && res.status !== null && res.status >= 400 && retryAfter > 0) {
        // In steps, so stop() does not wait out a long Retry-After.
        const until = performance.now() + retryAfter * 1000;
        while (!stopped && performance.now() < until) await new Promise((r) => setTimeout(r, Math.min(100, until - performance.now())));
      }
    }
  };
  const done = Promise.all(Array.from({ length: spec.concurrency }, (_, w) => worker(w))).then(() => undefined);
  return {
    samples,
    done,
    halt() {
      stopped = true;
    },
    async stop() {
      stopped = true;
      await done;
      for (const a of agents) a.destroy();
      return samples;
    },
  };
}

export interface LoadSummary {
  requests: number;
  /** Answered 2xx. */
  ok: number;
  /** Not 2xx, or no answer. */
  errors: number;
  byStatus: Record<string, number>;
  rps: number;
  latencyMs: LatencySummary;
}

/** Figures of the samples in [from, to) (performance.now() times, by start time). */
export function summarizeLoad(samples: readonly LoadSample[], from = -Infinity, to = Infinity): LoadSummary {
  const inWindow = samples.filter((s) => s.startedAt >= from && s.startedAt < to);
  const byStatus: Record<string, number> = {};
  for (const s of inWindow) {
    const key = s.status === null ? String(s.error) : s.code ? `${s.status} ${s.code}` : String(s.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const ok = inWindow.filter((s) => s.status !== null && s.status < 300).length;
  const start = Number.isFinite(from) ? from : minOf(inWindow.map((s) => s.startedAt));
  const end = Number.isFinite(to) ? to : maxOf(inWindow.map((s) => s.endedAt));
  return {
    requests: inWindow.length,
    ok,
    errors: inWindow.length - ok,
    byStatus,
    rps: inWindow.length > 0 ? Math.round((inWindow.length / ((end - start) / 1000)) * 10) / 10 : 0,
    latencyMs: latency(inWindow.map((s) => s.ms)),
  };
}
