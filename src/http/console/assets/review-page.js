// Review: queries whose feedback disagrees with routing, grouped by their
// nearest exemplar. Promote adds the query as an exemplar (a conflict offers
// force); dismiss closes the item without touching routing.
import { errorView } from "./api.js";
import { conflictView, isConflict } from "./conflict-view.js";
import { fmt, h, replace } from "./dom.js";
import { tierBadge } from "./tiers.js";

const pageSize = 50;
const verdictText = { too_weak: "too weak", ok: "ok", overkill: "overkill" };

export function render({ api, container, session }) {
  const tiers = session.tiers;
  let status = "open";
  let nextCursor = null;
  let loadSeq = 0;

  const noticeBox = h("div", { class: "notices", "aria-live": "polite" });
  const notices = {
    notify: (text) => replace(noticeBox, h("p", { class: "alert success", role: "status" }, text)),
    fail: (err, prefix) => replace(noticeBox, errorView(err, prefix)),
    show: (node) => replace(noticeBox, node),
    clear: () => replace(noticeBox),
  };
  const summary = h("p", { class: "muted review-summary", role: "status" }, "Loading…");
  const groupsBox = h("div", { class: "review-groups" });
  const moreButton = h("button", { type: "button", hidden: true, onclick: () => void load(true) }, "Load more");
  const statusSelect = h(
    "select",
    { id: "review-status" },
    ["open", "promoted", "dismissed"].map((s) => h("option", { value: s }, s)),
  );
  statusSelect.addEventListener("change", () => {
    status = statusSelect.value;
    void load(false);
  });

  async function load(more) {
    const seq = ++loadSeq;
    moreButton.disabled = true;
    try {
      const page = await api.get("/review", { status, limit: pageSize, cursor: more ? nextCursor : undefined });
      if (seq !== loadSeq) return;
      if (!more) groupsBox.replaceChildren();
      for (const group of page.groups) groupsBox.append(groupView(group));
      nextCursor = page.nextCursor;
      moreButton.hidden = !nextCursor;
      updateSummary(page.total);
    } catch (err) {
      if (seq === loadSeq) notices.fail(err, "Listing the review queue failed");
    } finally {
      moreButton.disabled = false;
    }
  }

  function updateSummary(total) {
    const shown = groupsBox.querySelectorAll("tr[data-review-id]").length;
    if (total === 0 || shown === 0) {
      replace(summary, status === "open" ? "Nothing to review: no open feedback disagrees with routing." : `No ${status} items.`);
      return;
    }
    replace(summary, `${total} ${status} item${total === 1 ? "" : "s"}; ${shown} shown${nextCursor ? ", more available" : ""}.`);
  }

  function groupView(group) {
    const e = group.exemplar;
    const heading = e
      ? h(
          "caption",
          {},
          "Nearest exemplar ",
          h("span", { class: "num" }, `#${e.id}`),
          " ",
          tierBadge(e.tier, tiers),
          " ",
          h("q", {}, e.text),
          h("span", { class: "muted" }, ` (similarity up to ${fmt.num(e.similarity)})`),
        )
      : h("caption", {}, "Without text (decisions.storeText is off and the feedback sent no query)");
    const body = h("tbody", {}, group.items.map(itemRow));
    return h(
      "table",
      { class: "card review-group", "data-exemplar": e ? e.id : "none" },
      heading,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Query", "Answered", "Feedback", "Suggested", "When", ""].map((t) => h("th", { scope: "col" }, t || h("span", { class: "visually-hidden" }, "Actions"))),
        ),
      ),
      body,
    );
  }

  function itemRow(item) {
    const tr = h("tr", { "data-review-id": item.id });
    const answered = [
      tierBadge(item.tier, tiers),
      h("span", { class: "muted" }, ` ${item.reason}`),
      item.shadowOf ? h("span", { class: "muted" }, ` (routing chose ${item.shadowOf})`) : null,
    ];
    const actions = h("td", { class: "actions" });
    if (item.status === "open") fillActions(actions, item, tr);
    else actions.append(h("span", { class: "muted" }, item.status === "promoted" ? `promoted as #${item.exemplarId} by ${item.resolvedBy}` : `dismissed by ${item.resolvedBy}`));
    replace(
      tr,
      h("td", { class: "text-cell" }, item.text ?? h("span", { class: "muted" }, "(no text)")),
      h("td", { class: "nowrap" }, answered),
      h("td", { class: "nowrap" }, verdictText[item.verdict] ?? item.verdict, item.feedbackCount > 1 ? h("span", { class: "badge" }, `${item.feedbackCount} reports`) : null),
      h("td", { class: "nowrap" }, tierBadge(item.suggestedTier, tiers)),
      h("td", { class: "muted nowrap" }, h("time", { datetime: item.decisionAt }, fmt.time(item.decisionAt))),
      actions,
    );
    return tr;
  }

  function fillActions(cell, item, tr) {
    const select = h(
      "select",
      { "aria-label": `Tier to promote review item #${item.id} as`, class: "tier-select" },
      tiers.map((t) => h("option", { value: t }, t)),
    );
    select.value = item.suggestedTier;
    const promote = h("button", { type: "button", class: "primary small", disabled: item.text === null, title: item.text === null ? "No text to promote" : null }, "Promote");
    const dismiss = h("button", { type: "button", class: "small" }, "Dismiss");
    promote.addEventListener("click", () => void act(item, tr, [promote, dismiss, select], "promote", select.value, false));
    dismiss.addEventListener("click", () => void act(item, tr, [promote, dismiss, select], "dismiss"));
    replace(cell, select, " ", promote, " ", dismiss);
  }

  async function act(item, tr, controls, verb, tier, force) {
    for (const c of controls) c.disabled = true;
    try {
      if (verb === "promote") {
        const result = await api.post(`/review/${item.id}/promote`, { tier }, force ? { force: "true" } : undefined);
        notices.notify(`Promoted review item #${item.id} as exemplar #${result.exemplar.id} in tier ${result.exemplar.tier} (revision ${result.revision}); routing uses it now.`);
      } else {
        await api.post(`/review/${item.id}/dismiss`, {});
        notices.notify(`Dismissed review item #${item.id}; routing is unchanged.`);
      }
      const table = tr.closest("table");
      tr.remove();
      if (table && table.querySelectorAll("tr[data-review-id]").length === 0) table.remove();
      replace(summary, "Updated; reload the list to see the counts.");
    } catch (err) {
      for (const c of controls) c.disabled = false;
      if (verb === "promote" && isConflict(err)) notices.show(conflictView(err, "Promote anyway (force)", () => void act(item, tr, controls, verb, tier, true), notices.clear));
      else notices.fail(err, `${verb === "promote" ? "Promoting" : "Dismissing"} review item #${item.id} failed`);
    }
  }

  replace(
    container,
    h("h1", { id: "review-title" }, "Review"),
    h(
      "p",
      { class: "muted" },
      "Decisions whose feedback says routing chose the wrong tier (too weak, or overkill), grouped by the exemplar they are nearest to. ",
      "Promote adds the query as an exemplar of the chosen tier, so the same query routes there at once; dismiss closes the item and changes nothing.",
    ),
    h(
      "div",
      { class: "card row" },
      h("div", { class: "field" }, h("label", { for: "review-status" }, "Status"), statusSelect),
      h("div", { class: "field end" }, h("button", { type: "button", onclick: () => void load(false) }, "Reload")),
    ),
    noticeBox,
    summary,
    groupsBox,
    moreButton,
  );
  void load(false);
}
