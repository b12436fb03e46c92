import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Breakers } from "../adapters/upstreams/breaker.js";
import type { RatingOutcome } from "../routing/complexity-rater.js";
import type { AttemptRecord, ExchangeRecord, GatewayRecorder } from "../adapters/upstreams/recorder.js";

const circuitValue = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * The gateway's Prometheus series, on the service's registry. Labels are
 * upstream ids (configured names or "<tier>/<index>"), tiers and outcomes:
 * never a URL or a key.
 */
export class GatewayMetrics implements GatewayRecorder {
  private readonly requests: Counter<"mode" | "outcome">;
  private readonly attempts: Counter<"upstream" | "tier" | "kind" | "outcome">;
  private readonly firstByte: Histogram<"upstream">;
  private readonly tokens: Counter<"tier" | "type">;
  private readonly spend: Counter<"tier" | "kind">;
  private readonly counterfactual: Counter;
  private readonly cascades: Counter<"outcome">;
  private readonly ratings: Counter<"outcome" | "rating">;

  constructor(registry: Registry, sources: { circuits: () => ReturnType<Breakers["snapshot"]>; droppedRows: () => number }) {
    const registers = [registry];
    this.requests = new Counter({
      name: "tierline_gateway_requests_total",
      help: "Gateway requests by mode (routed, tier, model) and outcome",
      labelNames: ["mode", "outcome"],
      registers,
    });
    this.attempts = new Counter({
      name: "tierline_upstream_attempts_total",
      help: "Upstream attempts by upstream, tier, kind (answer, verify, rate) and outcome",
      labelNames: ["upstream", "tier", "kind", "outcome"],
      registers,
    });
    this.firstByte = new Histogram({
      name: "tierline_upstream_first_byte_seconds",
      help: "Time to an upstream's first byte (streams) or whole answer, for attempts that answered",
      labelNames: ["upstream"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.tokens = new Counter({
      name: "tierline_gateway_tokens_total",
      help: "Tokens upstreams reported, by tier and type (prompt, completion)",
      labelNames: ["tier", "type"],
      registers,
    });
    this.spend = new Counter({
      name: "tierline_gateway_spend_usd_total",
      help: "Spend at the configured prices, by tier and kind of attempt",
      labelNames: ["tier", "kind"],
      registers,
    });
    this.counterfactual = new Counter({
      name: "tierline_gateway_counterfactual_spend_usd_total",
      help: "What the served answers' tokens would have cost on the most expensive tier",
      registers,
    });
    this.cascades = new Counter({
      name: "tierline_gateway_cascades_total",
      help: "Cascades by outcome: the cheap answer accepted, or escalated",
      labelNames: ["outcome"],
      registers,
    });
    this.ratings = new Counter({
      name: "tierline_complexity_ratings_total",
      help: "LLM complexity ratings by outcome (rated, timeout, failed, unparseable) and rating",
      labelNames: ["outcome", "rating"],
      registers,
    });
    new Gauge({
      name: "tierline_upstream_circuit_state",
      help: "Each upstream's circuit: 0 closed, 1 half-open, 2 open",
      labelNames: ["upstream"],
      registers,
      collect() {
        for (const b of sources.circuits()) this.set({ upstream: b.upstream }, circuitValue[b.state]);
      },
    });
    new Counter({
      name: "tierline_gateway_log_dropped_rows_total",
      help: "Attempt-log rows lost: write-behind buffer full, or unwritable at shutdown",
      registers,
      collect() {
        this.reset();
        this.inc(sources.droppedRows());
      },
    });
  }

  attempt(r: AttemptRecord): void {
    this.attempts.inc({ upstream: r.upstream, tier: r.tier, kind: r.kind, outcome: r.outcome });
    if (r.outcome === "ok" || r.outcome === "refused") this.firstByte.observe({ upstream: r.upstream }, r.ms / 1000);
    if (r.usage) {
      this.tokens.inc({ tier: r.tier, type: "prompt" }, r.usage.promptTokens);
      this.tokens.inc({ tier: r.tier, type: "completion" }, r.usage.completionTokens);
    }
    if (r.costUsd !== null) this.spend.inc({ tier: r.tier, kind: r.kind }, r.costUsd);
  }

  exchange(r: ExchangeRecord): void {
    this.requests.inc({ mode: r.mode, outcome: r.outcome });
    if (r.counterfactualUsd !== null) this.counterfactual.inc(r.counterfactualUsd);
    if (r.cascade !== null) this.cascades.inc({ outcome: r.cascade });
  }

  rating(outcome: RatingOutcome, rating: number | null): void {
    this.ratings.inc({ outcome, rating: rating === null ? "none" : String(rating) });
  }
}
