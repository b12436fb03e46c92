import type { Drift, FeedbackStats, ShadowReport, TierlineClient } from "../client/index.js";

type Interval = readonly [number, number];
type Quality = NonNullable<ShadowReport["shadow"]["quality"]>;
type ShadowSummary = Omit<ShadowReport["shadow"], "byTier" | "byTag">;
type Misroutes = Omit<FeedbackStats, "byTier" | "byReason" | "days" | "from" | "to">;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const range = ([a, b]: Interval) => `[${pct(a)}, ${pct(b)}]`;
const num = (x: number | null, d = 3) => (x === null ? "-" : x.toFixed(d));
const quality = (q: Quality | null) =>
  q === null ? "no feedback" : `${pct(q.rate)} ${range(q.interval)} (n ${q.n}; ${q.unknown} unknown, ${pct(q.optimistic)} if they were served)`;

function shadowLines(r: ShadowReport): string[] {
  const s = r.shadow;
  if (s.decisions === 0) return [`Shadow mode: no shadow decisions in the window (turn it on with shadow.enabled, or "shadow": true per request)`];
  const row = (name: string, x: ShadowSummary) =>
    `  ${name.padEnd(16)} ${String(x.decisions).padStart(7)}  ${pct(x.share).padStart(6)}  ${pct(x.relativeCost).padStart(6)} ${range(x.costInterval).padEnd(17)} ${quality(x.quality)}`;
  return [
    `Shadow mode: ${s.decisions} decisions answered ${r.shadowTier}, routing logged`,
    `  routing would have cost ${pct(s.relativeCost)} ${range(s.costInterval)} of answering ${r.shadowTier}: savings ${pct(s.savings)}`,
    `  quality routing would have kept: ${quality(s.quality)}`,
    `  ${"would-be tier".padEnd(16)} ${"decisions".padStart(7)}  ${"share".padStart(6)}  ${"cost".padStart(6)} ${"95% interval".padEnd(17)} quality (95% interval)`,
    ...Object.entries(s.byTier).map(([t, x]) => row(t, x)),
    ...(Object.keys(s.byTag).length > 0 ? [`  ${"tag".padEnd(16)}`, ...Object.entries(s.byTag).map(([t, x]) => row(t, x))] : []),
  ];
}

function misrouteLines(m: FeedbackStats, live: ShadowReport["live"]): string[] {
  if (m.feedback === 0) return ["Feedback: none in the window"];
  const row = (name: string, x: Misroutes) =>
    `  ${name.padEnd(22)} ${String(x.feedback).padStart(7)}  ${pct(x.tooWeakRate).padStart(8)}  ${pct(x.overkillRate).padStart(8)}  ${num(x.meanScore, 2).padStart(6)}`;
  return [
    `Feedback: ${m.feedback} reports; too weak ${pct(m.tooWeakRate)}, overkill ${pct(m.overkillRate)}, misrouted ${pct(m.misrouteRate)}`,
    `  live routing quality (decisions not shadowed): ${quality(live.quality)}`,
    `  ${"tier / reason".padEnd(22)} ${"reports".padStart(7)}  ${"too weak".padStart(8)}  ${"overkill".padStart(8)}  ${"score".padStart(6)}`,
    ...Object.entries(m.byTier).map(([t, x]) => row(t, x)),
    ...Object.entries(m.byReason).map(([t, x]) => row(t, x)),
  ];
}

function driftLines(d: Drift): string[] {
  if (d.days.length === 0) return ["Drift: no logged decisions in the window"];
  return [
    "Drift (per UTC day)",
    `  ${"day".padEnd(10)}  ${"decisions".padStart(9)}  nearest mean / p10  fallback  far (no close exemplar / OOD)  revision`,
    ...d.days.map(
      (x) =>
        `  ${x.day}  ${String(x.decisions).padStart(9)}  ${num(x.meanNearestSimilarity)} / ${num(x.p10NearestSimilarity)}      ${pct(x.fallbackRate).padStart(7)}  ${pct(x.outOfDistributionRate).padStart(7)}                        ${x.revision}`,
    ),
  ];
}

/**
 * `tierline report`: shadow-mode savings and quality (with intervals, per
 * tier and per tag), feedback misroute rates and drift, read through the
 * analyst endpoints of a running service.
 */
export async function report(options: { client: TierlineClient; from?: string; to?: string; json?: boolean }): Promise<string> {
  const { client } = options;
  const window = { from: options.from, to: options.to };
  const [shadow, misroutes, drift] = await Promise.all([client.getShadowReport(window), client.getFeedbackStats(window), client.getDrift(window)]);
  if (options.json) return JSON.stringify({ shadow, feedback: misroutes, drift });
  return [
    `tierline report ${shadow.from.slice(0, 10)} .. ${shadow.to.slice(0, 10)} (${client.baseUrl})`,
    "",
    ...shadowLines(shadow),
    "",
    ...misrouteLines(misroutes, shadow.live),
    "",
    ...driftLines(drift),
  ].join("\n");
}
