// The publish dialog: what publishing the draft would change (names, households before and after,
// buildings moved between grids, from GET /api/v1/plans/{id}/diff), a message (required) and the
// date the new boundaries take effect; then the publish itself. The server decides what is valid:
// its 400 names the field (`problems.field`), which is marked and explained beside that field.

import { ApiError } from "./api.js";
import { numberText, t } from "./i18n.js";
import { data } from "./map.js";
import { el } from "./state.js";
import { openDialog } from "./dialog.js";
import { planFetch, session } from "./plan-session.js";

/** Today's date in Beijing (UTC+8), the day plans take effect in. */
export function todayBeijing() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The current revision's effective date, if the history knows it. */
function currentEffective() {
  const r = session.revisions;
  return r?.revisions?.find((x) => x.id === r.current)?.effective_date ?? null;
}

const num = (v) => (typeof v === "number" ? numberText(v) : "—");

/** Name and households of a changed feature before and after, from the diff and both states. */
function sides(c) {
  const published = data.byCode[c.layer]?.get(c.code)?.properties;
  const draft = c.layer === "grid" ? session.grids?.get(c.code)?.properties : undefined;
  const a = c.attributes ?? {};
  const before = c.change === "added" ? null : {
    name: a.name?.before ?? published?.name ?? "",
    households: a.households ? a.households.before : published?.households,
  };
  const after = c.change === "removed" ? null : {
    name: a.name?.after ?? draft?.name ?? published?.name ?? "",
    households: a.households ? a.households.after : draft?.households ?? published?.households,
  };
  return { before, after };
}

function gridName(code) {
  if (!code) return t("publish.nowhere");
  const f = session.grids?.get(code) ?? data.byCode.grid.get(code);
  return f ? t("publish.named", { name: f.properties.name ?? code, code }) : code;
}

function changesTable(diff) {
  const changed = (diff.changed ?? []).filter((c) => c.layer !== "building" && c.layer !== "address");
  if (!changed.length) return el("p", { class: "muted", id: "publish-nochange" }, t("publish.noChanges"));
  return el("div", { class: "table-scroll" }, el("table", { class: "stats", id: "publish-changes" },
    el("thead", {}, el("tr", {},
      el("th", {}, t("publish.feature")), el("th", {}, t("publish.change")),
      el("th", {}, t("publish.hhBefore")), el("th", {}, t("publish.hhAfter")))),
    el("tbody", {}, changed.map((c) => {
      const { before, after } = sides(c);
      const renamed = before && after && before.name !== after.name;
      return el("tr", { "data-code": c.code, "data-change": c.change, "data-layer": c.layer },
        el("td", {}, el("div", {}, renamed ? `${before.name} → ${after.name}` : (after ?? before).name),
          el("div", { class: "muted" }, `${t(`layer.${c.layer}`)} ${c.code}`)),
        el("td", {}, t(`change.${c.change}`)),
        el("td", {}, num(before?.households)),
        el("td", {}, num(after?.households)));
    }))));
}

function movesList(diff) {
  const moves = diff.grid_moves ?? [];
  const buildings = diff.buildings_moved ?? [];
  if (!buildings.length) return null;
  return el("div", { id: "publish-moves" },
    el("p", {}, t("plan.moved", { b: buildings.length, h: numberText(diff.households_moved ?? 0) })),
    el("ul", { class: "problems" }, moves.map((m) => el("li", { "data-from": m.from ?? "", "data-to": m.to ?? "" },
      t("publish.gridMove", { from: gridName(m.from), to: gridName(m.to), b: m.buildings.length, h: numberText(m.households) })))),
    el("details", {}, el("summary", {}, t("publish.buildings")),
      el("ul", { class: "picks", id: "publish-buildings" }, buildings.map((b) => el("li", { "data-building": b.building },
        t("publish.buildingMove", { name: data.byCode.building.get(b.building)?.properties.name ?? b.building, code: b.building, from: b.from ?? "—", to: b.to ?? "—", h: numberText(b.households) }))))));
}

/**
 * Opens the dialog for the session's draft. Resolves to the new revision, to `{ stale: true }`
 * when the server says the draft's base is no longer current, or to null when cancelled.
 */
export async function openPublishDialog() {
  const diff = await planFetch(`/api/v1/plans/${session.plan.id}/diff`);
  session.diff = diff;
  const min = currentEffective();
  const today = todayBeijing();
  return new Promise((resolve) => {
    let result = null;
    const message = el("textarea", { id: "publish-message", rows: 2, required: true, "aria-describedby": "publish-message-error" });
    const date = el("input", { type: "date", id: "publish-date", value: min && min > today ? min : today, min: min ?? undefined, required: true, "aria-describedby": "publish-date-error" });
    const fieldError = (id) => el("p", { class: "field-error", id, role: "alert", hidden: true });
    const formError = el("p", { class: "note", id: "publish-error", role: "alert", hidden: true });
    const confirm = el("button", { type: "submit", class: "btn primary", id: "publish-confirm" }, t("publish.confirm"));
    const form = el("form", { method: "dialog", novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
      el("label", { for: "publish-message" }, t("publish.message")), message, fieldError("publish-message-error"),
      el("label", { for: "publish-date" }, t("publish.date")), date,
      el("p", { class: "muted" }, min ? t("publish.dateHint", { d: min }) : ""), fieldError("publish-date-error"),
      formError,
      el("div", { class: "dialog-actions" },
        el("button", { type: "button", class: "btn", id: "publish-cancel", onclick: () => d.close() }, t("dialog.cancel")),
        confirm));
    const d = openDialog("publish-dialog",
      el("h2", { id: "publish-dialog-title" }, t("publish.title", { id: session.plan.id })),
      el("h3", {}, t("publish.what")),
      changesTable(diff),
      movesList(diff),
      form);
    d.addEventListener("close", () => resolve(result));
    message.focus();

    function showFieldError(field, text) {
      for (const [name, input] of [["message", message], ["effective_date", date]]) {
        const p = d.querySelector(`#${input.id}-error`);
        const on = name === field;
        input.toggleAttribute("aria-invalid", on);
        p.hidden = !on;
        p.textContent = on ? text : "";
        if (on) input.focus();
      }
    }

    async function submit() {
      confirm.disabled = true;
      formError.hidden = true;
      showFieldError(null, "");
      try {
        result = await planFetch(`/api/v1/plans/${session.plan.id}/publish`, {
          body: { message: message.value, effective_date: date.value },
        });
        d.close();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const field = e.body?.problems?.field;
        if (e.status === 400 && (field === "message" || field === "effective_date")) showFieldError(field, e.message);
        else if (e.status === 409 && e.code === "stale_base") {
          result = { stale: true, detail: e.message };
          d.close();
        } else {
          formError.hidden = false;
          formError.textContent = e.status === 422 && e.code === "rules_failed" ? `${t("plan.publishBlocked")}：${e.message}` : e.message;
        }
      } finally {
        confirm.disabled = false;
      }
    }
  });
}
