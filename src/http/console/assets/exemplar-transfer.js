// JSONL import (read in the browser, sent in chunks with a progress bar, a
// conflict offering force for the chunk that hit it) and export (fetched with
// the token and saved from a blob, so no URL ever carries the token).
import { ApiError, errorView } from "./api.js";
import { conflictView, isConflict } from "./conflict-view.js";
import { fmt, h, replace } from "./dom.js";

/** Lines per import request: small enough to show progress, far below the API's 10,000. */
export const importChunkLines = 250;

/** The "Import and export" card; `onImported` refreshes the list after an import ends. */
export function transferSection({ api, onImported }) {
  const fileInput = h("input", { id: "ex-import-file", type: "file", accept: ".jsonl,.ndjson,.txt,application/x-ndjson,application/jsonl,text/plain" });
  const importButton = h("button", { type: "button", disabled: true }, "Import");
  const progress = h("progress", { id: "ex-import-progress", max: 1, value: 0 });
  const progressText = h("span", { class: "muted" });
  const progressBox = h("div", { class: "progress", hidden: true }, h("label", { for: "ex-import-progress" }, "Import progress"), progress, progressText);
  const importStatus = h("div", { "aria-live": "polite" });
  const exportButton = h("button", { type: "button" }, "Export JSONL");
  const exportStatus = h("div", { "aria-live": "polite" });

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
      if (lines.length === 0) replace(importStatus, h("p", { class: "alert error", role: "alert" }, `${file.name} has no lines to import.`));
      else await importLines(file.name, lines, { chunk: 0, done: 0, created: 0, moved: 0, unchanged: 0, revision: null, requests: 0 }, false);
    } finally {
      importButton.disabled = fileInput.files.length === 0;
    }
  });

  /** Each chunk is atomic and re-sending one is idempotent, so an import that stopped can resume where it stopped. */
  async function importLines(name, lines, totals, forceFirst) {
    const chunks = Math.ceil(lines.length / importChunkLines);
    progressBox.hidden = false;
    progress.max = lines.length;
    const show = () => {
      progress.value = totals.done;
      replace(progressText, `${fmt.int(totals.done)} of ${fmt.int(lines.length)} lines (request ${Math.min(totals.chunk + 1, chunks)} of ${chunks})`);
    };
    show();
    replace(importStatus, h("p", { class: "muted", role: "status" }, `Importing ${name}…`));
    let force = forceFirst;
    for (; totals.chunk < chunks; totals.chunk++, force = false) {
      const part = lines.slice(totals.chunk * importChunkLines, (totals.chunk + 1) * importChunkLines);
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
        stopped(name, part, totals, err, () => void importLines(name, lines, totals, true));
        onImported();
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
    onImported();
  }

  function stopped(name, part, totals, err, forceRest) {
    const context = `Lines ${part[0].n}–${part[part.length - 1].n} of ${name} were not imported${totals.done > 0 ? ` (the ${fmt.int(totals.done)} lines before them were)` : ""}.`;
    if (isConflict(err)) {
      const cancel = () => replace(importStatus, h("p", { class: "alert info", role: "status" }, `Import stopped. ${context}`));
      replace(importStatus, conflictView(err, "Import anyway (force)", forceRest, cancel));
      return;
    }
    if (err instanceof ApiError && err.code === "invalid_jsonl") err.message = fileLine(err.message, part);
    replace(importStatus, errorView(err, "Import failed"), h("p", { class: "muted" }, context, " Fix the file and import it again: lines already imported are left unchanged."));
  }

  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    replace(exportStatus, h("p", { class: "muted", role: "status" }, "Exporting…"));
    try {
      const res = await api.raw("GET", "/exemplars/export");
      const announced = res.headers.get("x-exemplar-count");
      const blob = await res.blob();
      const count = (await blob.text()).split("\n").filter((l) => l.trim() !== "").length;
      // The API announces the count up front; fewer lines means the stream was cut short.
      if (announced !== null && count !== Number(announced)) throw new Error(`the export ended short: ${count} of ${announced} lines arrived; try again`);
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

  return h(
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
    h(
      "p",
      { class: "muted" },
      `One {"text", "tier", "note"?} object per line, sent ${importChunkLines} lines per request; each request is applied atomically and re-importing is idempotent.`,
    ),
    progressBox,
    importStatus,
    exportStatus,
  );
}

/** The import API numbers lines within the request; say which line of the file it was. */
function fileLine(message, part) {
  return message.replace(/\bline (\d+)/, (match, n) => {
    const line = part[Number(n) - 1];
    return line ? `line ${line.n} of the file` : match;
  });
}
