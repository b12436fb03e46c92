import type { TierConfig } from "../../base/config/config-schema.js";
import type { Database } from "../../adapters/db/client.js";
import type { DatabaseGuard } from "../../adapters/db/database-guard.js";
import { loggedTexts } from "../decision-log/decision-log-repository.js";
import type { DecisionLog } from "../decision-log/decision-log.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import type { ExemplarIndexRef } from "../../adapters/vector-index/exemplar-index.js";
import { IndexNotReadyError } from "../exemplars/curation-context.js";
import { feedbackOfDecisions } from "./feedback-repository.js";
import { farQueries } from "./reports/coverage-gaps.js";
import { driftDays } from "./reports/drift.js";
import { feedbackGroups, misrouteRates } from "./reports/misroute-rates.js";
import { leaderClusters, neighborhoodsOf } from "./reports/neighborhoods.js";
import { decisionOutcomes } from "./reports/outcomes.js";
import { labelCandidates } from "./reports/label-candidates.js";
import { pickLabelRequests } from "./label-requests.js";
import { shadowCounts, shadowReport } from "./reports/shadow-report.js";

export interface Window {
  from: Date;
  to: Date;
}

export interface InsightsDeps {
  db: Database;
  guard: DatabaseGuard;
  log: DecisionLog;
  tiers: readonly TierConfig[];
  shadowTier: string;
  encoder: Encoder;
  index: ExemplarIndexRef;
}

/**
 * What the decision log and the feedback tell analysts and curators:
 * misroute rates, the shadow-mode report, drift, coverage gaps, and the
 * labelled neighborhoods calibration runs on. This replica's pending log
 * rows are written first, so a just-routed decision counts.
 */
export class InsightsService {
  private readonly names: string[];

  constructor(private readonly deps: InsightsDeps) {
    this.names = deps.tiers.map((t) => t.name);
  }

  async misroutes(w: Window) {
    const groups = await this.read((db) => feedbackGroups(db, w.from, w.to));
    return { from: w.from.toISOString(), to: w.to.toISOString(), ...misrouteRates(groups) };
  }

  async shadow(w: Window) {
    const [counts, outcomes] = await this.read((db) => Promise.all([shadowCounts(db, w.from, w.to), decisionOutcomes(db, this.names, w.from, w.to)]));
    return { from: w.from.toISOString(), to: w.to.toISOString(), ...shadowReport(counts, outcomes, this.deps.tiers, this.deps.shadowTier) };
  }

  async drift(w: Window) {
    return { from: w.from.toISOString(), to: w.to.toISOString(), days: await this.read((db) => driftDays(db, w.from, w.to)) };
  }

  /**
   * Decisions with feedback, each with the tier it needed (the most capable
   * one its feedback leaves open) and its nearest `depth` exemplars now, as
   * (tier, similarity) only: no text leaves the service. Decisions with no
   * text (neither logged nor sent with feedback) cannot be placed and are counted.
   */
  async labels(w: Window, page: { cursor?: string; limit: number; depth: number }) {
    const outcomes = await this.read((db) => decisionOutcomes(db, this.names, w.from, w.to));
    const missing = outcomes.filter((o) => o.queryText === null).map((o) => o.decisionId);
    const logged = missing.length === 0 ? new Map<string, string>() : await this.read((db) => loggedTexts(db, missing));
    const usable = outcomes.flatMap((o) => {
      const text = o.queryText ?? logged.get(o.decisionId);
      return text === undefined ? [] : [{ ...o, text }];
    });
    const rest = page.cursor === undefined ? usable : usable.filter((o) => o.decisionId > page.cursor!);
    const rows = rest.slice(0, page.limit);
    const { neighbors } = await neighborhoodsOf(
      rows.map((r) => r.text),
      this.deps.encoder,
      this.requireIndex(),
      page.depth,
    );
    return {
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      tiers: this.names,
      decisions: outcomes.length,
      withoutText: outcomes.length - usable.length,
      rows: rows.map((r, i) => ({
        decisionId: r.decisionId,
        label: this.names[r.needed.hi]!,
        needed: { from: this.names[r.needed.lo]!, to: this.names[r.needed.hi]! },
        tier: r.tier,
        routed: r.routed,
        neighbors: neighbors[i]!.map((n) => ({ tier: n.tier, similarity: n.similarity })),
      })),
      nextCursor: rest.length > page.limit ? rows[rows.length - 1]!.decisionId : null,
    };
  }

  /** The logged decisions without feedback whose labels would most move the operating point, spread across tiers (label-requests.ts). */
  async labelRequests(w: Window, options: { limit: number; scan: number }) {
    const candidates = await this.read((db) => labelCandidates(db, w, options.scan));
    const picked = pickLabelRequests(candidates, this.names, options.limit);
    return {
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      scanned: candidates.length,
      requests: picked.map((r) => ({
        decisionId: r.decisionId,
        at: r.at.toISOString(),
        tier: r.tier,
        routed: r.routed,
        reason: r.reason,
        confidence: r.confidence,
        nearestSimilarity: r.nearestSimilarity,
        query: r.queryText,
        score: r.score,
        why: r.why,
      })),
    };
  }

  /** Clusters of logged queries far from every exemplar, largest first: what curators should label next. */
  async gaps(w: Window, options: { threshold: number; clusterSimilarity: number; limit: number; maxQueries: number }) {
    const far = await this.read((db) => farQueries(db, w.from, w.to, options.threshold, options.maxQueries));
    const missing = far.rows.filter((r) => r.queryText === null).map((r) => r.decisionId);
    const supplied = new Map<string, string>();
    if (missing.length > 0) for (const f of await this.read((db) => feedbackOfDecisions(db, missing))) if (f.queryText) supplied.set(f.decisionId, f.queryText);
    const usable = far.rows.flatMap((r) => {
      const text = r.queryText ?? supplied.get(r.decisionId);
      return text === undefined ? [] : [{ ...r, text }];
    });
    const { vectors, neighbors } = await neighborhoodsOf(
      usable.map((u) => u.text),
      this.deps.encoder,
      this.requireIndex(),
      1,
    );
    const clusters = leaderClusters(vectors, options.clusterSimilarity)
      .map((members) => ({
        size: members.length,
        meanNearestSimilarity: members.reduce((s, m) => s + usable[m]!.nearest, 0) / members.length,
        samples: members.slice(0, 3).map((m) => usable[m]!.text),
        nearestExemplar: neighbors[members[0]!]![0] ?? null,
      }))
      .sort((a, b) => b.size - a.size || a.meanNearestSimilarity - b.meanNearestSimilarity)
      .slice(0, options.limit);
    return {
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      threshold: options.threshold,
      farDecisions: far.decisions,
      farQueries: far.distinct,
      withText: usable.length,
      clusters,
    };
  }

  private requireIndex() {
    const index = this.deps.index.get();
    if (!index) throw new IndexNotReadyError();
    return index;
  }

  private read<T>(op: (db: Database) => Promise<T>): Promise<T> {
    return this.deps.guard.run("not_applied", async () => {
      await this.deps.log.flush();
      return op(this.deps.db);
    });
  }
}
