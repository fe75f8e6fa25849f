// The live size table of the plan view: households and residents per grid and per community in the
// draft, with the rule bounds (domain.md §1–2: a comprehensive grid 300–500 households and at most
// 2,500 residents, a community 1,000–3,000 households) highlighted, as redistricting tools show each
// district's deviation while it is drawn. Communities the draft touches (and the selected grid's)
// come first and open; the rest are one click away.

import { numberText, t } from "./i18n.js";
import { data } from "./map.js";
import { el } from "./state.js";
import { session } from "./plan-session.js";
import { draftGrids, selectGrid } from "./plan-draft.js";

/** The default rule bounds (wangge-core RulesConfig::default). */
export const BOUNDS = { grid: [300, 500], gridResidents: 2500, community: [1000, 3000] };

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

function outside(v, [lo, hi]) {
  if (v === null) return "";
  return v < lo ? "below" : v > hi ? "above" : "";
}

let showAll = false;

/** The table, built from the draft's grids (or the published ones when no draft is open). */
export function sizeTable(onPick) {
  const byCommunity = new Map();
  for (const g of draftGrids()) {
    const p = g.properties.parent_code ?? "";
    if (!byCommunity.has(p)) byCommunity.set(p, []);
    byCommunity.get(p).push(g);
  }
  const touched = new Set();
  for (const c of [...session.changed, ...session.removed, session.selected]) {
    const f = session.grids?.get(c) ?? data.byCode.grid.get(c);
    if (f) touched.add(f.properties.parent_code ?? "");
  }
  const communities = [...byCommunity.keys()].sort((a, b) => Number(touched.has(b)) - Number(touched.has(a)) || a.localeCompare(b));
  const shown = showAll ? communities : communities.filter((c) => touched.has(c));
  const rows = [];
  for (const code of shown) {
    const grids = byCommunity.get(code).sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    const h = grids.reduce((s, g) => s + (num(g.properties.households) ?? 0), 0);
    const r = grids.reduce((s, g) => s + (num(g.properties.residents) ?? 0), 0);
    const name = data.byCode.community.get(code)?.properties.name ?? code;
    const hOut = outside(h, BOUNDS.community);
    rows.push(el("tr", { class: "community", "data-community": code, "data-out": hOut || null },
      el("th", { scope: "row" }, name),
      el("td", { class: hOut ? `out ${hOut}` : "" }, numberText(h)),
      el("td", {}, numberText(r))));
    for (const g of grids) {
      const gh = num(g.properties.households);
      const gr = num(g.properties.residents);
      const comprehensive = (g.properties.kind ?? "综合") === "综合";
      const ghOut = comprehensive ? outside(gh, BOUNDS.grid) : "";
      const grOut = comprehensive && gr !== null && gr > BOUNDS.gridResidents ? "above" : "";
      const gc = g.properties.code;
      rows.push(el("tr", {
        class: ["grid", session.changed.has(gc) ? "changed" : "", session.selected === gc ? "selected" : ""].join(" ").trim(),
        "data-grid": gc,
        "data-out": ghOut || grOut || null,
      },
      el("td", {}, el("button", { type: "button", class: "linklike", onclick: () => { selectGrid(gc, { fit: true }); onPick?.(gc); } },
        g.properties.name ?? gc), session.changed.has(gc) ? el("span", { class: "tag" }, t("plantable.changed")) : null),
      el("td", { class: ghOut ? `out ${ghOut}` : "" }, gh === null ? "—" : numberText(gh)),
      el("td", { class: grOut ? `out ${grOut}` : "" }, gr === null ? "—" : numberText(gr))));
    }
  }
  return el("div", { id: "plan-sizes" },
    el("h3", {}, t("plantable.title")),
    el("p", { class: "muted" }, t("plantable.bounds", {
      g0: numberText(BOUNDS.grid[0]), g1: numberText(BOUNDS.grid[1]), r: numberText(BOUNDS.gridResidents),
      c0: numberText(BOUNDS.community[0]), c1: numberText(BOUNDS.community[1]),
    })),
    rows.length
      ? el("div", { class: "table-scroll" }, el("table", { class: "stats sizes" },
        el("thead", {}, el("tr", {}, el("th", {}, t("plantable.unit")), el("th", {}, t("card.households")), el("th", {}, t("card.residents")))),
        el("tbody", {}, rows)))
      : el("p", { class: "muted" }, t("plantable.none")),
    el("button", { type: "button", class: "linklike", id: "plan-sizes-all", onclick: (e) => {
      showAll = !showAll;
      e.target.closest("#plan-sizes").replaceWith(sizeTable(onPick));
    } }, t(showAll ? "plantable.fewer" : "plantable.all", { n: communities.length })));
}
