// Exemplars: search and filter, add, move between tiers, edit notes, delete,
// JSONL import in chunks and export. Conflicts (409 exemplar_conflict) are
// shown with the exemplar they clash with and an explicit force retry.
import { ApiError, errorView } from "./api.js";
import { fmt, h, replace } from "./dom.js";
import { tierBadge } from "./tiers.js";

/** Lines per import request: small enough to show progress, far below the API's 10,000. */
export const importChunkLines = 250;
const pageSize = 50;

export function render({ api, container, params, session }) {
  const tiers = session.tiers;
  const filters = { q: params.get("q") ?? "", tier: params.get("tier") ?? "" };
  let nextCursor = null;
  let loadSeq = 0;

  // ---- notices: one place for results, errors and conflicts -------------------------------
  const notices = h("div", { class: "notices", "aria-live": "polite" });
  const notify = (text) => replace(notices, h("p", { class: "alert success", role: "status" }, text));
  const fail = (err, prefix) => replace(notices, errorView(err, prefix));
  const clearNotices = () => replace(notices);
  const isConflict = (err) => err instanceof ApiError && err.code === "exemplar_conflict";
  const showConflict = (err, retryLabel, onRetry, onCancel) => replace(notices, conflictView(err, retryLabel, onRetry, onCancel));

  // ---- add -------------------------------------------------------------------------------
  const addText = h("textarea", { id: "ex-text", rows: 3, required: true, maxlength: 20000 });
  addText.value = params.get("add") ?? "";
  const addTier = h("select", { id: "ex-tier", required: true }, tiers.map((t) => h("option", { value: t }, t)));
  const addNote = h("input", { id: "ex-note", type: "text", maxlength: 1000, autocomplete: "off" });
  const addButton = h("button", { type: "submit", class: "primary" }, "Add exemplar");

  async function add(input, force) {
    addButton.disabled = true;
    try {
      const result = await api.post("/exemplars", input, force ? { force: "true" } : undefined);
      for (const e of result.exemplars) showRow(e, true);
      const e = result.exemplars[0];
      const verb = { created: "Added", moved: "Moved", unchanged: "Already there, unchanged:" }[e.status] ?? e.status;
      notify(`${verb} #${e.id} in tier ${e.tier} (revision ${result.revision}).`);
      addText.value = "";
      addNote.value = "";
    } catch (err) {
      if (isConflict(err)) showConflict(err, "Add anyway (force)", () => add(input, true), clearNotices);
      else fail(err, "Adding the exemplar failed");
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
        const text = addText.value;
        if (!text.trim()) return;
        const note = addNote.value.trim();
        void add({ text, tier: addTier.value, ...(note ? { note } : {}) }, false);
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
  const tierFilter = h("select", { id: "ex-filter-tier" }, h("option", { value: "" }, "All tiers"), tiers.map((t) => h("option", { value: t }, t)));
  tierFilter.value = filters.tier;
  const tbody = h("tbody", {});
  const caption = h("caption", {}, "Exemplars");
  const moreButton = h("button", { type: "button", hidden: true, onclick: () => void load(true) }, "Load more");

  async function load(more) {
    const seq = ++loadSeq;
    moreButton.disabled = true;
    try {
      const page = await api.get("/exemplars", { q: filters.q, tier: filters.tier, limit: pageSize, cursor: more ? nextCursor : undefined });
      if (seq !== loadSeq) return;
      if (!more) tbody.replaceChildren();
      for (const e of page.exemplars) tbody.append(rowView(e, false));
      nextCursor = page.nextCursor;
      moreButton.hidden = !nextCursor;
      updateCaption();
    } catch (err) {
      if (seq === loadSeq) fail(err, "Listing exemplars failed");
    } finally {
      moreButton.disabled = false;
    }
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

  function updateCaption() {
    const shown = tbody.querySelectorAll("tr[data-id]").length;
    const what = [filters.q ? `matching “${filters.q}”` : null, filters.tier ? `in tier ${filters.tier}` : null].filter(Boolean).join(" ");
    replace(caption, `Exemplars ${what}`.trim() + `: ${shown} shown${nextCursor ? ", more available" : ""}`);
    tbody.querySelector("tr.empty")?.remove();
    if (shown === 0) tbody.append(h("tr", { class: "empty" }, h("td", { colspan: 6, class: "muted" }, "No exemplars match.")));
  }

  /** Puts a written exemplar in the table: refreshes its row, or adds it on top. */
  function showRow(e, fresh) {
    const existing = tbody.querySelector(`tr[data-id="${e.id}"]`);
    if (existing) fillRow(existing, e);
    else tbody.prepend(rowView(e, fresh));
    updateCaption();
  }

  function rowView(e, fresh) {
    const tr = h("tr", { "data-id": e.id, class: fresh ? "fresh" : null });
    fillRow(tr, e);
    return tr;
  }

  function fillRow(tr, e) {
    const tierSelect = h(
      "select",
      { "aria-label": `Tier of exemplar #${e.id}`, class: "tier-select" },
      tiers.map((t) => h("option", { value: t }, t)),
    );
    tierSelect.value = e.tier;
    tierSelect.addEventListener("change", () => void move(e, tierSelect, tr, false));
    const noteCell = h("td", { class: "note-cell" });
    const actions = h("td", { class: "actions" });
    replace(
      tr,
      h("td", { class: "num" }, `#${e.id}`),
      h("td", { class: "text-cell" }, e.text),
      h("td", {}, tierBadge(e.tier, tiers, "dot"), tierSelect),
      noteCell,
      h("td", { class: "muted nowrap" }, h("time", { datetime: e.updatedAt }, fmt.time(e.updatedAt))),
      actions,
    );
    showNote(noteCell, e, tr);
    showDelete(actions, e, tr);
  }

  async function move(e, select, tr, force) {
    const to = select.value;
    select.disabled = true;
    try {
      const result = await api.patch(`/exemplars/${e.id}`, { tier: to }, force ? { force: "true" } : undefined);
      fillRow(tr, result.exemplar);
      notify(`Moved #${e.id} from ${e.tier} to ${to} (revision ${result.revision}).`);
    } catch (err) {
      select.value = e.tier;
      if (isConflict(err)) {
        showConflict(
          err,
          "Move anyway (force)",
          () => {
            select.value = to;
            void move(e, select, tr, true);
          },
          clearNotices,
        );
      } else fail(err, `Moving #${e.id} failed`);
    } finally {
      select.disabled = false;
    }
  }

  function showNote(cell, e, tr) {
    replace(
      cell,
      h("span", { class: e.note ? "note" : "note muted" }, e.note ?? "no note"),
      " ",
      h("button", { type: "button", class: "small", "aria-label": `Edit note of exemplar #${e.id}`, onclick: () => editNote(cell, e, tr) }, "Edit note"),
    );
  }

  function editNote(cell, e, tr) {
    const input = h("input", { type: "text", maxlength: 1000, value: e.note ?? "", "aria-label": `Note of exemplar #${e.id}` });
    const form = h(
      "form",
      {
        class: "inline",
        onsubmit: async (event) => {
          event.preventDefault();
          const note = input.value.trim();
          try {
            const result = await api.patch(`/exemplars/${e.id}`, { note: note === "" ? null : note });
            fillRow(tr, result.exemplar);
            notify(`Saved the note of #${e.id}.`);
          } catch (err) {
            fail(err, `Saving the note of #${e.id} failed`);
          }
        },
      },
      input,
      h("button", { type: "submit", class: "small primary", "aria-label": `Save note of exemplar #${e.id}` }, "Save"),
      h("button", { type: "button", class: "small", onclick: () => showNote(cell, e, tr) }, "Cancel"),
    );
    replace(cell, form);
    input.focus();
  }

  function showDelete(cell, e, tr) {
    replace(cell, h("button", { type: "button", class: "small danger", "aria-label": `Delete exemplar #${e.id}`, onclick: () => confirmDelete(cell, e, tr) }, "Delete"));
  }

  function confirmDelete(cell, e, tr) {
    const confirm = h(
      "button",
      {
        type: "button",
        class: "small danger",
        "aria-label": `Confirm delete of exemplar #${e.id}`,
        onclick: async () => {
          confirm.disabled = true;
          try {
            const result = await api.del(`/exemplars/${e.id}`);
            tr.remove();
            updateCaption();
            notify(`Deleted #${e.id} (revision ${result.revision}).`);
          } catch (err) {
            fail(err, `Deleting #${e.id} failed`);
            showDelete(cell, e, tr);
          }
        },
      },
      "Confirm delete",
    );
    replace(cell, confirm, " ", h("button", { type: "button", class: "small", onclick: () => showDelete(cell, e, tr) }, "Cancel"));
    confirm.focus();
  }

  // ---- import and export -----------------------------------------------------------------
  const fileInput = h("input", { id: "ex-import-file", type: "file", accept: ".jsonl,.ndjson,.txt,application/x-ndjson,application/jsonl,text/plain" });
  const importButton = h("button", { type: "button", disabled: true }, "Import");
  const progress = h("progress", { id: "ex-import-progress", max: 1, value: 0 });
  const progressText = h("span", { class: "muted" }, "");
  const progressBox = h("div", { class: "progress", hidden: true }, h("label", { for: "ex-import-progress" }, "Import progress"), progress, progressText);
  const importStatus = h("div", { "aria-live": "polite" });
  fileInput.addEventListener("change", () => {
    importButton.disabled = fileInput.files.length === 0;
    replace(importStatus);
  });
  importButton.addEventListener("click", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    importButton.disabled = true;
    try {
      const lines = (await file.text())
        .split(/\r?\n/)
        .map((text, i) => ({ n: i + 1, text }))
        .filter((l) => l.text.trim() !== "");
      if (lines.length === 0) {
        replace(importStatus, h("p", { class: "alert error", role: "alert" }, `${file.name} has no lines to import.`));
        return;
      }
      await importLines(file.name, lines, { chunk: 0, done: 0, created: 0, moved: 0, unchanged: 0, revision: null, requests: 0 }, false);
    } finally {
      importButton.disabled = fileInput.files.length === 0;
    }
  });

  /** Sends the file in chunks; each chunk is atomic, and re-sending one is idempotent, so a failed import can resume. */
  async function importLines(name, lines, totals, forceChunk) {
    const chunks = Math.ceil(lines.length / importChunkLines);
    progressBox.hidden = false;
    progress.max = lines.length;
    const show = () => {
      progress.value = totals.done;
      replace(progressText, `${fmt.int(totals.done)} of ${fmt.int(lines.length)} lines (request ${Math.min(totals.chunk + 1, chunks)} of ${chunks})`);
    };
    show();
    replace(importStatus, h("p", { class: "muted", role: "status" }, `Importing ${name}…`));
    for (; totals.chunk < chunks; totals.chunk++) {
      const part = lines.slice(totals.chunk * importChunkLines, (totals.chunk + 1) * importChunkLines);
      const force = forceChunk;
      forceChunk = false;
      try {
        const body = part.map((l) => l.text).join("\n") + "\n";
        const r = await api.send("POST", "/exemplars/import", { body, contentType: "application/x-ndjson", query: force ? { force: "true" } : undefined });
        totals.requests += 1;
        totals.done += part.length;
        totals.created += r.created;
        totals.moved += r.moved;
        totals.unchanged += r.unchanged;
        totals.revision = r.revision;
        show();
      } catch (err) {
        const first = part[0].n;
        const last = part[part.length - 1].n;
        const context = `Lines ${first}–${last} of ${name} were not imported${totals.done > 0 ? ` (the ${fmt.int(totals.done)} lines before them were)` : ""}.`;
        if (isConflict(err)) {
          replace(
            importStatus,
            conflictView(err, "Import anyway (force)", () => void importLines(name, lines, totals, true), () => replace(importStatus, h("p", { class: "alert info", role: "status" }, `Import stopped. ${context}`))),
          );
        } else {
          if (err instanceof ApiError && err.code === "invalid_jsonl") err.message = fileLine(err.message, part);
          replace(importStatus, errorView(err, "Import failed"), h("p", { class: "muted" }, context, " Fix the file and import it again: lines already imported are left unchanged."));
        }
        void load(false);
        return;
      }
    }
    replace(
      importStatus,
      h(
        "p",
        { class: "alert success", role: "status", "data-testid": "import-summary" },
        `Imported ${fmt.int(totals.done)} lines from ${name} in ${totals.requests} request${totals.requests === 1 ? "" : "s"}: `,
        `${fmt.int(totals.created)} created, ${fmt.int(totals.moved)} moved, ${fmt.int(totals.unchanged)} unchanged (revision ${totals.revision}).`,
      ),
    );
    void load(false);
  }

  const exportButton = h("button", { type: "button" }, "Export JSONL");
  const exportStatus = h("div", { "aria-live": "polite" });
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    replace(exportStatus, h("p", { class: "muted", role: "status" }, "Exporting…"));
    try {
      // fetch with the token, then hand the browser a blob: the token never appears in a URL.
      const res = await api.raw("GET", "/exemplars/export");
      const expected = Number(res.headers.get("x-exemplar-count"));
      const blob = await res.blob();
      const text = await blob.text();
      const count = text.split("\n").filter((l) => l.trim() !== "").length;
      if (Number.isFinite(expected) && res.headers.has("x-exemplar-count") && count !== expected) {
        throw new Error(`the export ended short: ${count} of ${expected} lines arrived; try again`);
      }
      const name = `exemplars-${new Date().toISOString().slice(0, 10)}.jsonl`;
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      replace(exportStatus, h("p", { class: "alert success", role: "status" }, `Exported ${fmt.int(count)} exemplars to ${name}.`));
    } catch (err) {
      replace(exportStatus, errorView(err, "Export failed"));
    } finally {
      exportButton.disabled = false;
    }
  });

  const transfer = h(
    "section",
    { class: "card transfer", "aria-labelledby": "ex-transfer-title" },
    h("h2", { id: "ex-transfer-title" }, "Import and export"),
    h(
      "div",
      { class: "row" },
      h("div", { class: "field grow" }, h("label", { for: "ex-import-file" }, "JSONL file to import"), fileInput),
      h("div", { class: "field end" }, importButton),
      h("div", { class: "field end" }, exportButton),
    ),
    h("p", { class: "muted" }, `One {"text", "tier", "note"?} object per line, sent ${importChunkLines} lines per request; each request is applied atomically and re-importing is idempotent.`),
    progressBox,
    importStatus,
    exportStatus,
  );

  replace(
    container,
    h("h1", { id: "exemplars-title" }, "Exemplars"),
    addForm,
    notices,
    searchForm,
    h(
      "table",
      { class: "card exemplars" },
      caption,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", class: "num" }, "Id"),
          h("th", { scope: "col" }, "Text"),
          h("th", { scope: "col" }, "Tier"),
          h("th", { scope: "col" }, "Note"),
          h("th", { scope: "col" }, "Updated"),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ),
      ),
      tbody,
    ),
    moreButton,
    transfer,
  );
  void load(false);
  if (addText.value) addText.focus();
}

/** The import API numbers lines within the request; say which line of the file it was. */
function fileLine(message, part) {
  return message.replace(/\bline (\d+)/, (match, n) => {
    const line = part[Number(n) - 1];
    return line ? `line ${line.n} of the file` : match;
  });
}

function conflictView(err, retryLabel, onRetry, onCancel) {
  const conflicts = err.details?.conflicts ?? [];
  const title = `conflict-title-${Math.random().toString(36).slice(2, 8)}`;
  const retry = h("button", { type: "button", class: "warning" }, retryLabel);
  const box = h(
    "div",
    { class: "alert warning conflict", role: "alert", "aria-labelledby": title },
    h("h2", { id: title }, "Conflict: a near-identical exemplar exists in another tier"),
    h("p", {}, err.message),
    h(
      "ul",
      {},
      conflicts.map((c) =>
        h(
          "li",
          {},
          h("q", {}, c.text),
          ` (${c.tier}) is `,
          h("strong", { class: "similarity" }, fmt.num(c.conflictsWith?.similarity)),
          " similar to ",
          c.conflictsWith?.id != null ? `#${c.conflictsWith.id} ` : "another line of the same batch ",
          h("q", {}, c.conflictsWith?.text ?? ""),
          ` (${c.conflictsWith?.tier}).`,
        ),
      ),
    ),
    h("p", { class: "muted" }, "Near-identical texts in different tiers teach the vote only noise. Force keeps both (or, for the same text, moves it)."),
    h("p", { class: "meta" }, "code ", h("code", {}, err.code), err.requestId ? [" · request id ", h("code", { class: "request-id" }, err.requestId)] : null),
    h("div", { class: "actions" }, retry, " ", h("button", { type: "button", onclick: onCancel }, "Cancel")),
  );
  retry.addEventListener("click", () => {
    retry.disabled = true;
    onRetry();
  });
  return box;
}
