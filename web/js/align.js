// The 多网对照 view: another department's network (police grids, city-management grids…) over our
// grids, communities or streets. Its outlines come from its vector tiles (/tiles/network.NAME/…),
// the pieces of the overlay from /api/v1/alignment?format=geojson, coloured by class; the panel
// shows the agreement figures, the slivers (a tap zooms to one) and the worst communities, links
// to the CSV and Excel reports, and lets a signed-in planner open chosen slivers in a draft plan
// that snaps our boundary onto theirs (POST /api/v1/alignment/draft), then shows it in 规划.

import { fetchJSON } from "./api.js";
import { addStrings, currentLang, numberText, onLangChange, t } from "./i18n.js";
import { data, extentOf, fitBox, map } from "./map.js";
import { setGeoJSON } from "./sources.js";
import { el, fill, setStatus, state } from "./state.js";
import { registerView, showView } from "./views.js";
import { render as renderPlan, session, setPlan } from "./plan-session.js";
import { signIn } from "./plan.js";

addStrings({
  zh: {
    "align.title": "多网对照",
    "align.network": "网络",
    "align.level": "我方层级",
    "align.lv.grid": "网格",
    "align.lv.community": "社区",
    "align.lv.street": "街道",
    "align.none": "尚未导入其他网络（wangge import --network 名称 文件）。",
    "align.loading": "正在计算对照…",
    "align.cls.identical": "一致",
    "align.cls.nested": "嵌套",
    "align.cls.split": "拆分",
    "align.cls.many_to_many": "多对多",
    "align.theirs": "对方网络边界",
    "align.sliverMark": "碎片",
    "align.summary": "V 度量 {v}（同质性 {h}，完整性 {c}，按户加权）；按面积 V 度量 {va}。",
    "align.mismatched": "不一致区块中的住户 {m} / {n} 户；碎片 {s} 处；配对 {p} 个。",
    "align.download": "下载报告",
    "align.csv": "CSV",
    "align.xlsx": "Excel",
    "align.slivers": "碎片（{n}）",
    "align.noSlivers": "没有碎片。",
    "align.sliverRow": "{ours} ↔ {theirs} · {area} 平方米 · {hh} 户",
    "align.snapOurs": "建议：划入 {to}",
    "align.snapTheirs": "建议对方调整",
    "align.draftTo": "草案可划入 {to}",
    "align.pick": "选择碎片 {ours} ↔ {theirs}",
    "align.worst": "一致性最差的{group}",
    "align.group.community": "社区",
    "align.group.street": "街道",
    "align.col.name": "名称",
    "align.col.pairs": "配对",
    "align.col.slivers": "碎片",
    "align.col.mismatched": "不一致户数",
    "align.col.v": "V 度量",
    "align.sortBy": "按{col}排序",
    "align.draft": "在规划草案中修正",
    "align.draftHelp": "勾选要把我方边界吸附到对方边界的碎片（网格层级、同一社区内有相邻网格可接收），生成一个草案，在「规划」中检查后发布。",
    "align.pickCommunity": "选中某社区的全部碎片",
    "align.pickAll": "全选",
    "align.openDraft": "生成草案（{n} 处碎片）",
    "align.signIn": "规划人员令牌",
    "align.signInGo": "登录",
    "align.draftMade": "已由多网对照生成草案 #{id}（{n} 项编辑，{errors} 个错误）",
    "align.gridOnly": "切换到网格层级以修正碎片。",
  },
  en: {
    "align.title": "Network alignment",
    "align.network": "Network",
    "align.level": "Our level",
    "align.lv.grid": "Grids",
    "align.lv.community": "Communities",
    "align.lv.street": "Streets",
    "align.none": "No other network imported yet (wangge import --network NAME FILE).",
    "align.loading": "Lining up the networks…",
    "align.cls.identical": "Identical",
    "align.cls.nested": "Nested",
    "align.cls.split": "Split",
    "align.cls.many_to_many": "Many-to-many",
    "align.theirs": "Their boundaries",
    "align.sliverMark": "Sliver",
    "align.summary": "V-measure {v} (homogeneity {h}, completeness {c}, by households); by area {va}.",
    "align.mismatched": "Households in mismatched pieces {m} / {n}; {s} slivers; {p} pairs.",
    "align.download": "Download the report",
    "align.csv": "CSV",
    "align.xlsx": "Excel",
    "align.slivers": "Slivers ({n})",
    "align.noSlivers": "No slivers.",
    "align.sliverRow": "{ours} ↔ {theirs} · {area} m² · {hh} households",
    "align.snapOurs": "suggested: give to {to}",
    "align.snapTheirs": "suggested: theirs moves",
    "align.draftTo": "a draft gives it to {to}",
    "align.pick": "Choose sliver {ours} ↔ {theirs}",
    "align.worst": "Worst {group}",
    "align.group.community": "communities",
    "align.group.street": "streets",
    "align.col.name": "Name",
    "align.col.pairs": "Pairs",
    "align.col.slivers": "Slivers",
    "align.col.mismatched": "Mismatched households",
    "align.col.v": "V-measure",
    "align.sortBy": "Sort by {col}",
    "align.draft": "Correct in a draft plan",
    "align.draftHelp": "Tick the slivers where our boundary should snap onto theirs (grid level, a neighbouring grid of the same community takes the piece); a draft is made for you to check and publish in Plan.",
    "align.pickCommunity": "Choose every sliver of a community",
    "align.pickAll": "All",
    "align.openDraft": "Make the draft ({n} slivers)",
    "align.signIn": "Planner token",
    "align.signInGo": "Sign in",
    "align.draftMade": "Draft #{id} made from the alignment ({n} edits, {errors} errors)",
    "align.gridOnly": "Switch to the grid level to correct slivers.",
  },
});

/** Class colours: Okabe–Ito, apart for every colour-vision deficiency (checked in the tests). */
export const CLASS_COLORS = {
  identical: "#009e73",
  nested: "#56b4e9",
  split: "#e69f00",
  many_to_many: "#cc79a7",
};
const THEIR_LINE = "#1f2933";
const SLIVER_LINE = "#d55e00";
const LEVELS = ["grid", "community", "street"];

const panel = document.querySelector("#panel-align .panel-body");
const settings = { network: null, level: "grid" };
/** The last answers (for tests): networks, report, pieces; the chosen slivers and the focus. */
export const last = { networks: null, report: null, pieces: null, chosen: new Set(), focus: null, draft: null };
/** The worst-communities table's order. */
export const sort = { col: "v", dir: 1 };
let layersAdded = false;
let netSource = null;
let seq = 0;

const keyOf = (s) => `${s.ours}|${s.theirs}`;
const query = (extra = {}) => new URLSearchParams({ network: settings.network, level: settings.level, lang: currentLang(), ...extra });

function addLayers() {
  if (layersAdded) return;
  layersAdded = true;
  setGeoJSON(map, "align-pieces", []);
  setGeoJSON(map, "align-focus", []);
  const color = ["match", ["get", "class"], ...Object.entries(CLASS_COLORS).flat(), "#999999"];
  map.addLayer({ id: "align-piece-fill", type: "fill", source: "align-pieces", paint: { "fill-color": color, "fill-opacity": 0.45 } });
  map.addLayer({
    id: "align-sliver-line", type: "line", source: "align-pieces", filter: ["==", ["get", "sliver"], true],
    paint: { "line-color": SLIVER_LINE, "line-width": 2 },
  });
  map.addLayer({ id: "align-focus-line", type: "line", source: "align-focus", paint: { "line-color": "#1d4ed8", "line-width": 4 } });
}

/** Points the network outline layer at `name`'s tiles (re-added when the network changes). */
function showNetwork(name) {
  if (netSource === name) return;
  if (map.getLayer("align-net-line")) map.removeLayer("align-net-line");
  if (map.getSource("align-net")) map.removeSource("align-net");
  netSource = name;
  if (!name) return;
  const id = `network.${name}`;
  // Absolute URL: MapLibre fetches tiles from a worker. The version makes a re-import a new URL.
  const version = last.networks?.find((n) => n.name === name)?.version ?? 0;
  map.addSource("align-net", { type: "vector", tiles: [`${location.origin}/tiles/${encodeURIComponent(id)}/{z}/{x}/{y}.mvt?v=${version}`], maxzoom: 18 });
  map.addLayer({
    id: "align-net-line", type: "line", source: "align-net", "source-layer": id,
    paint: { "line-color": THEIR_LINE, "line-width": 2, "line-dasharray": [3, 2] },
  }, map.getLayer("align-focus-line") ? "align-focus-line" : undefined);
}

function setVisible(on) {
  for (const id of ["align-piece-fill", "align-sliver-line", "align-focus-line", "align-net-line"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  }
}

/** Reads the networks and, when one is chosen, its alignment; resolves when the panel is drawn. */
export async function load() {
  addLayers();
  const my = ++seq;
  panel.setAttribute("aria-busy", "true");
  try {
    // A read-only service (no database) keeps no networks: the view says there are none.
    if (!last.networks) last.networks = (await fetchJSON("/api/v1/networks").catch(() => ({ networks: [] }))).networks;
    if (!settings.network || !last.networks.some((n) => n.name === settings.network)) settings.network = last.networks[0]?.name ?? null;
    if (!settings.network) {
      render();
      return;
    }
    setStatus(t("align.loading"));
    showNetwork(settings.network);
    const [report, pieces] = await Promise.all([
      fetchJSON(`/api/v1/alignment?${query()}`),
      fetchJSON(`/api/v1/alignment?${query({ format: "geojson" })}`),
    ]);
    if (my !== seq) return;
    Object.assign(last, { report, pieces, focus: null });
    last.chosen = new Set([...last.chosen].filter((k) => snappable().some((s) => keyOf(s) === k)));
    setGeoJSON(map, "align-pieces", pieces.features);
    setGeoJSON(map, "align-focus", []);
    setStatus("");
    render();
  } catch (e) {
    if (my === seq) setStatus(e.message, true);
  } finally {
    if (my === seq) panel.removeAttribute("aria-busy");
  }
}

/** The slivers a draft can snap (the report names the grid that takes each: `draft_to`). */
function snappable() {
  if (settings.level !== "grid") return [];
  return (last.report?.slivers ?? []).filter((s) => s.draft_to);
}

/** A tap on the map in this view: the piece under it is outlined (a sliver is listed and zoomed to). */
export function onMapClick(e) {
  const hit = map.getLayer("align-piece-fill") ? map.queryRenderedFeatures(e.point, { layers: ["align-piece-fill"] })[0] : null;
  if (hit) focusSliver(hit.properties.ours, hit.properties.theirs);
}

/** Zooms to a sliver and outlines it. */
export function focusSliver(ours, theirs) {
  const f = last.pieces?.features.find((p) => p.properties.ours === ours && p.properties.theirs === theirs);
  last.focus = f ? keyOf(f.properties) : null;
  setGeoJSON(map, "align-focus", f ? [f] : []);
  for (const li of panel.querySelectorAll("#align-slivers li")) li.setAttribute("aria-current", String(li.dataset.key === last.focus));
  if (f) fitBox(extentOf([f]), { maxZoom: 18 });
}

function seg(name, options, current, onPick) {
  return el("div", { class: "seg", role: "group", "aria-label": name },
    options.map(([value, label]) => el("button", { type: "button", "aria-pressed": String(value === current), "data-value": value, onclick: () => onPick(value) }, label)));
}

/** The rows of the worst-groups table: communities at grid level, streets at community level. */
function groupRows() {
  const s = last.report?.summary ?? {};
  const group = s.community ? "community" : s.street ? "street" : null;
  const rows = (group ? s[group] : []).map((r) => ({
    code: r.code, name: r.name || r.code, pairs: r.pairs, slivers: r.slivers,
    mismatched: r.households_mismatched, v: r.by_households.v_measure,
  }));
  const k = sort.col;
  rows.sort((a, b) => (k === "name" ? a.name.localeCompare(b.name, "zh") : a[k] - b[k]) * sort.dir || a.code.localeCompare(b.code));
  return { group, rows };
}

function worstTable() {
  const { group, rows } = groupRows();
  if (!group) return null;
  const cols = [["name", "align.col.name"], ["pairs", "align.col.pairs"], ["slivers", "align.col.slivers"], ["mismatched", "align.col.mismatched"], ["v", "align.col.v"]];
  const head = cols.map(([col, key]) => el("th", {
    scope: "col", "data-col": col, "aria-sort": sort.col === col ? (sort.dir > 0 ? "ascending" : "descending") : "none",
  }, el("button", {
    type: "button", class: "sort", title: t("align.sortBy", { col: t(key) }),
    onclick: () => {
      sort.dir = sort.col === col ? -sort.dir : col === "name" || col === "v" ? 1 : -1;
      sort.col = col;
      render();
      panel.querySelector(`#align-worst th[data-col="${col}"] button`)?.focus();
    },
  }, t(key), el("span", { class: "sort-mark", "aria-hidden": "true" }, sort.col === col ? (sort.dir > 0 ? " ▲" : " ▼") : ""))));
  return [
    el("h3", {}, t("align.worst", { group: t(`align.group.${group}`) })),
    el("div", { class: "table-wrap" }, el("table", { class: "stats", id: "align-worst" },
      el("thead", {}, el("tr", {}, head)),
      el("tbody", {}, rows.map((r) => el("tr", { "data-code": r.code },
        el("td", { "data-col": "name" }, r.name),
        el("td", { "data-col": "pairs" }, numberText(r.pairs)),
        el("td", { "data-col": "slivers" }, numberText(r.slivers)),
        el("td", { "data-col": "mismatched" }, numberText(r.mismatched)),
        el("td", { "data-col": "v" }, r.v.toFixed(3))))))),
  ];
}

function sliverList() {
  const slivers = last.report?.slivers ?? [];
  const canPick = new Set(snappable().map(keyOf));
  const items = slivers.map((s) => {
    const k = keyOf(s);
    const box = canPick.has(k) ? el("input", {
      type: "checkbox", class: "align-pick", checked: last.chosen.has(k), "aria-label": t("align.pick", s),
      onchange: (e) => { if (e.target.checked) last.chosen.add(k); else last.chosen.delete(k); render(); },
    }) : null;
    return el("li", { "data-key": k, "aria-current": String(k === last.focus) }, box,
      el("button", { type: "button", class: "linklike align-go", onclick: () => focusSliver(s.ours, s.theirs) },
        t("align.sliverRow", { ours: s.ours, theirs: s.theirs, area: numberText(Math.round(s.area_m2)), hh: numberText(s.households) })),
      el("span", { class: "muted" }, " · ", s.snap?.side === "ours" ? t("align.snapOurs", { to: s.snap.to }) : t("align.snapTheirs"),
        s.draft_to ? ` · ${t("align.draftTo", { to: s.draft_to })}` : ""));
  });
  return [
    el("h3", {}, t("align.slivers", { n: slivers.length })),
    slivers.length ? el("ul", { class: "align-slivers", id: "align-slivers" }, items) : el("p", { class: "muted" }, t("align.noSlivers")),
  ];
}

/** The community a grid belongs to (from the page's copy of the grids). */
function communityOf(grid) {
  return data.byCode.grid?.get(grid)?.properties?.parent_code ?? null;
}

function draftSection() {
  const out = [el("h3", {}, t("align.draft"))];
  if (settings.level !== "grid") return [...out, el("p", { class: "muted" }, t("align.gridOnly"))];
  out.push(el("p", { class: "muted" }, t("align.draftHelp")));
  if (!session.token) {
    const input = el("input", { type: "password", id: "align-token", autocomplete: "off", "aria-label": t("align.signIn"), placeholder: t("align.signIn") });
    out.push(el("form", { class: "row", onsubmit: async (e) => { e.preventDefault(); await signIn(input.value); render(); } },
      input, el("button", { type: "submit", class: "btn", id: "align-signin-go" }, t("align.signInGo"))));
    if (session.error) out.push(el("p", { class: "error" }, session.error));
    return out;
  }
  const communities = [...new Set(snappable().map((s) => communityOf(s.ours)).filter(Boolean))].sort();
  const pickCommunity = el("select", {
    id: "align-pick-community", "aria-label": t("align.pickCommunity"),
    onchange: (e) => {
      const c = e.target.value;
      for (const s of snappable()) if (c === "*" || communityOf(s.ours) === c) last.chosen.add(keyOf(s));
      render();
    },
  }, el("option", { value: "" }, t("align.pickCommunity")), el("option", { value: "*" }, t("align.pickAll")),
  communities.map((c) => el("option", { value: c }, data.byCode.community?.get(c)?.properties?.name ?? c)));
  out.push(el("div", { class: "row" }, pickCommunity,
    el("button", { type: "button", class: "btn primary", id: "align-open-draft", disabled: last.chosen.size === 0 || session.busy, onclick: () => openDraft() },
      t("align.openDraft", { n: last.chosen.size }))));
  return out;
}

/** Makes a draft from the chosen slivers and opens it in the plan view. */
export async function openDraft() {
  const pieces = [...last.chosen].map((k) => {
    const [ours, theirs] = k.split("|");
    return { ours, theirs };
  });
  session.busy = true;
  render();
  try {
    const r = await fetchJSON(`/api/v1/alignment/draft?lang=${currentLang()}`, {
      token: session.token,
      body: { network: settings.network, level: settings.level, pieces },
    });
    last.draft = r;
    const plan = await fetchJSON(`/api/v1/plans/${r.plan_id}`, { token: session.token });
    setPlan(plan);
    last.chosen.clear();
    session.busy = false;
    await showView("plan");
    // Said after the plan view drew the draft (its refresh clears the line it had).
    session.message = t("align.draftMade", { id: r.plan_id, n: r.edits.length, errors: r.errors });
    renderPlan();
    return r;
  } catch (e) {
    session.busy = false;
    setStatus(e.message, true);
    render();
    throw e;
  }
}

function render() {
  if (state.view !== "align") return;
  const networks = last.networks ?? [];
  if (!networks.length) {
    fill(panel, el("h2", { id: "align-title" }, t("align.title")), el("p", { class: "muted", id: "align-none" }, t("align.none")));
    return;
  }
  const all = last.report?.summary?.all;
  const f3 = (x) => (x ?? 0).toFixed(3);
  const href = (format) => `/api/v1/alignment?${query({ format })}`;
  fill(panel,
    el("h2", { id: "align-title" }, t("align.title")),
    el("div", { class: "row" }, el("label", { for: "align-network" }, t("align.network")),
      el("select", { id: "align-network", onchange: (e) => { settings.network = e.target.value; last.chosen.clear(); load(); } },
        networks.map((n) => el("option", { value: n.name, selected: n.name === settings.network }, `${n.name} (v${n.version})`)))),
    el("div", { class: "row" }, el("span", {}, t("align.level")),
      seg(t("align.level"), LEVELS.map((l) => [l, t(`align.lv.${l}`)]), settings.level, (l) => { settings.level = l; last.chosen.clear(); load(); })),
    el("ul", { class: "classes", id: "align-legend" },
      Object.entries(CLASS_COLORS).map(([c, color]) => el("li", { "data-class": c }, el("i", { style: `background:${color}` }), t(`align.cls.${c}`), all ? ` ${all[c]}` : "")),
      el("li", {}, el("i", { style: `background:transparent;border:2px solid ${SLIVER_LINE}` }), t("align.sliverMark")),
      el("li", {}, el("i", { style: `background:transparent;border:2px dashed ${THEIR_LINE}` }), t("align.theirs"))),
    all ? el("p", { id: "align-summary" },
      t("align.summary", { v: f3(all.by_households.v_measure), h: f3(all.by_households.homogeneity), c: f3(all.by_households.completeness), va: f3(all.by_area.v_measure) }), " ",
      t("align.mismatched", { m: numberText(all.households_mismatched), n: numberText(all.households), s: all.slivers, p: all.pairs })) : null,
    all ? el("p", { class: "row", id: "align-downloads" }, el("span", {}, t("align.download")),
      el("a", { class: "btn", id: "align-csv", href: href("csv"), download: "" }, t("align.csv")),
      el("a", { class: "btn", id: "align-xlsx", href: href("xlsx"), download: "" }, t("align.xlsx"))) : null,
    last.report ? worstTable() : null,
    last.report ? sliverList() : null,
    last.report ? draftSection() : null,
  );
}

/** Registers the view. */
export function init() {
  registerView("align", {
    async enter() {
      addLayers();
      setVisible(true);
      last.networks = null; // an import may have happened since
      await load();
      const fc = last.pieces?.features ?? [];
      if (fc.length) fitBox(extentOf(fc), { maxZoom: 16 });
    },
    leave() {
      setVisible(false);
    },
  });
  onLangChange(() => {
    if (state.view === "align") load();
  });
}

export { settings };
