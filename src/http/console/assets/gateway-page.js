// Gateway: what the gateway's traffic really cost per tier against sending every answer
// to the most expensive tier (GET /stats/gateway), attempts and fallbacks, cascades,
// complexity ratings, and each upstream's circuit on the replica that answered.
import { errorView } from "./api.js";
import { fmt, h, replace, s } from "./dom.js";
import { tierBadge, tierClass } from "./tiers.js";

const hour = 3600_000;
const ranges = {
  "24h": { label: "Last 24 hours", span: 24 * hour },
  "7d": { label: "Last 7 days", span: 7 * 24 * hour },
  "30d": { label: "Last 30 days", span: 30 * 24 * hour },
};

const outcomeLabels = {
  ok: "answered",
  refused: "refused (caller's request)",
  connect_error: "connection failed",
  timeout: "timed out",
  rate_limited: "rate-limited (429)",
  server_error: "server error (5xx)",
  empty_response: "empty stream",
  too_large: "answer too large",
  stream_interrupted: "stream broke off",
  cancelled: "caller left",
  skipped: "skipped (circuit open or Retry-After)",
};
const circuitText = { closed: "closed", half_open: "half-open (probing)", open: "open" };

/** Dollars with enough digits to tell small spends apart. */
export function usd(x) {
  if (!Number.isFinite(x)) return "–";
  if (x === 0) return "$0";
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 2 : Math.abs(x) >= 0.01 ? 4 : 6;
  return `$${x.toFixed(digits)}`;
}

export function render({ api, container, params, session, navigate, isCurrent }) {
  const rangeKey = ranges[params.get("range")] ? params.get("range") : "24h";
  const select = h(
    "select",
    { id: "gateway-range" },
    Object.entries(ranges).map(([key, r]) => h("option", { value: key }, r.label)),
  );
  select.value = rangeKey;
  select.addEventListener("change", () => navigate(`#/gateway?range=${select.value}`));
  const refresh = h("button", { type: "button", onclick: () => void load() }, "Refresh");
  const body = h("div", { "aria-live": "polite" });
  replace(
    container,
    h("h1", { id: "gateway-title" }, "Gateway"),
    h(
      "p",
      { class: "muted" },
      "Spend of POST /v1/chat/completions at the configured prices, from the usage upstreams report, against the same answers on the most expensive tier.",
    ),
    h("div", { class: "card row" }, h("div", { class: "field" }, h("label", { for: "gateway-range" }, "Window"), select), h("div", { class: "field end" }, refresh)),
    body,
  );

  async function load() {
    const to = new Date();
    const from = new Date(to.getTime() - ranges[rangeKey].span);
    replace(body, h("p", { class: "muted", role: "status" }, "Loading…"));
    try {
      const stats = await api.get("/stats/gateway", { from: from.toISOString(), to: to.toISOString() });
      if (!isCurrent()) return;
      replace(body, view(stats, session.tiers));
    } catch (err) {
      if (isCurrent()) replace(body, errorView(err, "Gateway statistics (GET /stats/gateway) are unavailable"));
    }
  }
  void load();
}

function view(stats, configuredTiers) {
  const tiers = Object.keys(stats.byTier ?? {});
  const order = configuredTiers.filter((t) => tiers.includes(t)).concat(tiers.filter((t) => !configuredTiers.includes(t)));
  const empty = stats.requests === 0 && stats.attempts.total === 0;
  return [
    headline(stats),
    empty ? h("p", { class: "alert info", role: "status" }, "No gateway traffic in this window.") : null,
    h("figure", { class: "card", "data-chart": "spend" }, h("figcaption", {}, "Spend per tier against all-premium"), spendChart(stats, order, configuredTiers), spendLegend(stats)),
    tierTable(stats, order, configuredTiers),
    h("div", { class: "charts" }, attemptsTable(stats), upstreamTable(stats, configuredTiers)),
  ];
}

function headline(stats) {
  const card = (label, value, note, id) =>
    h("div", { class: "stat card", "data-stat": id }, h("dt", {}, label), h("dd", {}, h("span", { class: "value" }, value), note ? h("span", { class: "muted" }, note) : null));
  const { spend, cascade, llmRating, attempts } = stats;
  return h(
    "dl",
    { class: "stats", "aria-label": "Gateway totals for the window" },
    card("Requests", fmt.int(stats.requests), `${fmt.int(stats.outcomes.ok ?? 0)} answered`, "requests"),
    card("Spend", usd(spend.actualUsd), spend.requestsWithoutUsage > 0 ? `${fmt.int(spend.requestsWithoutUsage)} answers without usage` : "every answer reported usage", "spend"),
    card("All-premium", usd(spend.counterfactualUsd), "the same tokens on the most expensive tier", "counterfactual"),
    card("Savings", usd(spend.savingsUsd), spend.relativeToAlwaysPremium === null ? "no usage yet" : `cost ${fmt.pct(spend.relativeToAlwaysPremium)} of all-premium`, "savings"),
    card("Fallbacks", fmt.int(attempts.fallbacks), `${fmt.int(attempts.total)} upstream attempts`, "fallbacks"),
    card("Cascades", `${fmt.int(cascade.accepted)} / ${fmt.int(cascade.escalated)}`, "accepted / escalated", "cascades"),
    card("Complexity ratings", fmt.int(llmRating.ratings), `${fmt.int(llmRating.ratedRequests)} requests rated, ${usd(llmRating.ratingSpendUsd)}`, "ratings"),
  );
}

/** Two horizontal bars per tier: what it cost, and the same tokens on the most expensive tier. */
function spendChart(stats, order, configuredTiers) {
  const rowH = 34;
  const left = 96;
  const width = 720;
  const height = Math.max(1, order.length) * rowH + 16;
  const max = Math.max(0, ...order.flatMap((t) => [stats.byTier[t].spendUsd, stats.byTier[t].counterfactualUsd]));
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Spend per tier against the same answers on the most expensive tier" });
  order.forEach((tier, i) => {
    const t = stats.byTier[tier];
    const y = 8 + i * rowH;
    const bar = (value, dy, cls, what) => {
      const w = max > 0 ? ((width - left - 90) * value) / max : 0;
      return s(
        "g",
        {},
        s(
          "rect",
          { class: `bar ${cls}`, x: left, y: y + dy, width: Math.max(w, value > 0 ? 1 : 0).toFixed(1), height: 12, "data-tier": tier, "data-series": what, "data-value": value },
          s("title", {}, `${tier} ${what}: ${usd(value)}`),
        ),
        s("text", { class: "tick", x: left + w + 6, y: y + dy + 10 }, usd(value)),
      );
    };
    svg.append(
      s("text", { class: "tick", x: left - 8, y: y + 16, "text-anchor": "end" }, tier),
      bar(t.spendUsd, 0, tierClass(tier, configuredTiers), "spend"),
      bar(t.counterfactualUsd, 14, "c7", "all-premium"),
    );
  });
  if (max === 0) svg.append(s("text", { class: "empty-note", x: width / 2, y: height / 2, "text-anchor": "middle" }, "No spend reported in this window"));
  return svg;
}

function spendLegend(stats) {
  return h(
    "ul",
    { class: "legend" },
    h("li", {}, h("span", { class: "swatch c0", "aria-hidden": "true" }), "spend, coloured by tier", h("span", { class: "muted" }, ` ${usd(stats.spend.actualUsd)}`)),
    h(
      "li",
      {},
      h("span", { class: "swatch c7", "aria-hidden": "true" }),
      "the same answers on the most expensive tier",
      h("span", { class: "muted" }, ` ${usd(stats.spend.counterfactualUsd)}`),
    ),
  );
}

function tierTable(stats, order, configuredTiers) {
  const num = (v) => h("td", { class: "num" }, v);
  return h(
    "table",
    { class: "card", "aria-label": "Spend per tier" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Tier"),
        ["Answers", "Attempts", "Prompt tokens", "Completion tokens", "Spend", "All-premium"].map((c) => h("th", { class: "num" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      order.map((tier) => {
        const t = stats.byTier[tier];
        return h(
          "tr",
          { "data-tier": tier },
          h("td", {}, tierBadge(tier, configuredTiers)),
          num(fmt.int(t.requests)),
          num(fmt.int(t.attempts)),
          num(fmt.int(t.promptTokens)),
          num(fmt.int(t.completionTokens)),
          num(usd(t.spendUsd)),
          num(usd(t.counterfactualUsd)),
        );
      }),
    ),
  );
}

function attemptsTable(stats) {
  const rows = Object.entries(stats.attempts.byOutcome ?? {}).sort((a, b) => b[1] - a[1]);
  return h(
    "figure",
    { class: "card chart-card" },
    h("figcaption", {}, "Upstream attempts by outcome"),
    rows.length === 0
      ? h("p", { class: "muted" }, "No attempts in this window.")
      : h(
          "table",
          { "aria-label": "Attempts by outcome" },
          h(
            "tbody",
            {},
            rows.map(([outcome, n]) => h("tr", { "data-outcome": outcome }, h("td", {}, outcomeLabels[outcome] ?? outcome), h("td", { class: "num" }, fmt.int(n)))),
          ),
        ),
  );
}

function upstreamTable(stats, configuredTiers) {
  return h(
    "figure",
    { class: "card chart-card" },
    h("figcaption", {}, "Upstreams on this replica, now"),
    stats.upstreams.length === 0
      ? h("p", { class: "muted" }, "No upstreams are configured (tiers[].upstreams).")
      : h(
          "table",
          { "aria-label": "Upstream circuits" },
          h("thead", {}, h("tr", {}, h("th", {}, "Upstream"), h("th", {}, "Model"), h("th", {}, "Circuit"), h("th", { class: "num" }, "Failures in a row"))),
          h(
            "tbody",
            {},
            stats.upstreams.map((u) =>
              h(
                "tr",
                { "data-upstream": u.upstream, "data-state": u.state },
                h("td", {}, tierBadge(u.tier, configuredTiers, "dot"), u.upstream),
                h("td", {}, h("code", {}, u.model)),
                h("td", {}, circuitText[u.state] ?? u.state, u.retryInMs > 0 ? h("span", { class: "muted" }, ` · retry in ${Math.ceil(u.retryInMs / 1000)} s`) : null),
                h("td", { class: "num" }, fmt.int(u.consecutiveFailures)),
              ),
            ),
          ),
        ),
  );
}
