import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { withEmbed, type Encoder } from "../adapters/embeddings/encoder.js";
import type { LaneStats } from "../adapters/embeddings/priority-encoder.js";
import { skipsCache, type Decision, type DecisionFacts } from "../routing/decision.js";

/** What /metrics reads from a write-behind buffer (util/write-behind.ts). */
export interface WriterCounts {
  /** Lost to overflow or at shutdown. */
  readonly dropped: number;
  readonly failedFlushes: number;
  /** Refused by the database and set aside. */
  readonly deadLetters: number;
}

/** The session store's health (sessions/session-store.ts). */
export interface SessionHealth {
  held: number;
  readMisses: number;
  readsSkipped: number;
  pendingReads: number;
  pendingWrites: number;
  writeFailures: number;
  writesDropped: number;
}

export interface MetricsSources {
  indexSize: () => number;
  revision: () => number;
  /**
   * The write-behind buffers by name (stats, cache, decision_log,
   * gateway_log, sessions), read at scrape time; null for one switched off.
   */
  writers: () => Record<string, WriterCounts | null>;
  /** Failed database operations other than flushes, by kind (readiness pings). */
  databaseErrors: () => Record<string, number>;
  /** The model's queues: texts waiting per lane, texts dropped for requests given up, batches refused. */
  embeddingLane: () => LaneStats;
  sessions: () => SessionHealth;
  /** Decisions the previous process lost when it was killed, counted at this start (decision-log/crash-journal.ts). */
  decisionsLostAtCrash: () => number;
}

/**
 * Prometheus metrics, one registry per service instance (tests build many).
 * Latencies are in seconds, as Prometheus conventions expect.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly routeLatency: Histogram<"cached" | "tier">;
  private readonly decisions: Counter<"tier" | "reason">;
  private readonly cacheLookups: Counter<"result">;
  private readonly outOfDistribution: Counter;
  private readonly feedback: Counter<"tier" | "reason" | "verdict">;
  private readonly shadowed: Counter<"routed_tier">;
  readonly embedLatency: Histogram;
  readonly embedBatchSize: Histogram;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.routeLatency = new Histogram({
      name: "tierline_route_duration_seconds",
      help: "Time inside the service to answer POST /route",
      labelNames: ["cached", "tier"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28],
      registers,
    });
    this.decisions = new Counter({ name: "tierline_decisions_total", help: "Routing decisions by tier and reason", labelNames: ["tier", "reason"], registers });
    // Also in tierline_decisions_total{reason="out_of_distribution"}; a series of its own exists from start (at 0), so a drift alert's ratio is defined before the first OOD query.
    this.outOfDistribution = new Counter({
      name: "tierline_out_of_distribution_total",
      help: "Decisions sent to the fallback tier because the query's neighborhood is unlike the calibration data (a drift signal)",
      registers,
    });
    this.feedback = new Counter({
      name: "tierline_feedback_total",
      help: "Feedback reports received on this replica, by the tier that answered, its reason, and the verdict (misroute rate: too_weak + overkill over all)",
      labelNames: ["tier", "reason", "verdict"],
      registers,
    });
    this.shadowed = new Counter({
      name: "tierline_shadow_decisions_total",
      help: "Shadow-mode answers by the tier routing would have chosen",
      labelNames: ["routed_tier"],
      registers,
    });
    this.cacheLookups = new Counter({ name: "tierline_cache_lookups_total", help: "Decision cache lookups by result (hit or miss)", labelNames: ["result"], registers });
    this.embedLatency = new Histogram({
      name: "tierline_embedding_duration_seconds",
      help: "Time of one embedding call (a batch)",
      buckets: [0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56],
      registers,
    });
    this.embedBatchSize = new Histogram({ name: "tierline_embedding_batch_size", help: "Texts per embedding call", buckets: [1, 2, 4, 8, 16, 32, 64], registers });
    new Gauge({
      name: "tierline_index_exemplars",
      help: "Exemplars in the in-memory index",
      registers,
      collect() {
        this.set(sources.indexSize());
      },
    });
    new Gauge({
      name: "tierline_exemplar_revision",
      help: "Exemplar-set revision the index reflects",
      registers,
      collect() {
        this.set(sources.revision());
      },
    });
    const dropped = (name: string) => () => sources.writers()[name]?.dropped ?? 0;
    this.mirror("tierline_stats_dropped_decisions_total", "Decisions whose statistics were lost: write-behind buffer full, or unwritable at shutdown", dropped("stats"));
    this.mirror("tierline_cache_dropped_updates_total", "Decision-cache updates lost: write-behind queue full, or unwritable at shutdown", dropped("cache"));
    this.mirror("tierline_decision_log_dropped_total", "Decisions the decision log lost: write-behind buffer full, or unwritable at shutdown", dropped("decision_log"));
    this.mirror(
      "tierline_decision_log_lost_at_crash_total",
      "Decisions the previous process made and never wrote (killed with them in its buffer), counted at this start",
      sources.decisionsLostAtCrash,
    );
    const perWriter = (count: (w: WriterCounts) => number, suffix = "") =>
      Object.fromEntries(Object.entries(sources.writers()).flatMap(([name, w]) => (w === null ? [] : [[`${name}${suffix}`, count(w)]])));
    this.mirror(
      "tierline_database_errors_total",
      "Failed database operations by kind (write-behind flushes, readiness pings)",
      () => ({ ...perWriter((w) => w.failedFlushes, "_flush"), ...sources.databaseErrors() }),
      "operation",
    );
    this.mirror(
      "tierline_write_behind_dead_letters_total",
      "Rows the database refused (a value it cannot store), set aside so the rows behind them are written; by write-behind buffer",
      () => perWriter((w) => w.deadLetters),
      "writer",
    );
    this.sessionMetrics(sources.sessions);
    new Gauge({
      name: "tierline_embedding_queued_texts",
      help: "Texts waiting for the model, by lane (interactive, batch, bulk)",
      labelNames: ["lane"],
      registers: [this.registry],
      collect() {
        for (const [lane, n] of Object.entries(sources.embeddingLane().queued)) this.set({ lane }, n);
      },
    });
    this.mirror(
      "tierline_embedding_cancelled_texts_total",
      "Texts dropped from the model's queue because their request had answered (deadline) or its client had gone",
      () => sources.embeddingLane().cancelled,
    );
    this.mirror("tierline_batches_refused_total", "POST /route/batch calls refused with 503 overloaded: the batch lane was full", () => sources.embeddingLane().refused);
    this.cacheLookups.inc({ result: "hit" }, 0);
    this.cacheLookups.inc({ result: "miss" }, 0);
  }

  /**
   * A counter (it only grows) whose value lives elsewhere (a write-behind
   * buffer, the session store), read at scrape time: one value, or one per
   * value of `label`.
   */
  private mirror(name: string, help: string, read: () => number | Record<string, number>, label?: string): void {
    new Counter({
      name,
      help,
      labelNames: label === undefined ? [] : [label],
      registers: [this.registry],
      collect() {
        this.reset();
        const value = read();
        if (typeof value === "number") this.inc(value);
        else for (const [key, n] of Object.entries(value)) this.inc({ [label!]: key }, n);
      },
    });
  }

  private sessionMetrics(health: () => SessionHealth): void {
    const registers = [this.registry];
    new Gauge({
      name: "tierline_sessions_held",
      help: "Sessions held in this replica's memory (bounded by sessions.memoryEntries)",
      registers,
      collect() {
        this.set(health().held);
      },
    });
    new Gauge({
      name: "tierline_session_pending",
      help: "Session lookups waiting for the batched read, and floors waiting to be written (bounded by sessions.maxPendingReads and sessions.queueLimit)",
      labelNames: ["kind"],
      registers,
      collect() {
        const h = health();
        this.set({ kind: "read" }, h.pendingReads);
        this.set({ kind: "write" }, h.pendingWrites);
      },
    });
    this.mirror(
      "tierline_session_read_misses_total",
      "Session lookups that found nothing in time (timed out, failed, or not made: read queue full); such a request has no floor",
      () => health().readMisses,
    );
    this.mirror("tierline_session_write_failures_total", "Failed writes of session floors (retried on the next flush)", () => health().writeFailures);
    this.mirror(
      "tierline_session_dropped_total",
      "Session work given up under load: floors never written (queue full, or unwritable at shutdown), lookups never made (read queue full)",
      () => ({ write: health().writesDropped, read: health().readsSkipped }),
      "kind",
    );
  }

  observeDecision(d: Decision, facts?: Pick<DecisionFacts, "wouldBe">): void {
    this.routeLatency.observe({ cached: String(d.cached), tier: d.tier }, d.timings.totalMs / 1000);
    this.decisions.inc({ tier: d.tier, reason: d.reason });
    const routedReason = facts?.wouldBe?.reason ?? d.reason;
    if (routedReason === "out_of_distribution") this.outOfDistribution.inc();
    if (d.shadowOf !== undefined) this.shadowed.inc({ routed_tier: d.shadowOf });
    // Fallbacks before any lookup (warming up, model error) are neither hit nor miss; a shadow answer is judged by its routed reason.
    if (d.cached) this.cacheLookups.inc({ result: "hit" });
    else if (!skipsCache(routedReason)) this.cacheLookups.inc({ result: "miss" });
  }

  observeFeedback(f: { tier: string; reason: string; verdict: string }): void {
    this.feedback.inc(f);
  }
}

/** Wraps an encoder to time every call and record its batch size. */
export function instrumentEncoder(encoder: Encoder, metrics: ServiceMetrics): Encoder {
  return withEmbed(encoder, async (texts) => {
    const end = metrics.embedLatency.startTimer();
    try {
      return await encoder.embed(texts);
    } finally {
      end();
      metrics.embedBatchSize.observe(texts.length);
    }
  });
}
