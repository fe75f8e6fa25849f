// A draft's history and the plan's place in the published history: undo and redo of the draft's
// last changes (buttons, Ctrl+Z / Ctrl+Shift+Z), discarding a draft (after a confirmation), the other
// drafts a planner can resume, the published revisions and restoring one, and a window left behind
// by another publish (the draft's base is no longer current): reload onto the new revision, or
// rebase — a new draft on the new revision with the same edits, applied as one all-or-nothing batch
// (the server has no rebase of its own), the old draft discarded only once the new one holds them.

import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { el, setStatus, state } from "./state.js";
import { confirmDialog } from "./dialog.js";
import { draftIsEmpty, newDraft, planFetch, render, session, setPlan, stopTool } from "./plan-session.js";
import { refresh, reloadPublished, setRevisions } from "./plan-draft.js";

/**
 * Runs one change of the draft: busy while it runs, the draft read back afterwards, the error
 * shown if refused. Resolves to whether it worked.
 */
export async function act(fn, { saving = t("plan.saving"), done, drafts = false } = {}) {
  session.busy = true;
  session.error = "";
  session.message = saving;
  render();
  try {
    await fn();
    await refresh();
    // Another draft was opened, made or dropped: the list of the others changes too.
    if (drafts) await loadDrafts();
    session.message = done ? done() : session.plan ? t("plan.saved", { id: session.plan.id, v: session.plan.version }) : "";
    return true;
  } catch (e) {
    session.error = e.message;
    session.message = "";
    // A refused change leaves the draft as it was; show that state (another window may have moved it).
    if (e instanceof ApiError && e.status === 409) await refresh().catch(() => {});
    return false;
  } finally {
    session.busy = false;
    render();
  }
}

/** Takes back the draft's last change (one edit or one batch). */
export function undo() {
  if (!session.plan || session.undoSteps === 0 || session.busy) return Promise.resolve(false);
  stopTool();
  return act(() => planFetch(`/api/v1/plans/${session.plan.id}/undo`, { method: "POST", ifMatch: true }),
    { done: () => t("hist.undone", { n: session.undoSteps }) });
}

/** Puts back the last change taken back. */
export function redo() {
  if (!session.plan || session.redoSteps === 0 || session.busy) return Promise.resolve(false);
  stopTool();
  return act(() => planFetch(`/api/v1/plans/${session.plan.id}/redo`, { method: "POST", ifMatch: true }),
    { done: () => t("hist.redone", { n: session.redoSteps }) });
}

/** Discards the whole draft after a confirmation; a new empty draft is opened for further work. */
export async function discard() {
  if (!session.plan || session.busy) return false;
  const id = session.plan.id;
  const ok = await confirmDialog(t("hist.discardTitle", { id }), t("hist.discardText", { n: session.edits.length }),
    { confirm: t("hist.discard"), danger: true });
  if (!ok) return false;
  stopTool();
  return act(async () => {
    await planFetch(`/api/v1/plans/${id}`, { method: "DELETE", ifMatch: true });
    session.selected = null;
    await newDraft();
  }, { done: () => t("hist.discarded", { id }), drafts: true });
}

/** Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) in the plan view, unless a field or a dialog has the keys. */
export function initKeys() {
  document.addEventListener("keydown", (e) => {
    if (state.view !== "plan" || !session.token || !(e.ctrlKey || e.metaKey) || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k !== "z" && k !== "y") return;
    const target = e.target;
    if (target instanceof HTMLElement && (target.closest("input, textarea, select, [contenteditable]") || target.closest("dialog"))) return;
    e.preventDefault();
    if (k === "y" || e.shiftKey) redo();
    else undo();
  });
  // Coming back to the window: has someone published meanwhile?
  window.addEventListener("focus", () => {
    if (state.view === "plan" && session.plan && !session.busy) checkStale().catch(() => {});
  });
}

/** Reads the published revisions again; resolves to whether the draft is behind. */
export async function checkStale() {
  const before = Boolean(session.stale);
  setRevisions(await planFetch("/api/v1/revisions"));
  if (Boolean(session.stale) !== before) render();
  return Boolean(session.stale);
}

/** Opens another draft (dropping the current one only when it holds nothing). */
export async function openDraft(id) {
  stopTool();
  return act(async () => {
    const previous = draftIsEmpty() ? session.plan : null;
    const p = await planFetch(`/api/v1/plans/${id}`);
    if (p.status !== "draft") throw new Error(t("hist.notDraft", { id }));
    setPlan(p);
    session.selected = null;
    if (previous && previous.id !== id) await dropEmpty(previous);
  }, { done: () => t("hist.resumed", { id }), drafts: true });
}

/** Discards an empty draft the page opened itself (nothing of the planner's is lost). */
async function dropEmpty(plan) {
  await planFetch(`/api/v1/plans/${plan.id}`, { method: "DELETE", ifMatch: `"v${plan.version}"` }).catch(() => {});
}

/** Lists the drafts other than the open one. */
export async function loadDrafts() {
  const { plans } = await planFetch("/api/v1/plans");
  session.drafts = plans.filter((p) => p.status === "draft" && p.id !== session.plan?.id).sort((a, b) => b.id - a.id);
  return session.drafts;
}

/** A new draft that brings revision `id` back (the server's restore); it becomes the open draft. */
export async function restore(id) {
  const ok = await confirmDialog(t("hist.restoreTitle", { id }), t("hist.restoreText", { id }), { confirm: t("hist.restore") });
  if (!ok) return false;
  stopTool();
  return act(async () => {
    const previous = draftIsEmpty() ? session.plan : null;
    const p = await planFetch(`/api/v1/revisions/${id}/restore`, { method: "POST" });
    setPlan(p);
    session.selected = null;
    if (previous) await dropEmpty(previous);
  }, { done: () => t("hist.restored", { id, plan: session.plan.id }), drafts: true });
}

/** The window is behind: start afresh on the current revision (the old draft stays in the list). */
export function reloadOnto() {
  stopTool();
  return act(async () => {
    await reloadPublished();
    const previous = draftIsEmpty() ? session.plan : null;
    await newDraft();
    session.selected = null;
    if (previous) await dropEmpty(previous);
  }, { done: () => t("hist.reloaded", { r: session.revisions?.current ?? "" }), drafts: true });
}

/** The window is behind: the same edits as one batch on a new draft of the current revision. */
export function rebase() {
  stopTool();
  const old = { ...session.plan };
  const edits = session.edits.slice();
  return act(async () => {
    const fresh = await planFetch("/api/v1/plans", { body: { name: `${old.name ?? ""} ${t("hist.rebasedName", { id: old.id })}`.trim() } });
    try {
      if (edits.length) await planFetch(`/api/v1/plans/${fresh.id}/edits`, { body: { edits }, ifMatch: `"v${fresh.version}"` });
    } catch (e) {
      // The edits do not fit the new revision: nothing changes, the old draft stays open.
      await dropEmpty(fresh);
      throw new Error(t("hist.rebaseFailed", { msg: e.message }));
    }
    await planFetch(`/api/v1/plans/${old.id}`, { method: "DELETE", ifMatch: `"v${old.version}"` });
    setPlan(fresh);
    await reloadPublished();
  }, { done: () => t("hist.rebased", { id: session.plan.id, r: session.plan.base_revision, n: edits.length }), drafts: true });
}

// ---- panel parts ----------------------------------------------------------------------------------

/** Undo, redo and discard buttons, enabled by the server's undo_steps / redo_steps. */
export function historyControls() {
  const off = !session.plan || session.busy || session.tool !== null;
  return el("div", { class: "row", id: "plan-history-buttons" },
    el("button", {
      type: "button", class: "btn", id: "plan-undo", disabled: off || session.undoSteps === 0,
      title: t("hist.undoKey"), "aria-keyshortcuts": "Control+Z", onclick: () => undo(),
    }, t("hist.undo"), session.undoSteps ? ` (${session.undoSteps})` : ""),
    el("button", {
      type: "button", class: "btn", id: "plan-redo", disabled: off || session.redoSteps === 0,
      title: t("hist.redoKey"), "aria-keyshortcuts": "Control+Shift+Z", onclick: () => redo(),
    }, t("hist.redo"), session.redoSteps ? ` (${session.redoSteps})` : ""),
    el("button", { type: "button", class: "btn danger", id: "plan-discard", disabled: off, onclick: () => discard() }, t("hist.discard")));
}

/** The banner of a window another publish left behind. */
export function staleBanner() {
  const s = session.stale;
  if (!s) return null;
  return el("div", { class: "note", id: "plan-stale", role: "alert" },
    el("p", {}, t("hist.stale", { base: s.base, current: s.current })),
    el("div", { class: "row" },
      el("button", { type: "button", class: "btn primary", id: "plan-rebase", disabled: session.busy, onclick: () => rebase() }, t("hist.rebase", { r: s.current })),
      el("button", { type: "button", class: "btn", id: "plan-reload", disabled: session.busy, onclick: () => reloadOnto() }, t("hist.reload", { r: s.current }))));
}

/** Whether the planner opened or closed each section (the panel is redrawn after every change). */
const opened = { drafts: null, revisions: false };
const keepOpen = (name) => (e) => {
  opened[name] = e.target.open;
};
/** Records a click on a section's summary at once: its toggle event comes a task later, after a redraw may have rebuilt it. */
const flipOpen = (name) => (e) => {
  opened[name] = !e.currentTarget.parentElement.open;
};

/** The other drafts, each resumable (open by itself while the open draft is still empty). */
export function draftsSection() {
  const drafts = session.drafts ?? [];
  return el("details", {
    id: "plan-drafts", class: "plan-section", open: opened.drafts ?? (drafts.length > 0 && draftIsEmpty()), ontoggle: keepOpen("drafts"),
  },
    el("summary", { onclick: flipOpen("drafts") }, t("hist.drafts", { n: drafts.length })),
    drafts.length
      ? el("ul", { class: "picks" }, drafts.map((p) => el("li", { "data-plan": String(p.id) },
        el("span", {}, t("hist.draftLine", { id: p.id, name: p.name, author: p.author, at: p.created_at.slice(0, 16).replace("T", " ") })), " ",
        el("button", { type: "button", class: "linklike", "data-resume": String(p.id), disabled: session.busy, onclick: () => openDraft(p.id) }, t("hist.resume")))))
      : el("p", { class: "muted" }, t("hist.noDrafts")));
}

/** The published revisions, newest first, each restorable but the current one. */
export function revisionsSection() {
  const r = session.revisions;
  const list = (r?.revisions ?? []).slice().reverse();
  return el("details", { id: "plan-revisions", class: "plan-section", open: opened.revisions, ontoggle: keepOpen("revisions") },
    el("summary", { onclick: flipOpen("revisions") }, t("hist.revisions", { n: list.length })),
    list.length
      ? el("ul", { class: "picks" }, list.map((x) => el("li", { "data-revision": String(x.id) },
        el("div", {}, el("strong", {}, `#${x.id}`), " ", t("hist.revLine", { date: x.effective_date, author: x.author, at: x.created_at.slice(0, 16).replace("T", " ") }),
          x.id === r.current ? el("span", { class: "tag" }, t("hist.current")) : null),
        el("div", { class: "muted" }, x.message || "—"),
        x.id !== r.current
          ? el("button", { type: "button", class: "linklike", "data-restore": String(x.id), disabled: session.busy, onclick: () => restore(x.id) }, t("hist.restore"))
          : null)))
      : el("p", { class: "muted" }, t("hist.noRevisions")));
}

/** Loads the drafts list quietly (it is a convenience, not a reason to show an error). */
export function refreshDrafts() {
  return loadDrafts().then(() => render()).catch((e) => setStatus(e.message, true));
}

