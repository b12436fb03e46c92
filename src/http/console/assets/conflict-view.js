// 409 exemplar_conflict as the curator sees it: each clashing pair with its
// similarity, the request id, and an explicit retry with ?force=true.
import { ApiError } from "./api.js";
import { fmt, h, nextId } from "./dom.js";

export const isConflict = (err) => err instanceof ApiError && err.code === "exemplar_conflict";

/** The conflict panel; `onRetry` runs once, when the force button is pressed. */
export function conflictView(err, retryLabel, onRetry, onCancel) {
  const conflicts = err.details?.conflicts ?? [];
  const title = nextId("conflict-title");
  const retry = h("button", { type: "button", class: "warning" }, retryLabel);
  retry.addEventListener("click", () => {
    retry.disabled = true;
    onRetry();
  });
  return h(
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
}
