// The worker's phone: the card is a compact bottom sheet that can be dragged up (more) or down
// (just the title), the selected grid is filled as well as outlined, the zoom and layer controls
// stay above the sheet, and the card offers a call and a copy of the grid worker's number when the
// data has one (`worker_name`, `worker_phone`; the server sends the number to workers and
// planners only).

import { addStrings, t } from "./i18n.js";
import { map, SELECT_COLOR } from "./map.js";
import { from } from "./sources.js";
import { addCardExtra } from "./lookup.js";
import { el, onChange, setStatus, state } from "./state.js";

addStrings({
  zh: {
    "phone.call": "拨打",
    "phone.copy": "复制号码",
    "phone.copied": "已复制：{n}",
    "phone.contact": "联系方式",
    "phone.handle": "拖动调整卡片高度",
  },
  en: {
    "phone.call": "Call",
    "phone.copy": "Copy number",
    "phone.copied": "Copied: {n}",
    "phone.contact": "Contact",
    "phone.handle": "Drag to resize the card",
  },
});

/** Sheet heights as shares of the map's height: title only, compact (the default), most. */
export const SNAPS = { peek: 0, half: 0.4, full: 0.85 };
const narrow = () => window.matchMedia("(max-width: 640px)").matches;

function contact(a) {
  const g = a.selected !== "community" ? a.grid : null;
  if (!g?.worker_phone) return [];
  const number = String(g.worker_phone);
  return [el("div", { class: "card-actions worker-contact", "data-row": "contact", "data-place": "top" },
    el("a", { class: "btn", href: `tel:${number.replace(/[^\d+]/g, "")}`, id: "worker-call" }, `${t("phone.call")} ${number}`),
    el("button", {
      type: "button", class: "btn", id: "worker-copy",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(number);
          setStatus(t("phone.copied", { n: number }));
        } catch (e) {
          setStatus(e.message, true);
        }
      },
    }, t("phone.copy")))];
}

function wrapHeight() {
  return document.getElementById("map-wrap").clientHeight;
}

/** Puts the sheet at `snap` ("peek", "half", "full") or a height in px. */
export function setSheet(snap) {
  const card = document.getElementById("card");
  const head = card.querySelector(".card-head");
  const min = (head?.offsetHeight ?? 60) + 14;
  const h = typeof snap === "number" ? snap : Math.max(min, SNAPS[snap] * wrapHeight());
  card.style.height = `${Math.round(Math.min(h, 0.9 * wrapHeight()))}px`;
  card.dataset.sheet = typeof snap === "number" ? "drag" : snap;
  document.body.style.setProperty("--sheet-h", `${card.offsetHeight}px`);
}

function wireSheet() {
  const card = document.getElementById("card");
  const handle = el("div", { class: "sheet-handle", role: "separator", "aria-orientation": "horizontal", "aria-label": t("phone.handle"), tabindex: "0" }, el("span", {}));
  card.prepend(handle);
  let start = null;
  handle.addEventListener("pointerdown", (e) => {
    if (!narrow()) return;
    start = { y: e.clientY, h: card.offsetHeight };
    handle.setPointerCapture(e.pointerId);
  });
  handle.addEventListener("pointermove", (e) => {
    if (start) setSheet(start.h + (start.y - e.clientY));
  });
  const end = (e) => {
    if (!start) return;
    const h = start.h + (start.y - e.clientY);
    start = null;
    // Snap to the nearest of the three heights.
    const H = wrapHeight();
    const best = Object.entries(SNAPS).sort(([, a], [, b]) => Math.abs(a * H - h) - Math.abs(b * H - h))[0][0];
    setSheet(best);
  };
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", end);
  handle.addEventListener("keydown", (e) => {
    const order = ["peek", "half", "full"];
    const at = order.indexOf(card.dataset.sheet) < 0 ? 1 : order.indexOf(card.dataset.sheet);
    if (e.key === "ArrowUp") setSheet(order[Math.min(2, at + 1)]);
    else if (e.key === "ArrowDown") setSheet(order[Math.max(0, at - 1)]);
    else return;
    e.preventDefault();
  });
  // A new answer opens compact; on a desktop the card sizes itself.
  new MutationObserver(() => {
    if (!narrow()) {
      card.style.height = "";
      return;
    }
    if (!card.hidden && !card.dataset.sheet) setSheet("half");
    if (card.hidden) delete card.dataset.sheet;
  }).observe(card, { attributes: true, attributeFilter: ["hidden"] });
}

function addSelectedFill() {
  map.addLayer({
    id: "grid-selected-fill", type: "fill", ...from("grid"), filter: ["==", ["get", "code"], ""],
    paint: { "fill-color": SELECT_COLOR, "fill-opacity": 0.18 },
  }, "grid-selected");
}

/** Wires the sheet, the selected fill and the contact actions. */
export function init() {
  wireSheet();
  addSelectedFill();
  addCardExtra(contact);
  onChange(() => {
    const code = state.selected?.layer === "grid" ? state.selected.code : "";
    map.setFilter("grid-selected-fill", ["==", ["get", "code"], code]);
  });
}
