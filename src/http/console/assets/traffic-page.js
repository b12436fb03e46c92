// Traffic: headline numbers from /stats/routing and /stats/cache, and charts
// over time from /stats/series (tier mix, cache-hit rate, fallback reasons, savings).
import { errorView } from "./api.js";
import { legend, lineChart, stackedBarChart } from "./charts.js";
import { fmt, h, replace } from "./dom.js";
import { tierClass } from "./tiers.js";

const hour = 3600_000;
const day = 24 * hour;
const ranges = {
  "24h": { label: "Last 24 hours, hourly", span: day, bucket: "hour" },
  "7d": { label: "Last 7 days, daily", span: 7 * day, bucket: "day" },
  "30d": { label: "Last 30 days, daily", span: 30 * day, bucket: "day" },
};
const bucketMs = { hour, day };

const reasonLabels = {
  out_of_distribution: "out of distribution",
  low_confidence_fallback: "low confidence",
  low_margin_fallback: "low margin",
  no_close_exemplar: "no close exemplar",
  empty_index: "empty index",
  encoder_error_fallback: "encoder error",
  warming_up: "warming up",
};
const reasonOrder = Object.keys(reasonLabels);
// The router's own judgement (the vote, or the second stage): not a fallback (routing/decision.ts isFallback).
const decided = new Set(["knn", "second_stage", "rule", "llm_rated"]);

export function render({ api, container, params, session, navigate, isCurrent }) {
  const rangeKey = ranges[params.get("range")] ? params.get("range") : "24h";
  const select = h(
    "select",
    { id: "traffic-range" },
    Object.entries(ranges).map(([key, r]) => h("option", { value: key }, r.label)),
  );
  select.value = rangeKey;
  select.addEventListener("change", () => navigate(`#/traffic?range=${select.value}`));
  const refresh = h("button", { type: "button", onclick: () => void load() }, "Refresh");
  const headline = h("div", { class: "headline", "aria-live": "polite" });
  const charts = h("div", { class: "charts", "aria-live": "polite" });

  replace(
    container,
    h("h1", { id: "traffic-title" }, "Traffic"),
    h("div", { class: "card row" }, h("div", { class: "field" }, h("label", { for: "traffic-range" }, "Window"), select), h("div", { class: "field end" }, refresh)),
    headline,
    charts,
  );

  async function load() {
    const range = ranges[rangeKey];
    const to = new Date();
    const from = alignDown(new Date(to.getTime() - range.span), range.bucket);
    const window = { from: from.toISOString(), to: to.toISOString() };
    replace(headline, h("p", { class: "muted", role: "status" }, "Loading…"));
    replace(charts);
    const [routing, cache, series] = await Promise.allSettled([
      api.get("/stats/routing", window),
      api.get("/stats/cache", window),
      api.get("/stats/series", { ...window, bucket: range.bucket }),
    ]);
    if (!isCurrent()) return;
    if (routing.status === "fulfilled" && cache.status === "fulfilled") replace(headline, headlineView(routing.value, cache.value));
    else replace(headline, errorView(routing.status === "rejected" ? routing.reason : cache.reason, "Statistics unavailable"));
    if (series.status === "fulfilled") replace(charts, chartsView(series.value, session.tiers, range));
    else replace(charts, errorView(series.reason, "The time series (GET /stats/series) is unavailable"));
  }

  void load();
}

function headlineView(routing, cache) {
  const card = (label, value, note) =>
    h("div", { class: "stat card" }, h("dt", {}, label), h("dd", {}, h("span", { class: "value" }, value), note ? h("span", { class: "muted" }, note) : null));
  return h(
    "dl",
    { class: "stats", "aria-label": "Totals for the window" },
    card("Requests", fmt.int(routing.requests)),
    card("Cache-hit rate", fmt.pct(routing.cacheHitRate), `${fmt.int(cache.distinctKeys)} distinct keys`),
    card("Fallback rate", fmt.pct(routing.fallbackRate), `low margin ${fmt.pct(routing.lowMarginFallbackRate)}`),
    card("Estimated savings", fmt.pct(routing.estimatedCost?.savings), `cost ${fmt.pct(routing.estimatedCost?.relativeToAlwaysPremium)} of always-premium`),
    routing.droppedDecisions > 0 ? card("Dropped decisions", fmt.int(routing.droppedDecisions), "not counted (write-behind overflow)") : null,
  );
}

function chartsView(series, configuredTiers, range) {
  const tiers = series.tiers?.length ? series.tiers : configuredTiers;
  const buckets = fillBuckets(series, range.bucket);
  const label = (start) =>
    range.bucket === "hour" ? start.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }) : start.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  const title = (start) =>
    range.bucket === "hour" ? `${start.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}` : start.toLocaleDateString(undefined, { dateStyle: "medium" });
  const per = range.bucket === "hour" ? "per hour" : "per day";
  const total = (pick) => buckets.reduce((n, b) => n + (pick(b) ?? 0), 0);
  const requests = total((b) => b.requests);
  const countFormat = (v) => fmt.int(v);

  const reasonsSeen = new Set();
  for (const b of buckets) for (const r of Object.keys(b.reasons ?? {})) if (!decided.has(r)) reasonsSeen.add(r);
  const reasons = [...reasonOrder.filter((r) => reasonsSeen.has(r)), ...[...reasonsSeen].filter((r) => !reasonOrder.includes(r))];
  const reasonClass = (r) => `c${3 + (reasons.indexOf(r) % 5)}`;

  const tierMix = stackedBarChart({
    label: `Tier mix ${per}: share of requests per tier (${fmt.int(requests)} requests)`,
    yMax: 1,
    format: (v) => fmt.pct(v, 0),
    buckets: buckets.map((b) => ({
      label: label(b.start),
      title: `${title(b.start)} (${fmt.int(b.requests)} requests)`,
      segments: tiers.map((t) => ({
        key: t,
        cls: tierClass(t, configuredTiers.includes(t) ? configuredTiers : tiers),
        value: b.requests > 0 ? (b.tiers?.[t] ?? 0) / b.requests : 0,
      })),
    })),
  });
  const hitRate = lineChart({
    label: `Cache-hit rate ${per}`,
    cls: "c1",
    format: (v) => fmt.pct(v, 0),
    buckets: buckets.map((b) => ({ label: label(b.start), title: `${title(b.start)} (${fmt.int(b.hits)} of ${fmt.int(b.requests)})`, value: b.requests > 0 ? b.hitRate : null })),
  });
  const fallbacks = stackedBarChart({
    label: `Fallbacks ${per} by reason (${fmt.int(total((b) => fallbackCount(b)))} of ${fmt.int(requests)} requests)`,
    format: countFormat,
    emptyText: requests > 0 ? "No fallbacks in this window" : "No requests in this window",
    buckets: buckets.map((b) => ({
      label: label(b.start),
      title: title(b.start),
      segments: reasons.map((r) => ({ key: reasonLabels[r] ?? r, cls: reasonClass(r), value: b.reasons?.[r] ?? 0 })),
    })),
  });
  const savings = lineChart({
    label: `Estimated savings ${per} against always-premium`,
    cls: "c0",
    format: (v) => fmt.pct(v, 0),
    buckets: buckets.map((b) => ({ label: label(b.start), title: `${title(b.start)} (relative cost ${fmt.pct(b.relativeCost)})`, value: b.requests > 0 ? b.savings : null })),
  });

  const figure = (id, caption, chart, extra) => h("figure", { class: "card chart-card", "data-chart": id }, h("figcaption", {}, caption), chart, extra);
  return [
    figure(
      "tier-mix",
      "Tier mix",
      tierMix,
      legend(tiers.map((t) => ({ label: t, cls: tierClass(t, configuredTiers.includes(t) ? configuredTiers : tiers), total: fmt.int(total((b) => b.tiers?.[t])) }))),
    ),
    figure("hit-rate", "Cache-hit rate", hitRate, legend([{ label: "hit rate", cls: "c1", total: requests > 0 ? fmt.pct(total((b) => b.hits) / requests) : "–" }])),
    figure(
      "fallbacks",
      "Fallback reasons",
      fallbacks,
      reasons.length > 0 ? legend(reasons.map((r) => ({ label: reasonLabels[r] ?? r, cls: reasonClass(r), total: fmt.int(total((b) => b.reasons?.[r])) }))) : null,
    ),
    figure("savings", "Estimated savings", savings, legend([{ label: "savings (same tokens per request assumed)", cls: "c0" }])),
  ];
}

const fallbackCount = (b) => Object.entries(b.reasons ?? {}).reduce((n, [r, c]) => (decided.has(r) ? n : n + c), 0);

/** UTC-aligned bucket start, so client buckets line up with the server's. */
function alignDown(date, bucket) {
  const d = new Date(date);
  d.setUTCMinutes(0, 0, 0);
  if (bucket === "day") d.setUTCHours(0);
  return d;
}

/**
 * One entry per bucket from `from` to `to`, whether or not the server sent a
 * point for it, so quiet hours show as gaps rather than closing up the axis.
 */
function fillBuckets(series, bucket) {
  const size = bucketMs[series.bucket] ?? bucketMs[bucket];
  const points = (series.points ?? []).map((p) => ({ ...p, start: new Date(p.start) })).sort((a, b) => a.start - b.start);
  const from = alignDown(new Date(series.from ?? points[0]?.start ?? Date.now()), series.bucket ?? bucket).getTime();
  const to = new Date(series.to ?? Date.now()).getTime();
  if (!(to > from) || (to - from) / size > 1000) return points;
  const out = [];
  let i = 0;
  for (let t = from; t < to; t += size) {
    const inBucket = [];
    while (i < points.length && points[i].start.getTime() < t + size) {
      if (points[i].start.getTime() >= t) inBucket.push(points[i]);
      i++;
    }
    out.push(inBucket[0] ?? { start: new Date(t), requests: 0, hits: 0, hitRate: 0, tiers: {}, reasons: {}, fallbackRate: 0, relativeCost: 0, savings: 0 });
  }
  return out;
}
