// Try a query: POST /route with explain, shown as the decision, the vote and the neighbors.
import { errorView } from "./api.js";
import { fmt, h, replace } from "./dom.js";
import { tierBadge } from "./tiers.js";

const reasonText = {
  knn: "the neighbors' vote stands",
  second_stage: "the second-stage model's choice: the tier with the lowest price plus expected cost of a too-cheap answer",
  low_confidence_fallback: "the second stage thought a cheaper tier likelier but not safe enough, so the query went to the fallback tier",
  out_of_distribution: "the query is unlike anything the router was calibrated on, so it went to the fallback tier",
  low_margin_fallback: "the vote was too close to call, so the query fell back to the fallback (most capable) tier",
  no_close_exemplar: "no exemplar is similar enough, so the query went to the fallback tier",
  empty_index: "there are no exemplars yet, so the query went to the fallback tier",
  encoder_error_fallback: "the embedding model failed, so the query went to the fallback tier",
  warming_up: "the service is still starting, so the query went to the fallback tier",
  llm_rated: "the vote could not settle it, so a model rated the query's complexity and the rating chose the tier",
};

export function render({ api, container, params, session }) {
  const textarea = h("textarea", { id: "try-query", name: "query", rows: 4, required: true, placeholder: "What is the capital of France?" });
  if (params.get("q")) textarea.value = params.get("q");
  const button = h("button", { type: "submit", class: "primary" }, "Route");
  const result = h("div", { class: "result", "aria-live": "polite" });

  const form = h(
    "form",
    {
      class: "card",
      onsubmit: async (event) => {
        event.preventDefault();
        const query = textarea.value;
        if (!query.trim()) return;
        button.disabled = true;
        replace(result, h("p", { class: "muted", role: "status" }, "Routing…"));
        try {
          const decision = await api.post("/route", { query, explain: true });
          replace(result, decisionView(decision, query, session));
        } catch (err) {
          replace(result, errorView(err, "Routing failed"));
        } finally {
          button.disabled = false;
        }
      },
    },
    h("label", { for: "try-query" }, "Query"),
    textarea,
    h("p", { class: "muted" }, "Routed exactly as POST /route?explain=1 routes it: the answer counts in the traffic statistics and may come from the decision cache."),
    button,
  );

  replace(container, h("h1", { id: "try-title" }, "Try a query"), form, result);
  textarea.focus();
}

function decisionView(d, query, session) {
  const tiers = session.tiers;
  const votes = d.votes ?? {};
  const voteRows = [...tiers, ...Object.keys(votes).filter((t) => !tiers.includes(t))].map((tier) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, tierBadge(tier, tiers)),
      h("td", {}, h("meter", { min: 0, max: 1, value: votes[tier] ?? 0, "aria-label": `Vote share of ${tier}` })),
      h("td", { class: "num" }, fmt.pct(votes[tier] ?? 0)),
    ),
  );
  const neighbors = d.neighbors ?? [];
  const neighborRows = neighbors.map((n, i) =>
    h(
      "tr",
      {},
      h("td", { class: "num" }, i + 1),
      h("td", { class: "num similarity" }, fmt.num(n.similarity)),
      h("td", {}, tierBadge(n.tier, tiers)),
      h("td", { class: "text-cell" }, n.text),
      h(
        "td",
        { class: "num" },
        session.role === "curator" ? h("a", { href: `#/exemplars?q=${encodeURIComponent(n.text.slice(0, 80))}`, title: "Find this exemplar" }, `#${n.id}`) : `#${n.id}`,
      ),
    ),
  );

  return h(
    "div",
    { class: "decision", "data-testid": "decision" },
    h(
      "div",
      { class: "card decision-head" },
      h("p", { class: "big" }, "Tier ", tierBadge(d.tier, tiers, "large"), " · model ", h("code", {}, d.model)),
      h(
        "dl",
        { class: "facts", "aria-label": "Decision" },
        fact("Reason", h("span", {}, h("code", { "data-field": "reason" }, d.reason), " – ", reasonText[d.reason] ?? "")),
        fact("Margin", h("span", { "data-field": "margin" }, fmt.num(d.margin))),
        fact("Confidence", fmt.num(d.confidence)),
        fact("Voted tier", d.votedTier ? tierBadge(d.votedTier, tiers) : "–"),
        fact("Cached", d.cached ? "yes" : "no"),
        fact("Revision", d.revision),
        fact("Timings", `embed ${fmt.ms(d.timings?.embedMs)}, search ${fmt.ms(d.timings?.searchMs)}, total ${fmt.ms(d.timings?.totalMs)}`),
        d.truncated ? fact("Truncated", "yes: only the first 2,048 characters were embedded") : null,
      ),
      session.role === "curator" ? h("p", {}, h("a", { href: `#/exemplars?add=${encodeURIComponent(query.slice(0, 2000))}` }, "Add this query as an exemplar…")) : null,
    ),
    h(
      "table",
      { class: "card votes" },
      h("caption", {}, "Votes (similarity-weighted share per tier)"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Tier"), h("th", { scope: "col" }, "Share"), h("th", { scope: "col", class: "num" }, "%"))),
      h("tbody", {}, voteRows),
    ),
    h(
      "table",
      { class: "card neighbors" },
      h("caption", {}, `Neighbors (${neighbors.length})`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", class: "num" }, "#"),
          h("th", { scope: "col", class: "num" }, "Similarity"),
          h("th", { scope: "col" }, "Tier"),
          h("th", { scope: "col" }, "Exemplar"),
          h("th", { scope: "col", class: "num" }, "Id"),
        ),
      ),
      h("tbody", {}, neighborRows.length > 0 ? neighborRows : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No neighbors (no exemplars indexed)."))),
    ),
  );
}

function fact(term, value) {
  return [h("dt", {}, term), h("dd", {}, value)];
}
