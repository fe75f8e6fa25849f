// The page's shared state: which view is open, what is selected, the last lookup answer.

export const state = {
  view: "lookup", // lookup | coverage | thematic | plan
  selected: null, // { layer: "grid" | "community", code }
  answer: null, // the last lookup answer (or one built for a selected feature)
  marker: null, // { lon, lat } of the last looked-up point
  loaded: false,
};

const listeners = new Set();

/** Calls `f` after every `changed()` (URL state, view switches). */
export function onChange(f) {
  listeners.add(f);
}

/** Tells listeners the state changed. */
export function changed() {
  for (const f of listeners) f(state);
}

/** Shows a line at the top of the map; errors go away by themselves. */
let statusTimer = 0;
export function setStatus(text, isError = false) {
  const s = document.getElementById("status");
  clearTimeout(statusTimer);
  s.textContent = text;
  s.classList.toggle("error", Boolean(isError && text));
  if (text && isError) statusTimer = setTimeout(() => setStatus(""), 6000);
}

/** A small element builder: el("p", { class: "x", onclick }, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** Replaces an element's children, skipping the empty (null, undefined, false) ones. */
export function fill(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}
