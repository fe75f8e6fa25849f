// The four views (查询 lookup, 服务覆盖 coverage, 专题图 thematic, 规划 plan): tabs, panels, and
// each view's enter/leave hooks.

import { changed, state } from "./state.js";

const views = new Map();

/** Registers a view's hooks: `enter()` when it opens, `leave()` when another one does. */
export function registerView(name, hooks) {
  views.set(name, hooks);
}

/** Opens a view (and closes the one that was open). */
export async function showView(name) {
  if (!views.has(name) && name !== "lookup") name = "lookup";
  const prev = state.view;
  if (prev !== name) await views.get(prev)?.leave?.();
  state.view = name;
  document.body.dataset.view = name;
  for (const tab of document.querySelectorAll(".view-tab")) tab.setAttribute("aria-pressed", String(tab.dataset.view === name));
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${name}`;
  if (name !== "lookup") {
    document.getElementById("card").hidden = true;
    document.body.classList.remove("card-open");
  }
  await views.get(name)?.enter?.();
  changed();
}

/** Wires the tabs. */
export function initViews() {
  for (const tab of document.querySelectorAll(".view-tab")) {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  }
}
