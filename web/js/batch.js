// 批量查询 / Batch: a grid worker uploads a CSV or Excel (.xlsx) file of points (lon, lat) or of
// addresses and downloads it answered, every column of theirs kept and the grid, community, street
// and district added. A workbook goes to the API as it is (POST /api/v1/lookup or
// /api/v1/geocode/batch with the .xlsx type; the server keeps its cells). A CSV is read here (UTF-8,
// or GB18030 as Excel in China saves it), its point or address columns are sent, and the answer
// columns are joined back onto the user's rows, which the API answers in input order.

import { addStrings, currentLang, numberText, t } from "./i18n.js";
import { clearSelection } from "./lookup.js";
import { el, onChange, state } from "./state.js";
import { parseCsv, toCsv } from "./table-export.js";
import { showView } from "./views.js";

addStrings({
  zh: {
    "batch.open": "批量查询",
    "batch.title": "批量查询",
    "batch.close": "关闭批量查询",
    "batch.help": "上传 CSV 或 Excel（.xlsx）文件，下载带查询结果的同一文件：原有各列保留，追加网格、社区、街道、区。",
    "batch.kind": "文件内容",
    "batch.points": "坐标（lon、lat 列）",
    "batch.addresses": "地址（address、地址 或 详细地址 列）",
    "batch.crs": "经纬度类型",
    "batch.column": "地址列表头（可不填）",
    "batch.file": "文件",
    "batch.go": "开始查询",
    "batch.noFile": "请先选择一个 CSV 或 .xlsx 文件。",
    "batch.xls": "旧版 Excel（.xls）无法读取：请在 Excel 中另存为 .xlsx 或 CSV。",
    "batch.empty": "文件中没有数据行。",
    "batch.noPoints": "CSV 表头中没有经纬度列（lon/lng/x 与 lat/y）。表头：{h}",
    "batch.noAddress": "CSV 表头中没有地址列（address、地址、详细地址 或 q）。表头：{h}",
    "batch.noColumn": "CSV 表头中没有“{c}”列。表头：{h}",
    "batch.encoding": "无法识别文件编码（应为 UTF-8 或 GBK）。",
    "batch.uploading": "正在上传… {p}%",
    "batch.working": "服务器正在查询 {n} 行…",
    "batch.workingBook": "服务器正在查询工作簿…",
    "batch.receiving": "正在接收结果…",
    "batch.failed": "查询失败（HTTP {s}）：{d}",
    "batch.network": "网络错误：无法连接服务器。",
    "batch.mismatch": "结果行数与文件不符，已下载服务器原样结果。",
    "batch.donePoints": "完成：{n} 个点，{c} 个在网格内。",
    "batch.doneAddresses": "完成：{n} 条地址，匹配 {m} 条。",
    "batch.doneBook": "完成：结果工作簿 {k} KB。",
    "batch.download": "下载结果",
    "batch.suffix": "查询结果",
  },
  en: {
    "batch.open": "Batch",
    "batch.title": "Batch lookup",
    "batch.close": "Close batch lookup",
    "batch.help": "Upload a CSV or Excel (.xlsx) file and download it answered: every column of yours is kept, and the grid, community, street and district are added.",
    "batch.kind": "The file holds",
    "batch.points": "Points (lon, lat columns)",
    "batch.addresses": "Addresses (an address / 地址 / 详细地址 column)",
    "batch.crs": "Points are in",
    "batch.column": "Address column header (optional)",
    "batch.file": "File",
    "batch.go": "Look up",
    "batch.noFile": "Choose a CSV or .xlsx file first.",
    "batch.xls": "An old Excel (.xls) file cannot be read: save it as .xlsx or CSV in Excel.",
    "batch.empty": "The file has no data rows.",
    "batch.noPoints": "The CSV header has no coordinate columns (lon/lng/x and lat/y). Header: {h}",
    "batch.noAddress": "The CSV header has no address column (address, 地址, 详细地址 or q). Header: {h}",
    "batch.noColumn": "The CSV header has no column “{c}”. Header: {h}",
    "batch.encoding": "The file's text encoding is not UTF-8 or GBK.",
    "batch.uploading": "Uploading… {p}%",
    "batch.working": "The server is answering {n} rows…",
    "batch.workingBook": "The server is answering the workbook…",
    "batch.receiving": "Receiving the answer…",
    "batch.failed": "The lookup failed (HTTP {s}): {d}",
    "batch.network": "Network error: the server could not be reached.",
    "batch.mismatch": "The answer's rows do not match the file's; the server's answer is downloaded as it is.",
    "batch.donePoints": "Done: {n} points, {c} inside a grid.",
    "batch.doneAddresses": "Done: {n} addresses, {m} matched.",
    "batch.doneBook": "Done: answered workbook, {k} KB.",
    "batch.download": "Download the answer",
    "batch.suffix": "answered",
  },
});

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// The header names the API reads (wangge-app lookup.rs PointColumns, address.rs ADDRESS_HEADERS).
const LON = ["lon", "lng", "longitude", "x"];
const LAT = ["lat", "latitude", "y"];
const ADDRESS = ["address", "地址", "详细地址", "q"];

let panel;
let lastUrl = null;

/** A file's text: UTF-8, else GB18030 (a superset of GBK, what Excel in China writes CSV in). */
async function fileText(file) {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    try {
      return new TextDecoder("gb18030", { fatal: true }).decode(bytes);
    } catch {
      throw new Error(t("batch.encoding"));
    }
  }
}

const findColumn = (header, names) => header.findIndex((h) => names.includes(h.trim().toLowerCase()));

/** Which kind a CSV header holds, when it says so plainly. */
function kindOf(header) {
  if (findColumn(header, LON) >= 0 && findColumn(header, LAT) >= 0) return "points";
  if (findColumn(header, ADDRESS) >= 0) return "addresses";
  return null;
}

/** POSTs `body` with XMLHttpRequest (fetch reports no upload progress); resolves to the answer blob. */
function send(url, type, body, progress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", type);
    xhr.setRequestHeader("Accept-Language", currentLang() === "en" ? "en" : "zh-CN");
    xhr.responseType = "blob";
    xhr.upload.onprogress = (e) => e.lengthComputable && progress("upload", e.loaded / e.total);
    xhr.upload.onload = () => progress("working");
    xhr.onprogress = () => progress("receiving");
    xhr.onerror = () => reject(new Error(t("batch.network")));
    xhr.onload = async () => {
      if (xhr.status < 400) return resolve(xhr.response);
      let detail = `${xhr.status} ${xhr.statusText}`;
      try {
        const v = JSON.parse(await xhr.response.text());
        detail = v.detail || v.error || detail;
      } catch {
        // Not JSON (a proxy's page): the status line says enough.
      }
      reject(new Error(t("batch.failed", { s: xhr.status, d: detail })));
    };
    xhr.send(body);
  });
}

/** The CSV the API reads for the user's rows, and where the answer's own columns start. */
function requestCsv(header, rows, kind, column) {
  if (kind === "points") {
    const [lon, lat, crs] = [findColumn(header, LON), findColumn(header, LAT), findColumn(header, ["crs"])];
    if (lon < 0 || lat < 0) throw new Error(t("batch.noPoints", { h: header.join(", ") }));
    const cols = crs >= 0 ? [lon, lat, crs] : [lon, lat];
    // The answer is id, lon, lat (WGS 84), then covered, grid_code…: the user's row keeps its own.
    return { text: toCsv({ header: ["lon", "lat", "crs"].slice(0, cols.length), rows: rows.map((r) => cols.map((c) => r[c] ?? "")) }), skip: 3 };
  }
  const at = column ? header.findIndex((h) => h.trim() === column) : findColumn(header, ADDRESS);
  if (at < 0) throw new Error(column ? t("batch.noColumn", { c: column, h: header.join(", ") }) : t("batch.noAddress", { h: header.join(", ") }));
  // The answer is id, query, then status, score…: the query is the user's own cell.
  return { text: toCsv({ header: ["id", "address"], rows: rows.map((r, i) => [i + 1, r[at] ?? ""]) }), skip: 2 };
}

/** Runs the batch for the chosen file; resolves to `{ blob, name, summary }`. */
export async function run(file, { kind, crs = "wgs84", column = "" }, progress = () => {}) {
  if (!file) throw new Error(t("batch.noFile"));
  const lower = file.name.toLowerCase();
  if (lower.endsWith(".xls")) throw new Error(t("batch.xls"));
  const stem = file.name.replace(/\.[^.]+$/, "");
  const lang = currentLang();
  const points = kind === "points";
  const api = points ? `/api/v1/lookup?crs=${encodeURIComponent(crs)}&lang=${lang}` : `/api/v1/geocode/batch?lang=${lang}`;
  if (lower.endsWith(".xlsx") || file.type === XLSX) {
    const url = !points && column ? `${api}&address_column=${encodeURIComponent(column)}` : api;
    progress("upload", 0);
    const blob = await send(url, XLSX, file, (phase, share) => progress(phase === "working" ? "workingBook" : phase, share));
    return { blob, name: `${stem}-${t("batch.suffix")}.xlsx`, summary: t("batch.doneBook", { k: numberText(Math.max(1, Math.round(blob.size / 1024))) }) };
  }
  const rows = parseCsv(await fileText(file));
  if (rows.length < 2) throw new Error(t("batch.empty"));
  // Rows of nothing but commas (a spreadsheet's tail saved as CSV) are not the user's data.
  const [header, ...data] = rows.filter((r, i) => i === 0 || r.some((c) => c.trim() !== ""));
  if (!data.length) throw new Error(t("batch.empty"));
  const request = requestCsv(header, data, kind, column.trim());
  progress("upload", 0);
  const answerBlob = await send(points ? `${api}&format=csv` : api, "text/csv; charset=utf-8", request.text, (phase, share) => progress(phase, share, data.length));
  const answer = parseCsv(await answerBlob.text());
  const name = `${stem}-${t("batch.suffix")}.csv`;
  if (answer.length !== data.length + 1) {
    return { blob: answerBlob, name, summary: t("batch.mismatch") };
  }
  const added = answer[0].slice(request.skip);
  const width = header.length;
  const pad = (r) => [...r, ...Array(Math.max(0, width - r.length)).fill("")];
  const joined = { header: [...pad(header), ...added], rows: data.map((r, i) => [...pad(r), ...answer[i + 1].slice(request.skip)]) };
  const col = (key) => answer[0].indexOf(key);
  const count = (key, value) => answer.slice(1).filter((r) => r[col(key)] === value).length;
  const summary = points
    ? t("batch.donePoints", { n: numberText(data.length), c: numberText(count("covered", "true")) })
    : t("batch.doneAddresses", { n: numberText(data.length), m: numberText(count("status", "matched")) });
  return { blob: new Blob(["\ufeff", toCsv(joined)], { type: "text/csv;charset=utf-8" }), name, summary };
}

function message(text, isError = false) {
  const m = panel.querySelector("#batch-msg");
  m.textContent = text;
  m.classList.toggle("error", isError);
  m.setAttribute("role", isError ? "alert" : "status");
}

function showProgress(phase, share, rows) {
  const bar = panel.querySelector("#batch-progress");
  bar.hidden = false;
  if (phase === "upload" && share !== undefined) {
    bar.value = share;
    message(t("batch.uploading", { p: Math.round(share * 100) }));
  } else {
    bar.removeAttribute("value"); // indeterminate: the server gives no progress of its own
    message(phase === "working" ? t("batch.working", { n: numberText(rows ?? 0) }) : t(`batch.${phase}`));
  }
}

async function submit(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const go = form.querySelector("#batch-go");
  const result = panel.querySelector("#batch-result");
  result.replaceChildren();
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = null;
  go.disabled = true;
  panel.dataset.state = "working";
  try {
    const options = { kind: form.elements.kind.value, crs: form.elements.crs.value, column: form.elements.column.value };
    const out = await run(form.elements.file.files[0], options, showProgress);
    lastUrl = URL.createObjectURL(out.blob);
    message(out.summary);
    result.append(el("a", { class: "btn primary", id: "batch-download", href: lastUrl, download: out.name }, `${t("batch.download")} · ${out.name}`));
    panel.dataset.state = "done";
  } catch (err) {
    message(err.message, true);
    panel.dataset.state = "error";
  } finally {
    go.disabled = false;
    panel.querySelector("#batch-progress").hidden = true;
  }
}

/** Suggests the kind from a CSV's header when a file is chosen (a workbook keeps the choice). */
async function onFile(e) {
  const form = e.currentTarget.form;
  const file = e.currentTarget.files[0];
  message("");
  if (!file || !/\.(csv|txt)$/i.test(file.name)) return;
  try {
    // The first line is enough; a cut character at the slice's end does no harm to it.
    const head = new TextDecoder().decode(await file.slice(0, 4096).arrayBuffer()).split(/\r?\n/)[0];
    const kind = kindOf(parseCsv(head)[0] ?? []);
    if (kind) form.elements.kind.value = kind;
    syncKind(form);
  } catch {
    // The header is read again, with a message, when the batch runs.
  }
}

function syncKind(form) {
  const points = form.elements.kind.value === "points";
  form.querySelector("#batch-crs-row").hidden = !points;
  form.querySelector("#batch-column-row").hidden = points;
}

function build() {
  const radio = (value, key, checked) =>
    el("label", {}, el("input", { type: "radio", name: "kind", value, checked }), el("span", { "data-i18n": key }, t(key)));
  const form = el("form", { id: "batch-form", novalidate: true, onsubmit: submit },
    el("fieldset", { class: "batch-kind" }, el("legend", { "data-i18n": "batch.kind" }, t("batch.kind")),
      radio("points", "batch.points", true), radio("addresses", "batch.addresses", false)),
    el("div", { class: "row", id: "batch-crs-row" },
      el("label", {}, el("span", { "data-i18n": "batch.crs" }, t("batch.crs")),
        el("select", { name: "crs", id: "batch-crs" }, ["wgs84", "gcj02", "bd09"].map((c) => el("option", { value: c }, { wgs84: "WGS 84", gcj02: "GCJ-02", bd09: "BD-09" }[c]))))),
    el("div", { class: "row", id: "batch-column-row", hidden: true },
      el("label", {}, el("span", { "data-i18n": "batch.column" }, t("batch.column")), el("input", { type: "text", name: "column", id: "batch-column", autocomplete: "off" }))),
    el("div", { class: "row" },
      el("label", { class: "batch-file" }, el("span", { "data-i18n": "batch.file" }, t("batch.file")),
        el("input", { type: "file", name: "file", id: "batch-file", accept: `.csv,.xlsx,text/csv,${XLSX}`, onchange: onFile }))),
    el("div", { class: "row" }, el("button", { type: "submit", class: "btn primary", id: "batch-go", "data-i18n": "batch.go" }, t("batch.go"))),
    el("progress", { id: "batch-progress", max: 1, hidden: true }),
    el("p", { id: "batch-msg", class: "batch-msg", role: "status", "aria-live": "polite" }),
    el("div", { id: "batch-result", class: "row" }));
  form.addEventListener("change", (e) => e.target.name === "kind" && syncKind(form));
  return el("section", { class: "panel batch-panel", id: "batch-panel", hidden: true, "aria-labelledby": "batch-title" },
    el("div", { class: "panel-body" },
      el("div", { class: "batch-head" },
        el("h2", { id: "batch-title", "data-i18n": "batch.title" }, t("batch.title")),
        el("button", { type: "button", class: "btn-icon", id: "batch-close", "data-i18n-aria-label": "batch.close", "aria-label": t("batch.close"), onclick: () => toggle(false) },
          el("span", { "aria-hidden": "true" }, "×"))),
      el("p", { class: "muted", "data-i18n": "batch.help" }, t("batch.help")),
      form));
}

/** Opens (or closes) the panel; opening goes to the lookup view and closes its card. */
export async function toggle(open = panel.hidden) {
  if (open) {
    if (state.view !== "lookup") await showView("lookup");
    clearSelection();
  }
  panel.hidden = !open;
  document.getElementById("batch-open").setAttribute("aria-expanded", String(open));
  document.body.classList.toggle("batch-open", open);
  if (open) panel.querySelector("#batch-file").focus();
}

/** Adds the top-bar button and the panel. */
export function init() {
  panel = build();
  document.getElementById("map-wrap").append(panel);
  const button = el("button", { type: "button", class: "btn btn-batch", id: "batch-open", "aria-expanded": "false", "aria-controls": "batch-panel", "data-i18n": "batch.open", onclick: () => toggle() }, t("batch.open"));
  document.getElementById("search").after(button);
  // Another view's tab hides every panel but its own; the button follows.
  onChange(() => {
    if (panel.hidden && document.body.classList.contains("batch-open")) {
      document.getElementById("batch-open").setAttribute("aria-expanded", "false");
      document.body.classList.remove("batch-open");
    }
  });
}
