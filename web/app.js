// wangge 网格 — the map page. Plain ES module, no dependencies: the map is drawn on a <canvas> from the
// service's own layers (/api/v1/layers/...) and the OSM roads in /data/roads.geojson.
//
// Coordinates: the API speaks WGS 84 longitude/latitude. For drawing, every vertex is projected once to
// Web Mercator pixels at zoom REF and shifted to a local origin (the data's south-west corner), so the
// numbers stay small and a canvas transform (scale 2^(z-REF)) does all panning and zooming.

const REF = 16;
const WORLD = 256 * 2 ** REF;
const MIN_Z = 9;
const MAX_Z = 20;
const EARTH_CIRCUMFERENCE = 2 * Math.PI * 6378137;
// Canvas text uses the same system font stacks as style.css (--font, --mono).
const FONT = 'system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Segoe UI", Roboto, sans-serif';
const MONO = 'ui-monospace, "SF Mono", Menlo, Consolas, "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace';
const AREA_LAYERS = ["district", "street", "community", "grid"];

// ---- strings ------------------------------------------------------------------------------------

const STRINGS = {
  zh: {
    "app.name": "网格",
    "app.subtitle": "城市网格化治理地图",
    "app.title": "网格 · 城市网格化治理地图",
    "search.label": "搜索坐标、网格或社区编码",
    "search.placeholder": "经度,纬度 或 网格/社区编码",
    "search.crsLabel": "坐标系",
    "search.crsHelp": "坐标系：WGS 84 为 GPS 原始坐标；GCJ-02 为高德、腾讯地图坐标；BD-09 为百度地图坐标",
    "search.go": "查询",
    "map.label": "网格地图。方向键平移，加号减号缩放，回车查询地图中心所属网格。",
    "map.hint": "点击地图查询所属网格",
    "zoom.group": "缩放",
    "zoom.in": "放大",
    "zoom.out": "缩小",
    "zoom.fit": "显示全部",
    "legend.title": "图层",
    "layer.district": "区",
    "layer.street": "街道",
    "layer.community": "社区",
    "layer.grid": "网格",
    "layer.service_centre": "服务中心",
    "layer.roads": "道路",
    "attr.note": "街道、社区、网格边界为示意，户数与人口为估算",
    "lang.switch": "Switch to English",
    "lang.button": "EN",
    "card.close": "关闭",
    "card.grid": "网格",
    "card.community": "社区",
    "card.outside": "不在任何网格内",
    "card.loading": "正在查询…",
    "card.error": "查询失败",
    "card.worker": "网格员",
    "card.households": "户数",
    "card.residents": "人口",
    "card.kind": "类型",
    "card.street": "街道",
    "card.district": "区",
    "card.grids": "网格数",
    "card.centre": "服务中心",
    "card.estimated": "估算",
    "card.unitHouseholds": "户",
    "card.unitResidents": "人",
    "card.unitGrids": "个",
    "card.noWorker": "未登记",
    "card.outsideNote": "该点不在任何网格内。",
    "card.nearest": "最近的网格：{name}（{code}），距离 {dist}。",
    "card.noNearest": "附近没有网格。",
    "card.boundary": "该点位于网格边界上。",
    "card.goNearest": "查看最近网格",
    "card.zoomTo": "缩放到此",
    "card.point": "WGS 84：{lon}, {lat}",
    "card.input": "输入（{crs}）：{x}, {y}",
    "kind.综合": "综合网格",
    "kind.专属": "专属网格",
    "status.loading": "正在加载数据…",
    "status.loadFailed": "数据加载失败：{msg}",
    "status.notFound": "未找到：{q}",
    "status.badQuery": "请输入地址、“经度,纬度”，或 15 位网格编码、12 位社区编码。",
    "status.address": "地址匹配：{a}（匹配度 {s}）",
    "status.roadsMissing": "底图道路数据暂不可用",
    "unit.m": "{n} 米",
    "unit.km": "{n} 公里",
  },
  en: {
    "app.name": "Wangge",
    "app.subtitle": "Urban grid governance map",
    "app.title": "Wangge · Urban grid governance map",
    "search.label": "Search coordinates or a grid or community code",
    "search.placeholder": "lon,lat or grid/community code",
    "search.crsLabel": "Coordinate system",
    "search.crsHelp": "Coordinate system: WGS 84 is raw GPS; GCJ-02 is used by Amap and Tencent maps; BD-09 by Baidu maps",
    "search.go": "Search",
    "map.label": "Grid map. Arrow keys pan, plus and minus zoom, Enter looks up the grid at the map centre.",
    "map.hint": "Click the map to find its grid",
    "zoom.group": "Zoom",
    "zoom.in": "Zoom in",
    "zoom.out": "Zoom out",
    "zoom.fit": "Show all",
    "legend.title": "Layers",
    "layer.district": "District",
    "layer.street": "Street",
    "layer.community": "Community",
    "layer.grid": "Grid",
    "layer.service_centre": "Service centre",
    "layer.roads": "Roads",
    "attr.note": "Street, community and grid boundaries are illustrative; household and resident figures are estimates",
    "lang.switch": "切换到中文",
    "lang.button": "中文",
    "card.close": "Close",
    "card.grid": "Grid",
    "card.community": "Community",
    "card.outside": "Not in any grid",
    "card.loading": "Looking up…",
    "card.error": "Lookup failed",
    "card.worker": "Grid worker",
    "card.households": "Households",
    "card.residents": "Residents",
    "card.kind": "Type",
    "card.street": "Street",
    "card.district": "District",
    "card.grids": "Grids",
    "card.centre": "Service centre",
    "card.estimated": "estimated",
    "card.unitHouseholds": "",
    "card.unitResidents": "",
    "card.unitGrids": "",
    "card.noWorker": "not recorded",
    "card.outsideNote": "This point is not inside any grid.",
    "card.nearest": "Nearest grid: {name} ({code}), {dist} away.",
    "card.noNearest": "There is no grid nearby.",
    "card.boundary": "This point lies on a grid boundary.",
    "card.goNearest": "Show nearest grid",
    "card.zoomTo": "Zoom to",
    "card.point": "WGS 84: {lon}, {lat}",
    "card.input": "Input ({crs}): {x}, {y}",
    "kind.综合": "Comprehensive grid",
    "kind.专属": "Dedicated grid",
    "status.loading": "Loading data…",
    "status.loadFailed": "Could not load the data: {msg}",
    "status.notFound": "Not found: {q}",
    "status.badQuery": "Enter an address, \"lon,lat\", a 15-digit grid code or a 12-digit community code.",
    "status.address": "Address match: {a} (score {s})",
    "status.roadsMissing": "Base-map roads are not available",
    "unit.m": "{n} m",
    "unit.km": "{n} km",
  },
};

function t(key, vars) {
  let s = STRINGS[state.lang][key] ?? STRINGS.zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
  return s;
}

// ---- state ----------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);

const state = {
  lang: params.get("lang")?.toLowerCase().startsWith("en") ? "en" : "zh",
  view: { cx: 0, cy: 0, z: 14 }, // centre in local REF pixels, zoom
  selected: null, // { layer: "grid" | "community", code }
  answer: null, // the last lookup answer (or one built for a selected feature)
  marker: null, // { lon, lat } of the last looked-up point
  visible: { street: true, community: true, grid: true, service_centre: true, roads: true },
  counts: {}, // layer id -> count from /api/v1/layers
  loaded: false,
  drawn: 0, // number of completed draws
};

const data = {
  origin: null, // Web Mercator pixels at REF of the local origin
  bbox: null, // local bbox of all area data
  layers: { district: [], street: [], community: [], grid: [], service_centre: [] },
  byCode: { district: new Map(), street: new Map(), community: new Map(), grid: new Map(), service_centre: new Map() },
  paths: {}, // combined Path2D per style
  roads: null, // { major, mid, minor } Path2D
  gridsDrawn: 0,
};

// ---- projection -----------------------------------------------------------------------------------

function mercX(lon) {
  return ((lon + 180) / 360) * WORLD;
}
function mercY(lat) {
  const s = Math.sin((Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180);
  return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * WORLD;
}
function toLocal(lon, lat) {
  return [mercX(lon) - data.origin[0], mercY(lat) - data.origin[1]];
}
function toLonLat(x, y) {
  const mx = x + data.origin[0];
  const my = y + data.origin[1];
  const lon = (mx / WORLD) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * my) / WORLD))) * 180) / Math.PI;
  return [lon, lat];
}

const canvas = document.getElementById("map");
const ctx = canvas.getContext("2d");
let cssW = 0;
let cssH = 0;
let dpr = 1;

function scale() {
  return 2 ** (state.view.z - REF);
}
/** Local REF pixels → canvas CSS pixels. */
function localToScreen(x, y) {
  const s = scale();
  return [(x - state.view.cx) * s + cssW / 2, (y - state.view.cy) * s + cssH / 2];
}
function screenToLocal(sx, sy) {
  const s = scale();
  return [(sx - cssW / 2) / s + state.view.cx, (sy - cssH / 2) / s + state.view.cy];
}
function viewBox() {
  const [x0, y0] = screenToLocal(0, 0);
  const [x1, y1] = screenToLocal(cssW, cssH);
  return [x0, y0, x1, y1];
}
function metresPerPixel() {
  const [, lat] = toLonLat(state.view.cx, state.view.cy);
  return (Math.cos((lat * Math.PI) / 180) * EARTH_CIRCUMFERENCE) / (256 * 2 ** state.view.z);
}

// ---- geometry preparation ------------------------------------------------------------------------

/** Polygons of a GeoJSON geometry as arrays of rings of [lon, lat]. */
function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return Math.abs(a / 2);
}

/**
 * A point inside a polygon (rings in local coordinates), good for a label: the middle of the widest
 * horizontal run through the polygon, trying a few heights.
 */
function labelPoint(rings) {
  let ys0 = Infinity;
  let ys1 = -Infinity;
  for (const p of rings[0]) {
    ys0 = Math.min(ys0, p[1]);
    ys1 = Math.max(ys1, p[1]);
  }
  let best = null;
  for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    const y = ys0 + (ys1 - ys0) * f + 1e-7;
    const xs = [];
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xa, ya] = ring[j];
        const [xb, yb] = ring[i];
        if ((ya > y) !== (yb > y)) xs.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const w = xs[k + 1] - xs[k];
      // Prefer runs near the middle: a small penalty for distance from f = 0.5.
      const score = w * (1 - Math.abs(f - 0.5) * 0.6);
      if (!best || score > best.score) best = { score, x: (xs[k] + xs[k + 1]) / 2, y, w };
    }
  }
  return best ? { x: best.x, y: best.y, w: best.w } : null;
}

function prepareArea(layer, f) {
  const props = f.properties || {};
  const polys = polygonsOf(f.geometry).map((poly) => poly.map((ring) => ring.map(([lon, lat]) => toLocal(lon, lat))));
  const path = new Path2D();
  const bbox = [Infinity, Infinity, -Infinity, -Infinity];
  let biggest = null;
  let biggestArea = -1;
  for (const poly of polys) {
    for (const ring of poly) {
      ring.forEach(([x, y], i) => {
        if (i === 0) path.moveTo(x, y);
        else path.lineTo(x, y);
        if (x < bbox[0]) bbox[0] = x;
        if (y < bbox[1]) bbox[1] = y;
        if (x > bbox[2]) bbox[2] = x;
        if (y > bbox[3]) bbox[3] = y;
      });
      path.closePath();
    }
    const a = ringArea(poly[0]);
    if (a > biggestArea) {
      biggestArea = a;
      biggest = poly;
    }
  }
  const label = biggest ? labelPoint(biggest) : null;
  return {
    layer,
    code: String(props.code ?? f.id ?? ""),
    name: props.name ?? "",
    parent: props.parent_code ?? null,
    props,
    path,
    bbox,
    label,
  };
}

function preparePoint(layer, f) {
  const props = f.properties || {};
  const c = f.geometry?.type === "Point" ? f.geometry.coordinates : null;
  if (!c) return null;
  const [x, y] = toLocal(c[0], c[1]);
  return { layer, code: String(props.code ?? f.id ?? ""), name: props.name ?? "", parent: props.parent_code ?? null, props, x, y };
}

const MAJOR_ROADS = new Set(["motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"]);
const MID_ROADS = new Set(["tertiary", "tertiary_link", "residential", "unclassified", "living_street", "road"]);

/** The first class of an OSM `highway` value, which may be a stringified list such as "['steps', 'footway']". */
function roadClass(highway) {
  if (Array.isArray(highway)) return String(highway[0] ?? "");
  const s = String(highway ?? "");
  const m = s.match(/[a-z_]+/);
  return m ? m[0] : "";
}

function prepareRoads(fc) {
  const out = { major: new Path2D(), mid: new Path2D(), minor: new Path2D(), count: 0 };
  for (const f of fc.features || []) {
    const g = f.geometry;
    if (!g) continue;
    const lines = g.type === "LineString" ? [g.coordinates] : g.type === "MultiLineString" ? g.coordinates : [];
    const cls = roadClass(f.properties?.highway);
    const path = MAJOR_ROADS.has(cls) ? out.major : MID_ROADS.has(cls) ? out.mid : out.minor;
    for (const line of lines) {
      line.forEach(([lon, lat], i) => {
        const [x, y] = toLocal(lon, lat);
        if (i === 0) path.moveTo(x, y);
        else path.lineTo(x, y);
      });
    }
    out.count++;
  }
  return out;
}

function buildCombinedPaths() {
  const p = {};
  for (const layer of AREA_LAYERS) {
    p[layer] = new Path2D();
    for (const f of data.layers[layer]) p[layer].addPath(f.path);
  }
  // Grid fills by kind: 专属 (dedicated sites) in a warm tint, the rest in the cool one.
  p.gridDedicated = new Path2D();
  p.gridCommon = new Path2D();
  for (const f of data.layers.grid) (String(f.props.kind ?? "") === "专属" ? p.gridDedicated : p.gridCommon).addPath(f.path);
  data.paths = p;
  data.gridsDrawn = data.layers.grid.length;
}

// ---- loading --------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function fetchJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await r.json();
  } catch {
    body = null;
  }
  if (!r.ok) throw new ApiError(r.status, body?.error, body?.detail || `${r.status} ${r.statusText}`);
  return body;
}

async function fetchLayer(id) {
  const features = [];
  let url = `/api/v1/layers/${encodeURIComponent(id)}/features?limit=10000`;
  while (url) {
    const fc = await fetchJSON(url);
    features.push(...(fc.features || []));
    const next = (fc.links || []).find((l) => l.rel === "next");
    url = next && fc.features?.length ? next.href : null;
  }
  return features;
}

async function load() {
  const [layerList, district, street, community, grid, centres, roads] = await Promise.all([
    fetchJSON("/api/v1/layers"),
    fetchLayer("district"),
    fetchLayer("street"),
    fetchLayer("community"),
    fetchLayer("grid"),
    fetchLayer("service_centre"),
    fetch("/data/roads.geojson")
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null),
  ]);
  for (const l of layerList.layers || []) state.counts[l.id] = l.count;

  // Local origin: the north-west corner of the grids (or of whatever has area).
  let lon0 = Infinity;
  let lat1 = -Infinity;
  const first = [grid, community, street, district].find((l) => l.length) ?? [];
  for (const f of first) {
    for (const poly of polygonsOf(f.geometry)) {
      for (const [lon, lat] of poly[0]) {
        if (lon < lon0) lon0 = lon;
        if (lat > lat1) lat1 = lat;
      }
    }
  }
  if (!Number.isFinite(lon0)) {
    lon0 = 114.0;
    lat1 = 22.5;
  }
  data.origin = [mercX(lon0), mercY(lat1)];

  const raw = { district, street, community, grid };
  for (const layer of AREA_LAYERS) {
    data.layers[layer] = raw[layer].map((f) => prepareArea(layer, f));
    for (const f of data.layers[layer]) data.byCode[layer].set(f.code, f);
  }
  data.layers.service_centre = centres.map((f) => preparePoint("service_centre", f)).filter(Boolean);
  for (const f of data.layers.service_centre) data.byCode.service_centre.set(f.code, f);
  if (roads) data.roads = prepareRoads(roads);

  // "Show all" means the governed area: the grids (districts may reach far beyond them).
  const extent = (features) => {
    const bb = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of features) {
      bb[0] = Math.min(bb[0], f.bbox[0]);
      bb[1] = Math.min(bb[1], f.bbox[1]);
      bb[2] = Math.max(bb[2], f.bbox[2]);
      bb[3] = Math.max(bb[3], f.bbox[3]);
    }
    return Number.isFinite(bb[0]) ? bb : null;
  };
  data.bbox = extent(data.layers.grid) ?? extent(data.layers.community) ?? extent(data.layers.street)
    ?? extent(data.layers.district) ?? [0, 0, 1000, 1000];
  buildCombinedPaths();
  state.loaded = true;
  return { roadsMissing: !roads };
}

// ---- drawing --------------------------------------------------------------------------------------

const COLORS = {
  bg: "#e9ecef",
  land: "#f8f8f6",
  gridFill: "rgba(13, 116, 144, 0.085)",
  gridFillDedicated: "rgba(202, 138, 4, 0.13)",
  gridLine: "#8db0c0",
  community: "#52606d",
  street: "#3e4c59",
  streetHalo: "rgba(82, 96, 109, 0.20)",
  district: "#9aa5b1",
  roadMajor: "#b4bac1",
  roadMid: "#c5cad0",
  roadMinor: "#d5d9dd",
  select: "#1d4ed8",
  selectFill: "rgba(37, 99, 235, 0.20)",
  nearest: "#b45309",
  centre: "#c81e1e",
  centreLabel: "#9b1c1c",
  label: "#1f2933",
  labelGrid: "#24566b",
  halo: "rgba(255, 255, 255, 0.92)",
};

let drawPending = false;
function requestDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

function resize() {
  const rect = canvas.getBoundingClientRect();
  cssW = Math.max(1, rect.width);
  cssH = Math.max(1, rect.height);
  dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
}

function setWorldTransform() {
  const s = scale();
  ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * (cssW / 2 - state.view.cx * s), dpr * (cssH / 2 - state.view.cy * s));
}

function intersects(a, b) {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

const textWidths = new Map();
function measure(text, font) {
  const key = font + "\u0000" + text;
  let w = textWidths.get(key);
  if (w === undefined) {
    ctx.font = font;
    w = ctx.measureText(text).width;
    textWidths.set(key, w);
  }
  return w;
}

function draw() {
  if (!cssW) resize();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!state.loaded) return;

  const s = scale();
  const px = (n) => n / s; // CSS pixels → local units
  const z = state.view.z;
  const vb = viewBox();
  const v = state.visible;

  setWorldTransform();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";

  // Land of the district(s).
  ctx.fillStyle = COLORS.land;
  ctx.fill(data.paths.district, "evenodd");

  // Grid fills.
  if (v.grid) {
    ctx.fillStyle = COLORS.gridFill;
    ctx.fill(data.paths.gridCommon, "evenodd");
    ctx.fillStyle = COLORS.gridFillDedicated;
    ctx.fill(data.paths.gridDedicated, "evenodd");
  }

  // Roads.
  if (v.roads && data.roads) {
    // Thin grey lines that thicken a little with zoom.
    const w = (base) => px(Math.min(base * 2.2, Math.max(0.5, base * 2 ** ((z - 15) * 0.4))));
    if (z >= 14.5) {
      ctx.strokeStyle = COLORS.roadMinor;
      ctx.lineWidth = w(0.7);
      ctx.stroke(data.roads.minor);
    }
    ctx.strokeStyle = COLORS.roadMid;
    ctx.lineWidth = w(1.1);
    ctx.stroke(data.roads.mid);
    ctx.strokeStyle = COLORS.roadMajor;
    ctx.lineWidth = w(1.8);
    ctx.stroke(data.roads.major);
  }

  // Outlines, finest first.
  if (v.grid) {
    ctx.strokeStyle = COLORS.gridLine;
    ctx.lineWidth = px(z >= 15 ? 1 : 0.7);
    ctx.stroke(data.paths.grid);
  }
  // District outlines are coarse: drawn quietly, as context.
  ctx.strokeStyle = COLORS.district;
  ctx.lineWidth = px(1.5);
  ctx.setLineDash([px(10), px(3), px(2), px(3)]);
  ctx.stroke(data.paths.district);
  ctx.setLineDash([]);
  if (v.street) {
    ctx.strokeStyle = COLORS.streetHalo;
    ctx.lineWidth = px(7);
    ctx.stroke(data.paths.street);
  }
  if (v.community) {
    ctx.strokeStyle = COLORS.community;
    ctx.lineWidth = px(1.3);
    ctx.stroke(data.paths.community);
  }
  if (v.street) {
    ctx.strokeStyle = COLORS.street;
    ctx.lineWidth = px(1.8);
    ctx.stroke(data.paths.street);
  }

  // Nearest grid (when the point is outside every grid) and the selection.
  const nearest = state.answer && !state.answer.covered && state.answer.nearest_grid
    ? data.byCode.grid.get(state.answer.nearest_grid.code) : null;
  if (nearest) {
    ctx.fillStyle = "rgba(180, 83, 9, 0.10)";
    ctx.fill(nearest.path, "evenodd");
    ctx.strokeStyle = COLORS.nearest;
    ctx.lineWidth = px(2);
    ctx.setLineDash([px(6), px(4)]);
    ctx.stroke(nearest.path);
    ctx.setLineDash([]);
    const np = state.answer.nearest_grid.nearest_point;
    if (np && state.marker) {
      const a = toLocal(state.marker.lon, state.marker.lat);
      const b = toLocal(np.lon, np.lat);
      ctx.beginPath();
      ctx.moveTo(a[0], a[1]);
      ctx.lineTo(b[0], b[1]);
      ctx.lineWidth = px(1.5);
      ctx.setLineDash([px(3), px(3)]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
  const sel = selectedFeature();
  if (sel) {
    ctx.fillStyle = COLORS.selectFill;
    ctx.fill(sel.path, "evenodd");
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = px(5);
    ctx.stroke(sel.path);
    ctx.strokeStyle = COLORS.select;
    ctx.lineWidth = px(2.6);
    ctx.stroke(sel.path);
  }

  // From here on, draw in screen pixels.
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

  if (v.service_centre) {
    const r = z >= 15.5 ? 5.5 : z >= 14 ? 4 : 3;
    for (const c of data.layers.service_centre) {
      const [x, y] = localToScreen(c.x, c.y);
      if (x < -10 || y < -10 || x > cssW + 10 || y > cssH + 10) continue;
      ctx.beginPath();
      ctx.arc(x, y, r + 2, 0, Math.PI * 2);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fillStyle = COLORS.centre;
      ctx.fill();
    }
  }

  drawLabels(vb);

  if (state.marker) {
    const [mx, my] = localToScreen(...toLocal(state.marker.lon, state.marker.lat));
    drawPin(mx, my);
  }

  state.drawn++;
  updateScale();
}

function drawPin(x, y) {
  ctx.save();
  ctx.translate(x, y);
  ctx.beginPath();
  ctx.moveTo(0, 0);
  ctx.bezierCurveTo(-3, -8, -9, -12, -9, -19);
  ctx.arc(0, -19, 9, Math.PI, 0);
  ctx.bezierCurveTo(9, -12, 3, -8, 0, 0);
  ctx.closePath();
  ctx.shadowColor = "rgba(0,0,0,0.3)";
  ctx.shadowBlur = 4;
  ctx.shadowOffsetY = 1;
  ctx.fillStyle = "#111827";
  ctx.fill();
  ctx.shadowColor = "transparent";
  ctx.beginPath();
  ctx.arc(0, -19, 3.5, 0, Math.PI * 2);
  ctx.fillStyle = "#ffffff";
  ctx.fill();
  ctx.restore();
}

function drawLabels(vb) {
  const placed = [];
  const free = (r) => placed.every((p) => r[0] > p[2] || r[2] < p[0] || r[1] > p[3] || r[3] < p[1]);
  const put = (text, x0, y0, font, color, pad = 3, offsets = [0]) => {
    const w = measure(text, font);
    const h = parseFloat(font.match(/(\d+(?:\.\d+)?)px/)[1]);
    let r = null;
    let x = x0;
    let y = y0;
    for (const dy of offsets) {
      const c = [x0 - w / 2 - pad, y0 + dy - h / 2 - pad, x0 + w / 2 + pad, y0 + dy + h / 2 + pad];
      if (c[0] >= 0 && c[1] >= 0 && c[2] <= cssW && c[3] <= cssH && free(c)) {
        r = c;
        y = y0 + dy;
        break;
      }
    }
    if (!r) return false;
    placed.push(r);
    ctx.font = font;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = COLORS.halo;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
    return true;
  };
  const s = scale();
  const onScreen = (f) => f.label && intersects(f.bbox, vb);
  const sel = selectedFeature();

  // Nothing under the card, the legend, the zoom buttons or the scale bar.
  const m = canvas.getBoundingClientRect();
  for (const e of document.querySelectorAll("#card, .legend, .controls, #scale")) {
    if (e.hidden) continue;
    const r = e.getBoundingClientRect();
    if (r.width) placed.push([r.left - m.left - 4, r.top - m.top - 4, r.right - m.left + 4, r.bottom - m.top + 4]);
  }
  // Service-centre symbols and the pin keep their space.
  if (state.visible.service_centre) {
    for (const c of data.layers.service_centre) {
      const [x, y] = localToScreen(c.x, c.y);
      if (x > -10 && y > -10 && x < cssW + 10 && y < cssH + 10) placed.push([x - 7, y - 7, x + 7, y + 7]);
    }
  }
  if (state.marker) {
    const [x, y] = localToScreen(...toLocal(state.marker.lon, state.marker.lat));
    placed.push([x - 10, y - 30, x + 10, y + 1]);
  }

  // The selection's label first, so it always shows.
  if (sel && sel.label) {
    const [x, y] = localToScreen(sel.label.x, sel.label.y);
    put(sel.layer === "grid" ? sel.code : sel.name, x, y, `700 13px ${sel.layer === "grid" ? MONO : FONT}`, COLORS.select, 3, [0, 16, -16, 32]);
  }

  // Street names while communities are still small; community names when they fit; grid codes when
  // the grids are big enough on screen.
  const zFit = fitZoom(data.bbox);
  if (state.visible.street && state.view.z < zFit + 1.2) {
    for (const f of data.layers.street) {
      if (f === sel || !onScreen(f)) continue;
      const [x, y] = localToScreen(f.label.x, f.label.y);
      put(f.name, x, y, `700 15px ${FONT}`, COLORS.street, 4, [0, 20, -20]);
    }
  }
  if (state.visible.community) {
    const font = `600 13px ${FONT}`;
    for (const f of data.layers.community) {
      if (f === sel || !onScreen(f)) continue;
      if (f.label.w * s < measure(f.name, font) + 16) continue;
      const [x, y] = localToScreen(f.label.x, f.label.y);
      put(f.name, x, y, font, COLORS.community, 3, [0, 16, -16]);
    }
  }
  if (state.visible.service_centre && state.view.z >= 16.5) {
    const font = `500 12px ${FONT}`;
    for (const c of data.layers.service_centre) {
      const [x, y] = localToScreen(c.x, c.y);
      if (x < 0 || y < 0 || x > cssW || y > cssH) continue;
      const w = measure(c.name, font);
      put(c.name, x + 10 + w / 2, y, font, COLORS.centreLabel, 2) || put(c.name, x, y + 15, font, COLORS.centreLabel, 2);
    }
  }
  if (state.visible.grid) {
    const full = `500 11px ${MONO}`;
    const short = `600 11px ${MONO}`;
    for (const f of data.layers.grid) {
      if (f === sel || !onScreen(f)) continue;
      const w = f.label.w * s;
      const h = (f.bbox[3] - f.bbox[1]) * s;
      if (h < 16) continue;
      const [x, y] = localToScreen(f.label.x, f.label.y);
      // Full codes from street level on; below that the 3-digit sequence, so the labels stay uniform.
      if (state.view.z >= 16 && w >= measure(f.code, full) + 10) put(f.code, x, y, full, COLORS.labelGrid, 2, [0, 12, -12]);
      else if (w >= 30) put(f.code.slice(-3), x, y, short, COLORS.labelGrid, 2, [0, 12, -12]);
    }
  }
}

function updateScale() {
  const mpp = metresPerPixel();
  const maxPx = cssW < 500 ? 80 : 110;
  const raw = mpp * maxPx;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const nice = [5, 2, 1].map((m) => m * pow).find((d) => d <= raw) ?? pow;
  const widthPx = nice / mpp;
  document.getElementById("scale-bar").style.width = `${widthPx.toFixed(1)}px`;
  document.getElementById("scale-text").textContent =
    nice >= 1000 ? t("unit.km", { n: nice / 1000 }) : t("unit.m", { n: nice });
}

// ---- view changes ---------------------------------------------------------------------------------

function clampZ(z) {
  return Math.max(MIN_Z, Math.min(MAX_Z, z));
}

function fitZoom(bb, pad = 24) {
  const w = Math.max(bb[2] - bb[0], 1e-6);
  const h = Math.max(bb[3] - bb[1], 1e-6);
  const k = Math.min((cssW - 2 * pad) / w, (cssH - 2 * pad) / h);
  return clampZ(REF + Math.log2(Math.max(k, 1e-9)));
}

/** The part of the canvas (CSS pixels) not covered by the card: right of it on wide screens, above it on phones. */
function freeRect() {
  const r = { x0: 0, y0: 0, x1: cssW, y1: cssH };
  const card = document.getElementById("card");
  if (card.hidden) return r;
  const c = card.getBoundingClientRect();
  const m = canvas.getBoundingClientRect();
  if (c.width < cssW * 0.6) r.x0 = Math.min(cssW - 120, Math.max(0, c.right - m.left));
  else r.y1 = Math.max(120, Math.min(cssH, c.top - m.top));
  return r;
}

/** Fits a local bbox into the part of the map the card leaves free. */
function fitBox(bb, { maxZ = 18, pad = 24 } = {}) {
  const fr = freeRect();
  const w = Math.max(bb[2] - bb[0], 1e-6);
  const h = Math.max(bb[3] - bb[1], 1e-6);
  const k = Math.min(Math.max(fr.x1 - fr.x0 - 2 * pad, 60) / w, Math.max(fr.y1 - fr.y0 - 2 * pad, 60) / h);
  const z = Math.min(maxZ, clampZ(REF + Math.log2(Math.max(k, 1e-9))));
  const s = 2 ** (z - REF);
  state.view.z = z;
  state.view.cx = (bb[0] + bb[2]) / 2 - ((fr.x0 + fr.x1) / 2 - cssW / 2) / s;
  state.view.cy = (bb[1] + bb[3]) / 2 - ((fr.y0 + fr.y1) / 2 - cssH / 2) / s;
  viewChanged();
}

/** Pans so that a WGS 84 point is not hidden under the card. */
function ensureVisible(lon, lat, margin = 36) {
  const fr = freeRect();
  const [x, y] = localToScreen(...toLocal(lon, lat));
  if (x >= fr.x0 + margin && x <= fr.x1 - margin && y >= fr.y0 + margin && y <= fr.y1 - margin) return;
  panBy((fr.x0 + fr.x1) / 2 - x, (fr.y0 + fr.y1) / 2 - y);
}

function fitAll() {
  fitBox(data.bbox, { maxZ: MAX_Z });
}

function zoomAround(dz, sx = cssW / 2, sy = cssH / 2) {
  const before = screenToLocal(sx, sy);
  state.view.z = clampZ(state.view.z + dz);
  const after = screenToLocal(sx, sy);
  state.view.cx += before[0] - after[0];
  state.view.cy += before[1] - after[1];
  viewChanged();
}

function panBy(dx, dy) {
  const s = scale();
  state.view.cx -= dx / s;
  state.view.cy -= dy / s;
  viewChanged();
}

function setView(lon, lat, z) {
  const [x, y] = toLocal(lon, lat);
  state.view.cx = x;
  state.view.cy = y;
  if (z !== undefined) state.view.z = clampZ(z);
  viewChanged();
}

function viewChanged() {
  requestDraw();
  scheduleHash();
}

// ---- URL hash -------------------------------------------------------------------------------------

let hashTimer = 0;
function scheduleHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(writeHash, 250);
}

function writeHash() {
  clearTimeout(hashTimer);
  if (!state.loaded) return;
  const [lon, lat] = toLonLat(state.view.cx, state.view.cy);
  const parts = [`lon=${lon.toFixed(6)}`, `lat=${lat.toFixed(6)}`, `z=${state.view.z.toFixed(2)}`];
  if (state.selected) parts.push(`${state.selected.layer}=${encodeURIComponent(state.selected.code)}`);
  const hash = `#${parts.join("&")}`;
  if (location.hash !== hash) history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

function readHash() {
  const h = new URLSearchParams(location.hash.replace(/^#/, ""));
  const num = (k) => {
    const v = h.get(k);
    if (v === null || v.trim() === "") return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  return { lon: num("lon"), lat: num("lat"), z: num("z"), grid: h.get("grid"), community: h.get("community") };
}

function applyHash({ initial = false } = {}) {
  const h = readHash();
  const hasView = h.lon !== null && h.lat !== null && Math.abs(h.lon) <= 180 && Math.abs(h.lat) <= 85;
  if (hasView) setView(h.lon, h.lat, h.z ?? state.view.z);
  else if (initial) fitAll();
  const layer = h.grid ? "grid" : h.community ? "community" : null;
  const code = h.grid || h.community;
  if (layer && code) {
    const f = data.byCode[layer].get(code);
    if (f) selectFeature(f, { fit: !hasView });
    else setStatus(t("status.notFound", { q: code }), true);
  } else if (!initial && state.selected) {
    clearSelection();
  }
}

// ---- selection and the card ----------------------------------------------------------------------

function selectedFeature() {
  return state.selected ? data.byCode[state.selected.layer]?.get(state.selected.code) ?? null : null;
}

/** A lookup-shaped answer for a feature chosen by code, built from the loaded hierarchy. */
function answerFor(f) {
  const up = (layer, code) => (code ? data.byCode[layer].get(code) : null);
  const summary = (x) => (x ? { code: x.code, name: x.name, ...(x.parent ? { parent_code: x.parent } : {}), ...x.props } : null);
  if (f.layer === "grid") {
    const c = up("community", f.parent);
    const s = up("street", c?.parent);
    const d = up("district", s?.parent);
    return { covered: true, selected: "grid", grid: summary(f), community: summary(c), street: summary(s), district: summary(d) };
  }
  const s = up("street", f.parent);
  const d = up("district", s?.parent);
  return { covered: null, selected: "community", grid: null, community: summary(f), street: summary(s), district: summary(d) };
}

function selectFeature(f, { fit = true, answer = null } = {}) {
  state.selected = { layer: f.layer, code: f.code };
  state.marker = null;
  state.answer = answer ?? answerFor(f);
  renderCard();
  if (fit) fitBox(f.bbox, { maxZ: f.layer === "grid" ? 17.5 : 16.5, pad: 48 });
  writeHash();
  requestDraw();
}

function clearSelection() {
  state.selected = null;
  state.answer = null;
  state.marker = null;
  renderCard();
  writeHash();
  requestDraw();
}

let lookupSeq = 0;

/** Looks up a point (in `crs`), shows the answer and highlights its grid. Resolves to the API's answer. */
async function lookup(lon, lat, crs = "wgs84", { center = false } = {}) {
  const seq = ++lookupSeq;
  state.marker = crs === "wgs84" ? { lon, lat } : null;
  requestDraw();
  showCardLoading();
  const q = new URLSearchParams({ lon: String(lon), lat: String(lat), crs, lang: state.lang });
  let answer;
  try {
    answer = await fetchJSON(`/api/v1/lookup?${q}`);
  } catch (e) {
    if (seq === lookupSeq) showCardError(e);
    throw e;
  }
  if (seq !== lookupSeq) return answer;
  state.answer = answer;
  state.marker = answer.point;
  state.selected = answer.grid ? { layer: "grid", code: String(answer.grid.code) } : null;
  renderCard();
  if (center) {
    setView(answer.point.lon, answer.point.lat, Math.max(state.view.z, 16));
    ensureVisible(answer.point.lon, answer.point.lat, 1e6);
  } else {
    ensureVisible(answer.point.lon, answer.point.lat);
  }
  writeHash();
  requestDraw();
  return answer;
}

const card = document.getElementById("card");
const cardBody = document.getElementById("card-body");

function openCard() {
  hideHint();
  card.hidden = false;
  document.body.classList.add("card-open");
}

function showCardLoading() {
  openCard();
  document.getElementById("card-kicker").textContent = "";
  document.getElementById("card-kicker").className = "card-kicker";
  document.getElementById("card-title").textContent = t("card.loading");
  document.getElementById("card-code").textContent = "";
  cardBody.replaceChildren();
  card.setAttribute("aria-busy", "true");
}

function showCardError(e) {
  openCard();
  card.removeAttribute("aria-busy");
  document.getElementById("card-kicker").textContent = t("card.error");
  document.getElementById("card-kicker").className = "card-kicker outside";
  document.getElementById("card-title").textContent = e.message;
  document.getElementById("card-code").textContent = "";
  cardBody.replaceChildren();
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const isEstimated = (o) => o && (o.estimated === true || o.estimated === "true" || o.estimated === 1);

function numberText(n) {
  return Number(n).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB");
}

function figure(value, unitKey, estimated) {
  const unit = t(unitKey);
  return el(
    "span",
    {},
    el("span", { class: "num" }, numberText(value)),
    unit ? ` ${unit}` : "",
    estimated ? el("span", { class: "badge", "data-estimated": "1" }, t("card.estimated")) : null,
  );
}

function place(x) {
  return x ? el("span", {}, x.name || x.code, el("span", { class: "sub" }, x.code)) : "—";
}

function distanceText(m) {
  return m >= 1000 ? t("unit.km", { n: (m / 1000).toFixed(2) }) : t("unit.m", { n: Math.round(m) });
}

function renderCard() {
  const a = state.answer;
  card.removeAttribute("aria-busy");
  if (!a) {
    card.hidden = true;
    document.body.classList.remove("card-open");
    return;
  }
  openCard();
  const kicker = document.getElementById("card-kicker");
  const title = document.getElementById("card-title");
  const code = document.getElementById("card-code");
  const rows = [];
  const row = (label, value, key) => rows.push(el("div", { class: "fact", "data-row": key }, el("dt", {}, label), el("dd", {}, value)));
  const extra = [];

  const main = a.selected === "community" ? a.community : a.grid;
  card.dataset.layer = a.selected === "community" ? "community" : a.grid ? "grid" : "none";
  card.dataset.code = main?.code ?? "";
  card.dataset.covered = String(a.covered);

  if (main) {
    kicker.className = "card-kicker";
    kicker.textContent = a.selected === "community" ? t("card.community") : t("card.grid");
    if (a.selected !== "community" && main.kind) {
      kicker.append(el("span", { class: "badge kind", "data-kind": main.kind }, STRINGS[state.lang][`kind.${main.kind}`] ?? main.kind));
    }
    title.textContent = main.name || main.code;
    code.textContent = main.code;
    if (a.selected !== "community") {
      row(t("card.worker"), main.worker ? String(main.worker) : el("span", { class: "sub" }, t("card.noWorker")), "worker");
    }
    if (main.households !== undefined && main.households !== null && !(a.selected === "community" && !main.households)) {
      row(t("card.households"), figure(main.households, "card.unitHouseholds", isEstimated(main) || isEstimated(a.grid)), "households");
    }
    if (main.residents !== undefined && main.residents !== null) {
      row(t("card.residents"), figure(main.residents, "card.unitResidents", isEstimated(main)), "residents");
    }
    if (a.selected === "community") {
      const n = data.layers.grid.filter((g) => g.parent === main.code).length;
      row(t("card.grids"), figure(n, "card.unitGrids", false), "grids");
    } else {
      row(t("card.community"), place(a.community), "community");
    }
  } else {
    kicker.className = "card-kicker outside";
    kicker.textContent = t("card.outside");
    title.textContent = a.community?.name || a.street?.name || a.district?.name || t("card.outside");
    code.textContent = a.community?.code || a.street?.code || a.district?.code || "";
    const ng = a.nearest_grid;
    extra.push(
      el(
        "p",
        { class: "note", "data-note": "outside" },
        t("card.outsideNote"),
        " ",
        ng ? t("card.nearest", { name: ng.name || ng.code, code: ng.code, dist: distanceText(ng.distance_m) }) : t("card.noNearest"),
      ),
    );
    if (ng && data.byCode.grid.has(ng.code)) {
      extra.push(
        el("div", { class: "card-actions" },
          el("button", { type: "button", class: "btn", onclick: () => selectFeature(data.byCode.grid.get(ng.code)) }, t("card.goNearest"))),
      );
    }
    if (a.community) row(t("card.community"), place(a.community), "community");
  }
  if (main || a.street) row(t("card.street"), place(a.street), "street");
  if (main || a.district) row(t("card.district"), place(a.district), "district");

  const commCode = a.community?.code;
  const centres = data.layers.service_centre.filter((c) => c.parent && (c.parent === commCode || (!commCode && c.parent === a.street?.code)));
  if (centres.length) row(t("card.centre"), el("span", {}, centres.map((c) => c.name).join("、")), "centre");

  if (a.on_boundary) extra.unshift(el("p", { class: "note info" }, t("card.boundary")));

  // Outside every grid the note comes first: it is the answer.
  const body = main ? [el("dl", { class: "facts" }, ...rows), ...extra] : [...extra, el("dl", { class: "facts" }, ...rows)];
  if (a.point) {
    body.push(el("p", { class: "coords" }, t("card.point", { lon: a.point.lon.toFixed(6), lat: a.point.lat.toFixed(6) })));
    if (a.input) body.push(el("p", { class: "coords" }, t("card.input", { crs: a.input.crs, x: a.input.x, y: a.input.y })));
  }
  cardBody.replaceChildren(...body);
}

// ---- search ---------------------------------------------------------------------------------------

const COORD_RE = /^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$/;

async function search(query, crs = "wgs84") {
  const q = String(query ?? "").trim();
  if (!q) return null;
  setStatus("");
  const m = q.match(COORD_RE);
  if (m) {
    let lon = Number(m[1]);
    let lat = Number(m[2]);
    // People often paste "lat,lon"; in China latitude is < 54 and longitude > 73.
    if (Math.abs(lon) <= 90 && Math.abs(lat) > 90) [lon, lat] = [lat, lon];
    try {
      return await lookup(lon, lat, crs, { center: true });
    } catch (e) {
      setStatus(e.message, true);
      return null;
    }
  }
  const code = q.replace(/\s+/g, "");
  const order = data.byCode.grid.has(code) ? ["grid"] : data.byCode.community.has(code) ? ["community"]
    : /^\d+$/.test(code) ? (code.length === 12 ? ["community", "grid"] : ["grid", "community"]) : [];
  for (const layer of order) {
    try {
      const f = await fetchJSON(`/api/v1/layers/${layer}/features/${encodeURIComponent(code)}?lang=${state.lang}`);
      const local = data.byCode[layer].get(String(f.properties?.code ?? f.id)) ?? prepareArea(layer, f);
      selectFeature(local);
      return state.answer;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) {
        setStatus(e.message, true);
        return null;
      }
    }
  }
  // Names: a grid, community or street whose name contains the text.
  const lower = q.toLowerCase();
  for (const layer of ["community", "grid", "street"]) {
    const f = data.layers[layer].find((x) => x.name && x.name.toLowerCase().includes(lower));
    if (f) {
      if (layer === "street") {
        clearSelection();
        fitBox(f.bbox);
        return null;
      }
      selectFeature(f);
      return state.answer;
    }
  }
  // Anything else is an address: the gazetteer's best candidate, with its confidence shown.
  if (!/^\d+$/.test(code)) {
    try {
      const r = await fetchJSON(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=1&lang=${state.lang}`);
      const best = r.candidates?.[0];
      if (best) {
        const answer = await lookup(best.point.lon, best.point.lat, "wgs84", { center: true });
        setStatus(t("status.address", { a: best.address, s: best.score.toFixed(2) }));
        return answer;
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status < 500)) {
        setStatus(e.message, true);
        return null;
      }
    }
  }
  setStatus(/^\d+$/.test(code) ? t("status.notFound", { q }) : t("status.badQuery"), true);
  return null;
}

// ---- status line ----------------------------------------------------------------------------------

let statusTimer = 0;
function setStatus(text, isError = false) {
  const s = document.getElementById("status");
  clearTimeout(statusTimer);
  s.textContent = text;
  s.classList.toggle("error", Boolean(isError && text));
  if (text && isError) statusTimer = setTimeout(() => setStatus(""), 6000);
}

// ---- language -------------------------------------------------------------------------------------

function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = t("app.title");
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of document.querySelectorAll("[data-i18n-aria-label]")) e.setAttribute("aria-label", t(e.dataset.i18nAriaLabel));
  for (const e of document.querySelectorAll("[data-i18n-title]")) e.title = t(e.dataset.i18nTitle);
  const btn = document.getElementById("lang-toggle");
  btn.textContent = t("lang.button");
  btn.lang = state.lang === "zh" ? "en" : "zh-CN";
  btn.setAttribute("aria-label", t("lang.switch"));
  btn.title = t("lang.switch");
  canvas.lang = document.documentElement.lang;
  textWidths.clear();
  if (state.answer) renderCard();
  if (state.loaded) requestDraw();
}

function setLang(lang) {
  state.lang = lang === "en" ? "en" : "zh";
  const url = new URL(location.href);
  if (state.lang === "en") url.searchParams.set("lang", "en");
  else url.searchParams.delete("lang");
  history.replaceState(null, "", url);
  applyLang();
  // Lookup answers carry no language-dependent text the card shows, so the card re-renders locally.
}

// ---- input ----------------------------------------------------------------------------------------

function hideHint() {
  document.getElementById("map-hint").classList.add("gone");
}

function canvasPoint(e) {
  const r = canvas.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

function lookupAtScreen(sx, sy) {
  const [lon, lat] = toLonLat(...screenToLocal(sx, sy));
  return lookup(lon, lat).catch(() => null);
}

const pointers = new Map();
let gesture = null;

canvas.addEventListener("pointerdown", (e) => {
  if (e.button !== 0 && e.pointerType === "mouse") return;
  canvas.setPointerCapture(e.pointerId);
  pointers.set(e.pointerId, canvasPoint(e));
  if (pointers.size === 1) gesture = { start: canvasPoint(e), moved: 0, multi: false, t: performance.now() };
  else if (gesture) gesture.multi = true;
  hideHint();
});

canvas.addEventListener("pointermove", (e) => {
  if (!pointers.has(e.pointerId)) return;
  const prev = [...pointers.values()];
  const before = pointers.get(e.pointerId);
  const now = canvasPoint(e);
  pointers.set(e.pointerId, now);
  if (pointers.size === 1) {
    const dx = now[0] - before[0];
    const dy = now[1] - before[1];
    if (gesture) gesture.moved = Math.max(gesture.moved, Math.hypot(now[0] - gesture.start[0], now[1] - gesture.start[1]));
    if (gesture && gesture.moved > 4) {
      canvas.classList.add("dragging");
      panBy(dx, dy);
    }
  } else if (pointers.size === 2) {
    const cur = [...pointers.values()];
    const d0 = Math.hypot(prev[0][0] - prev[1][0], prev[0][1] - prev[1][1]);
    const d1 = Math.hypot(cur[0][0] - cur[1][0], cur[0][1] - cur[1][1]);
    const m0 = [(prev[0][0] + prev[1][0]) / 2, (prev[0][1] + prev[1][1]) / 2];
    const m1 = [(cur[0][0] + cur[1][0]) / 2, (cur[0][1] + cur[1][1]) / 2];
    panBy(m1[0] - m0[0], m1[1] - m0[1]);
    if (d0 > 0 && d1 > 0) zoomAround(Math.log2(d1 / d0), m1[0], m1[1]);
  }
});

function endPointer(e) {
  if (!pointers.has(e.pointerId)) return;
  pointers.delete(e.pointerId);
  canvas.classList.remove("dragging");
  if (pointers.size === 0 && gesture) {
    const g = gesture;
    gesture = null;
    if (e.type === "pointerup" && !g.multi && g.moved <= 4 && performance.now() - g.t < 1000) {
      const [sx, sy] = canvasPoint(e);
      lookupAtScreen(sx, sy);
    }
  }
}
canvas.addEventListener("pointerup", endPointer);
canvas.addEventListener("pointercancel", endPointer);

canvas.addEventListener(
  "wheel",
  (e) => {
    e.preventDefault();
    hideHint();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? cssH : 1;
    const dz = Math.max(-1, Math.min(1, (-e.deltaY * unit) / 300));
    const [sx, sy] = canvasPoint(e);
    zoomAround(dz, sx, sy);
  },
  { passive: false },
);

canvas.addEventListener("dblclick", (e) => {
  e.preventDefault();
  const [sx, sy] = canvasPoint(e);
  zoomAround(1, sx, sy);
});

canvas.addEventListener("keydown", (e) => {
  const step = 80;
  const keys = {
    ArrowLeft: () => panBy(step, 0),
    ArrowRight: () => panBy(-step, 0),
    ArrowUp: () => panBy(0, step),
    ArrowDown: () => panBy(0, -step),
    "+": () => zoomAround(1),
    "=": () => zoomAround(1),
    "-": () => zoomAround(-1),
    _: () => zoomAround(-1),
    0: () => fitAll(),
    Enter: () => lookupAtScreen(cssW / 2, cssH / 2),
    " ": () => lookupAtScreen(cssW / 2, cssH / 2),
  };
  const f = keys[e.key];
  if (f && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    hideHint();
    f();
  }
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !card.hidden) {
    clearSelection();
    canvas.focus();
  }
});

document.getElementById("zoom-in").addEventListener("click", () => zoomAround(1));
document.getElementById("zoom-out").addEventListener("click", () => zoomAround(-1));
document.getElementById("zoom-fit").addEventListener("click", () => fitAll());
document.getElementById("card-close").addEventListener("click", () => {
  clearSelection();
  canvas.focus();
});
document.getElementById("lang-toggle").addEventListener("click", () => setLang(state.lang === "zh" ? "en" : "zh"));
document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  hideHint();
  search(document.getElementById("search-input").value, document.getElementById("search-crs").value);
});
for (const box of document.querySelectorAll("[data-layer]")) {
  box.addEventListener("change", () => {
    state.visible[box.dataset.layer] = box.checked;
    requestDraw();
  });
}
window.addEventListener("hashchange", () => {
  if (state.loaded) applyHash();
});

new ResizeObserver(() => {
  resize();
  draw();
}).observe(document.getElementById("map-wrap"));

// ---- start ----------------------------------------------------------------------------------------

async function start() {
  applyLang();
  if (window.matchMedia("(max-width: 640px)").matches) document.getElementById("legend").open = false;
  resize();
  draw();
  setStatus(t("status.loading"));
  let info;
  try {
    info = await load();
  } catch (e) {
    setStatus(t("status.loadFailed", { msg: e.message }), true);
    throw e;
  }
  setStatus(info.roadsMissing ? t("status.roadsMissing") : "");
  resize();
  applyHash({ initial: true });
  draw();
  writeHash();
  document.body.dataset.ready = "1";
}

const ready = start();
ready.catch(() => {});

/** Hooks for tests and for people poking at the page from the console. */
window.wangge = {
  ready,
  state,
  /** Looks up a WGS 84 point as a click would; resolves to the API's answer. */
  lookup: (lon, lat, crs = "wgs84") => lookup(lon, lat, crs),
  search,
  setLang,
  setView,
  fitAll,
  /** Number of grid polygons drawn on the map. */
  gridCount: () => data.gridsDrawn,
  /** Client (page) coordinates of a WGS 84 point in the current view. */
  toScreen(lon, lat) {
    const [x, y] = localToScreen(...toLocal(lon, lat));
    const r = canvas.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  },
  /** WGS 84 point under client (page) coordinates. */
  toLonLat(clientX, clientY) {
    const r = canvas.getBoundingClientRect();
    const [lon, lat] = toLonLat(...screenToLocal(clientX - r.left, clientY - r.top));
    return { lon, lat };
  },
  selected: () => (state.selected ? { ...state.selected } : null),
};
