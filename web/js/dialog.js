// Modal dialogs on the native <dialog> element (focus is trapped and Escape closes it by the
// browser itself): a yes/no confirmation, and the frame other dialogs fill.

import { t } from "./i18n.js";
import { el } from "./state.js";

/** A modal <dialog> with `id`, appended to the page and shown; removed again when it closes. */
export function openDialog(id, ...children) {
  document.getElementById(id)?.remove();
  const d = el("dialog", { id, class: "dialog", "aria-labelledby": `${id}-title` }, ...children);
  d.addEventListener("close", () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}

/**
 * Asks a yes/no question; resolves to true when confirmed. `danger` styles the confirming button
 * as destructive.
 */
export function confirmDialog(title, text, { confirm, danger = false } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const d = openDialog("confirm-dialog",
      el("h2", { id: "confirm-dialog-title" }, title),
      el("p", {}, text),
      el("div", { class: "dialog-actions" },
        el("button", { type: "button", class: "btn", id: "confirm-no", onclick: () => d.close() }, t("dialog.cancel")),
        el("button", {
          type: "button", class: danger ? "btn danger" : "btn primary", id: "confirm-yes",
          onclick: () => { answer = true; d.close(); },
        }, confirm ?? t("dialog.ok"))));
    d.addEventListener("close", () => resolve(answer));
    d.querySelector("#confirm-no").focus();
  });
}
