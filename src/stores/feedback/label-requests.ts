/**
 * Which logged decisions are worth a label (GET /feedback/requests).
 * Feedback is expensive, and a label on a query the router was sure of and
 * that sits among many exemplars changes nothing: the labels that move an
 * operating point are those where the router doubted its tier, and those far
 * from every exemplar, where neither the vote nor the model has seen the
 * like. Candidates are spread across the tiers routing chose, so a
 * calibration sees every boundary (a tier never labelled cannot be
 * calibrated). Pure: the service reads the candidates, this ranks them.
 */
export interface LabelCandidate {
  decisionId: string;
  at: Date;
  tier: string;
  reason: string;
  /** P(needs exactly the answered tier), as the decision reported it. */
  confidence: number;
  /** The tier routing chose (shadow mode: the would-be tier). */
  routed: string;
  nearestSimilarity: number | null;
  textHash: string | null;
  queryText: string | null;
}

export interface LabelRequest extends LabelCandidate {
  /** 0..1: how much a label here is worth. */
  score: number;
  /** Why, in words. */
  why: string[];
}

/** Reasons under which the router went up without deciding: always worth a label. */
const GAVE_UP = new Set(["out_of_distribution", "low_margin_fallback", "no_close_exemplar", "low_confidence_fallback"]);
/** Nearest similarities at or above CLOSE count as covered; at FAR or below as uncovered. */
const CLOSE = 0.6;
const FAR = 0.35;

export function informativeness(c: LabelCandidate): { score: number; why: string[] } {
  const why: string[] = [];
  const doubt = 1 - Math.min(1, Math.max(0, c.confidence));
  if (doubt >= 0.4) why.push(`the router gave its tier ${c.confidence.toFixed(2)}`);
  let distance = 0;
  if (c.nearestSimilarity !== null) {
    distance = Math.min(1, Math.max(0, (CLOSE - c.nearestSimilarity) / (CLOSE - FAR)));
    if (distance >= 0.5) why.push(`far from every exemplar (nearest ${c.nearestSimilarity.toFixed(2)})`);
  }
  const gaveUp = GAVE_UP.has(c.reason) ? 0.75 : 0;
  if (gaveUp > 0) why.push(`routing went up without deciding (${c.reason})`);
  return { score: Math.round(Math.max(doubt, distance, gaveUp) * 1e4) / 1e4, why };
}

/**
 * The `limit` most informative candidates, one per text, taken in turn from
 * each tier routing chose (most informative first within a tier), so every
 * boundary gets labels. Ties go to the more recent decision.
 */
export function pickLabelRequests(candidates: readonly LabelCandidate[], tiers: readonly string[], limit: number): LabelRequest[] {
  const seen = new Set<string>();
  const scored = candidates
    .map((c) => ({ ...c, ...informativeness(c) }))
    .sort((a, b) => b.score - a.score || b.at.getTime() - a.at.getTime())
    .filter((c) => {
      const key = c.textHash ?? c.decisionId;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const queues = tiers.map((t) => scored.filter((c) => c.routed === t));
  const out: LabelRequest[] = [];
  for (let round = 0; out.length < limit; round++) {
    let took = false;
    for (const q of queues) {
      const next = q[round];
      if (next && out.length < limit) {
        out.push(next);
        took = true;
      }
    }
    if (!took) break;
  }
  return out;
}
