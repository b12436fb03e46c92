// One table row per exemplar, with its actions: move to another tier (a
// conflict offers force), edit the note, delete after a confirmation.
import { conflictView, isConflict } from "./conflict-view.js";
import { fmt, h, replace } from "./dom.js";
import { tierBadge } from "./tiers.js";

/**
 * createRows({ api, tiers, notices, onRemoved }) -> { rowView(exemplar, fresh), fillRow(tr, exemplar) }
 * `notices` is the page's { notify, fail, show, clear }.
 */
export function createRows({ api, tiers, notices, onRemoved }) {
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
      h("td", { class: "nowrap" }, tierBadge(e.tier, tiers, "dot"), tierSelect),
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
      notices.notify(`Moved #${e.id} from ${e.tier} to ${to} (revision ${result.revision}).`);
    } catch (err) {
      select.value = e.tier;
      if (!isConflict(err)) notices.fail(err, `Moving #${e.id} failed`);
      else {
        const retry = () => {
          select.value = to;
          void move(e, select, tr, true);
        };
        notices.show(conflictView(err, "Move anyway (force)", retry, notices.clear));
      }
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
    const save = async (event) => {
      event.preventDefault();
      const note = input.value.trim();
      try {
        // A note-only change: the API keeps the revision, so routing caches stay valid.
        const result = await api.patch(`/exemplars/${e.id}`, { note: note === "" ? null : note });
        fillRow(tr, result.exemplar);
        notices.notify(`Saved the note of #${e.id}.`);
      } catch (err) {
        notices.fail(err, `Saving the note of #${e.id} failed`);
      }
    };
    replace(
      cell,
      h(
        "form",
        { class: "inline", onsubmit: save },
        input,
        h("button", { type: "submit", class: "small primary", "aria-label": `Save note of exemplar #${e.id}` }, "Save"),
        h("button", { type: "button", class: "small", onclick: () => showNote(cell, e, tr) }, "Cancel"),
      ),
    );
    input.focus();
  }

  function showDelete(cell, e, tr) {
    replace(cell, h("button", { type: "button", class: "small danger", "aria-label": `Delete exemplar #${e.id}`, onclick: () => confirmDelete(cell, e, tr) }, "Delete"));
  }

  function confirmDelete(cell, e, tr) {
    const confirm = h("button", { type: "button", class: "small danger", "aria-label": `Confirm delete of exemplar #${e.id}` }, "Confirm delete");
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try {
        const result = await api.del(`/exemplars/${e.id}`);
        tr.remove();
        onRemoved();
        notices.notify(`Deleted #${e.id} (revision ${result.revision}).`);
      } catch (err) {
        notices.fail(err, `Deleting #${e.id} failed`);
        showDelete(cell, e, tr);
      }
    });
    replace(cell, confirm, " ", h("button", { type: "button", class: "small", onclick: () => showDelete(cell, e, tr) }, "Cancel"));
    confirm.focus();
  }

  return { rowView, fillRow };
}
