// Exemplars: add (a conflict offers force), search and filter the list, and
// per-row move / note / delete (exemplar-rows.js); JSONL import and export
// (exemplar-transfer.js).
import { errorView } from "./api.js";
import { conflictView, isConflict } from "./conflict-view.js";
import { h, replace } from "./dom.js";
import { createRows } from "./exemplar-rows.js";
import { transferSection } from "./exemplar-transfer.js";

const pageSize = 50;

export function render({ api, container, params, session }) {
  const tiers = session.tiers;
  const filters = { q: params.get("q") ?? "", tier: params.get("tier") ?? "" };
  let nextCursor = null;
  let loadSeq = 0;

  // One place for results, errors and conflicts.
  const noticeBox = h("div", { class: "notices", "aria-live": "polite" });
  const notices = {
    notify: (text) => replace(noticeBox, h("p", { class: "alert success", role: "status" }, text)),
    fail: (err, prefix) => replace(noticeBox, errorView(err, prefix)),
    show: (node) => replace(noticeBox, node),
    clear: () => replace(noticeBox),
  };

  const tbody = h("tbody", {});
  const caption = h("caption", {}, "Exemplars");
  const rows = createRows({ api, tiers, notices, onRemoved: () => updateCaption() });

  // ---- add -------------------------------------------------------------------------------
  const addText = h("textarea", { id: "ex-text", rows: 3, required: true, maxlength: 20000 });
  addText.value = params.get("add") ?? "";
  const addTier = h(
    "select",
    { id: "ex-tier", required: true },
    tiers.map((t) => h("option", { value: t }, t)),
  );
  const addNote = h("input", { id: "ex-note", type: "text", maxlength: 1000, autocomplete: "off" });
  const addButton = h("button", { type: "submit", class: "primary" }, "Add exemplar");

  async function add(input, force) {
    addButton.disabled = true;
    try {
      const result = await api.post("/exemplars", input, force ? { force: "true" } : undefined);
      for (const e of result.exemplars) showRow(e);
      const e = result.exemplars[0];
      const verb = { created: "Added", moved: "Moved", unchanged: "Already there, unchanged:" }[e.status] ?? e.status;
      notices.notify(`${verb} #${e.id} in tier ${e.tier} (revision ${result.revision}).`);
      addText.value = "";
      addNote.value = "";
    } catch (err) {
      if (isConflict(err)) notices.show(conflictView(err, "Add anyway (force)", () => void add(input, true), notices.clear));
      else notices.fail(err, "Adding the exemplar failed");
    } finally {
      addButton.disabled = false;
    }
  }

  const addForm = h(
    "form",
    {
      class: "card add-form",
      "aria-labelledby": "ex-add-title",
      onsubmit: (event) => {
        event.preventDefault();
        if (!addText.value.trim()) return;
        const note = addNote.value.trim();
        void add({ text: addText.value, tier: addTier.value, ...(note ? { note } : {}) }, false);
      },
    },
    h("h2", { id: "ex-add-title" }, "Add an exemplar"),
    h("label", { for: "ex-text" }, "Exemplar text"),
    addText,
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "ex-tier" }, "Tier"), addTier),
      h("div", { class: "field grow" }, h("label", { for: "ex-note" }, "Note (optional)"), addNote),
      h("div", { class: "field end" }, addButton),
    ),
  );

  // ---- list ------------------------------------------------------------------------------
  const searchInput = h("input", { id: "ex-q", type: "search", maxlength: 200, value: filters.q, autocomplete: "off" });
  const tierFilter = h(
    "select",
    { id: "ex-filter-tier" },
    h("option", { value: "" }, "All tiers"),
    tiers.map((t) => h("option", { value: t }, t)),
  );
  tierFilter.value = filters.tier;
  const moreButton = h("button", { type: "button", hidden: true, onclick: () => void load(true) }, "Load more");

  async function load(more) {
    const seq = ++loadSeq;
    moreButton.disabled = true;
    try {
      const page = await api.get("/exemplars", { q: filters.q, tier: filters.tier, limit: pageSize, cursor: more ? nextCursor : undefined });
      if (seq !== loadSeq) return; // a newer search is under way
      if (!more) tbody.replaceChildren();
      for (const e of page.exemplars) tbody.append(rows.rowView(e, false));
      nextCursor = page.nextCursor;
      moreButton.hidden = !nextCursor;
      updateCaption();
    } catch (err) {
      if (seq === loadSeq) notices.fail(err, "Listing exemplars failed");
    } finally {
      moreButton.disabled = false;
    }
  }

  function updateCaption() {
    const shown = tbody.querySelectorAll("tr[data-id]").length;
    const what = [filters.q ? `matching “${filters.q}”` : null, filters.tier ? `in tier ${filters.tier}` : null].filter(Boolean).join(" ");
    replace(caption, `Exemplars ${what}`.trim() + `: ${shown} shown${nextCursor ? ", more available" : ""}`);
    tbody.querySelector("tr.empty")?.remove();
    if (shown === 0) tbody.append(h("tr", { class: "empty" }, h("td", { colspan: 6, class: "muted" }, "No exemplars match.")));
  }

  /** A written exemplar: its row is refreshed, or it goes on top, marked as new. */
  function showRow(e) {
    const existing = tbody.querySelector(`tr[data-id="${e.id}"]`);
    if (existing) rows.fillRow(existing, e);
    else tbody.prepend(rows.rowView(e, true));
    updateCaption();
  }

  const searchForm = h(
    "form",
    {
      class: "card row search-form",
      role: "search",
      "aria-label": "Find exemplars",
      onsubmit: (event) => {
        event.preventDefault();
        filters.q = searchInput.value.trim();
        filters.tier = tierFilter.value;
        void load(false);
      },
    },
    h("div", { class: "field grow" }, h("label", { for: "ex-q" }, "Search text"), searchInput),
    h("div", { class: "field" }, h("label", { for: "ex-filter-tier" }, "Tier filter"), tierFilter),
    h("div", { class: "field end" }, h("button", { type: "submit" }, "Search")),
  );
  tierFilter.addEventListener("change", () => searchForm.requestSubmit());

  const header = h(
    "tr",
    {},
    h("th", { scope: "col", class: "num" }, "Id"),
    h("th", { scope: "col" }, "Text"),
    h("th", { scope: "col" }, "Tier"),
    h("th", { scope: "col" }, "Note"),
    h("th", { scope: "col" }, "Updated"),
    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
  );
  replace(
    container,
    h("h1", { id: "exemplars-title" }, "Exemplars"),
    addForm,
    noticeBox,
    transferSection({ api, onImported: () => void load(false) }),
    searchForm,
    h("table", { class: "card exemplars" }, caption, h("thead", {}, header), tbody),
    moreButton,
  );
  void load(false);
  if (addText.value) addText.focus();
}
