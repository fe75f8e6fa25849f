// What the plan view knows about the signed-in planner and their draft, shared by the plan view's
// modules (tools in plan.js, the draft's state in plan-draft.js, undo/history in plan-history.js,
// the publish dialog). The server is the truth: after every change the draft's state is read back.

import { fetchJSON } from "./api.js";

/** Everything the view knows; exposed for tests as `window.wangge.plan.session`. */
export const session = {
  token: null,
  plan: null, // { id, version, status, base_revision, name, author }
  undoSteps: 0,
  redoSteps: 0,
  edits: [], // the draft's edits in effect, as the server holds them
  grids: null, // Map code → the draft's grid feature (published grids with the draft's edits applied)
  changed: new Set(), // grid codes the draft adds, reshapes or changes
  removed: new Set(), // grid codes the draft removes
  diff: null, // the last /plans/{id}/diff answer
  findings: null, // the last validate answer
  revisions: null, // { current, revisions: [...] }
  drafts: [], // the other draft plans a planner can resume
  stale: null, // { base, current } when a revision was published after the draft's base
  selected: null, // grid code
  tool: null, // null | "reshape" | "split" | "merge" | "draw"
  snap: true,
  busy: false,
  message: "",
  error: "",
  published: null,
};

/** What plan.js lends the other plan modules: the panel's re-draw and stopping the drawing tool. */
const hooks = { render: () => {}, stopTool: () => {} };
export function setHooks(h) {
  Object.assign(hooks, h);
}
/** Re-draws the plan panel. */
export function render() {
  hooks.render();
}
/** Stops the drawing tool (its shapes would not match the draft after an undo or another draft). */
export function stopTool() {
  hooks.stopTool();
}

/** A planner's API call: the token goes along; `ifMatch: true` sends the draft's version. */
export function planFetch(url, options = {}) {
  const opts = { ...options, token: session.token };
  if (options.ifMatch === true) opts.ifMatch = `"v${session.plan.version}"`;
  return fetchJSON(url, opts);
}

const TAB = "wangge.plan"; // this tab: token and draft (sessionStorage)
const LAST = "wangge.plan.last"; // this browser: the last draft worked on (no token)

/** Keeps the token and the draft for this tab, and the draft's id for the next sign-in. */
export function remember() {
  if (session.token && session.plan) sessionStorage.setItem(TAB, JSON.stringify({ token: session.token, plan: session.plan.id }));
  else sessionStorage.removeItem(TAB);
  if (session.plan?.status === "draft") localStorage.setItem(LAST, String(session.plan.id));
}

/** The token and draft this tab kept, if any. */
export function kept() {
  return JSON.parse(sessionStorage.getItem(TAB) || "null");
}

/** The draft this browser last worked on (kept across sign-outs; a draft is never forgotten by signing out). */
export function lastDraft() {
  const v = Number(localStorage.getItem(LAST));
  return Number.isInteger(v) && v > 0 ? v : null;
}

/** Takes a plan row from the API as the session's draft. */
export function setPlan(p) {
  session.plan = p
    ? { id: p.id, version: p.version, status: p.status, base_revision: p.base_revision, name: p.name, author: p.author }
    : null;
  remember();
}

/** Whether the draft holds no work at all (nothing to undo or redo): safe to drop for another one. */
export function draftIsEmpty() {
  return Boolean(session.plan) && session.undoSteps === 0 && session.redoSteps === 0;
}

/** Opens a new, empty draft on the current revision. */
export async function newDraft(name) {
  const stamp = new Date().toISOString().slice(0, 16).replace("T", " ");
  const plan = await planFetch("/api/v1/plans", { body: { name: name ?? `网页草案 ${stamp}` } });
  setPlan(plan);
  return plan;
}
