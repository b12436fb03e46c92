import type { Database } from "../adapters/db/client.js";
import type { DatabaseGuard } from "../adapters/db/database-guard.js";
import type { Breakers } from "../adapters/upstreams/breaker.js";
import type { GatewayLog } from "./gateway-log.js";
import { attemptGroups, exchangeGroups, type AttemptGroup, type ExchangeGroup } from "./gateway-repository.js";
import type { UpstreamRegistry } from "../adapters/upstreams/upstream-registry.js";

const add = (target: Record<string, number>, key: string, n: number) => {
  target[key] = (target[key] ?? 0) + n;
};
const sumOf = <T>(rows: readonly T[], pick: (r: T) => number) => rows.reduce((n, r) => n + pick(r), 0);

interface Spend {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  spendUsd: number;
  counterfactualUsd: number;
}
const emptySpend = (): Spend => ({ requests: 0, promptTokens: 0, completionTokens: 0, spendUsd: 0, counterfactualUsd: 0 });

/**
 * The finance view of the gateway over a window: real spend per tier (every
 * attempt that reported usage, answers, checks and ratings alike) against
 * the counterfactual of sending every served answer's tokens to the most
 * expensive tier; attempts, fallbacks, cascades, ratings; and the live
 * circuit of each upstream on this replica.
 */
export class GatewayStats {
  constructor(
    private readonly db: Database,
    private readonly guard: DatabaseGuard,
    private readonly log: GatewayLog,
    private readonly registry: UpstreamRegistry,
    private readonly breakers: Breakers,
  ) {}

  async summary(window: { from: Date; to: Date }) {
    const [exchanges, attempts] = await this.guard.run("not_applied", async () => {
      await this.log.flush();
      return Promise.all([exchangeGroups(this.db, window.from, window.to), attemptGroups(this.db, window.from, window.to)]);
    });
    return { from: window.from.toISOString(), to: window.to.toISOString(), ...this.assemble(exchanges, attempts), upstreams: this.upstreams(), droppedRows: this.log.dropped };
  }

  private assemble(exchanges: readonly ExchangeGroup[], attempts: readonly AttemptGroup[]) {
    const requests = sumOf(exchanges, (g) => g.requests);
    const outcomes: Record<string, number> = {};
    const byReason: Record<string, Spend> = {};
    const byTier: Record<string, Spend & { attempts: number }> = {};
    for (const t of this.registry.tierNames) byTier[t] = { ...emptySpend(), attempts: 0 };
    let counterfactualUsd = 0;
    for (const g of exchanges) {
      add(outcomes, g.outcome, g.requests);
      counterfactualUsd += g.counterfactualUsd;
      const reason = (byReason[g.reason] ??= emptySpend());
      reason.requests += g.requests;
      reason.spendUsd += g.costUsd;
      reason.counterfactualUsd += g.counterfactualUsd;
      reason.promptTokens += g.promptTokens;
      reason.completionTokens += g.completionTokens;
      if (g.servedTier !== null && g.outcome === "ok") {
        const tier = (byTier[g.servedTier] ??= { ...emptySpend(), attempts: 0 });
        tier.requests += g.requests;
        tier.counterfactualUsd += g.counterfactualUsd;
      }
    }
    const byKind: Record<string, number> = { answer: 0, verify: 0, rate: 0 };
    const attemptOutcomes: Record<string, number> = {};
    for (const a of attempts) {
      add(byKind, a.kind, a.costUsd);
      add(attemptOutcomes, a.outcome, a.attempts);
      const tier = (byTier[a.tier] ??= { ...emptySpend(), attempts: 0 });
      tier.attempts += a.attempts;
      tier.spendUsd += a.costUsd;
      tier.promptTokens += a.promptTokens;
      tier.completionTokens += a.completionTokens;
    }
    const actualUsd = sumOf(attempts, (a) => a.costUsd);
    const rated = byReason.llm_rated ?? emptySpend();
    return {
      requests,
      outcomes,
      spend: {
        actualUsd,
        counterfactualUsd,
        savingsUsd: counterfactualUsd - actualUsd,
        relativeToAlwaysPremium: counterfactualUsd > 0 ? actualUsd / counterfactualUsd : null,
        byKind,
        requestsWithUsage: sumOf(exchanges, (g) => g.withUsage),
        requestsWithoutUsage: sumOf(exchanges, (g) => (g.outcome === "ok" ? g.requests - g.withUsage : 0)),
      },
      byTier,
      byReason,
      attempts: {
        total: sumOf(attempts, (a) => a.attempts),
        byOutcome: attemptOutcomes,
        fallbacks: sumOf(exchanges, (g) => (g.fallback ? g.requests : 0)),
      },
      cascade: {
        accepted: sumOf(exchanges, (g) => (g.cascade === "accepted" ? g.requests : 0)),
        escalated: sumOf(exchanges, (g) => (g.cascade === "escalated" ? g.requests : 0)),
      },
      llmRating: {
        ratings: sumOf(attempts, (a) => (a.kind === "rate" && a.outcome !== "skipped" ? a.attempts : 0)),
        ratingSpendUsd: byKind.rate ?? 0,
        ratedRequests: rated.requests,
        ratedSpendUsd: rated.spendUsd,
        ratedCounterfactualUsd: rated.counterfactualUsd,
      },
    };
  }

  /** Each upstream's circuit on this replica, now. */
  upstreams() {
    const byId = new Map(this.breakers.snapshot().map((b) => [b.upstream, b]));
    return this.registry.all.map((u) => {
      const { state, consecutiveFailures, retryInMs } = byId.get(u.id)!;
      return { upstream: u.id, tier: u.tier, model: u.model, state, consecutiveFailures, retryInMs };
    });
  }
}
