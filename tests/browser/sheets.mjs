// Reading what the page lets people download: CSV (RFC 4180, a UTF-8 BOM allowed) and .xlsx (a zip
// of XML: the first sheet's cells, with shared or inline strings), so the tests can compare the
// files with the API's numbers. Node's zlib inflates the zip entries; nothing else is needed.

import zlib from "node:zlib";

/** Rows of a CSV text: the page's own reader (web/js/table-export.js, importable here: no DOM at load). */
export { parseCsv } from "../../web/js/table-export.js";

/** The entries of a zip file: name → Buffer (stored or deflated). */
export function unzip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip file");
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error("bad zip directory");
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out[name] = method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

/** The first sheet of an .xlsx as rows of values (numbers as numbers, text as strings). */
export function readXlsx(buf) {
  const files = unzip(buf);
  const shared = [];
  const sst = files["xl/sharedStrings.xml"]?.toString("utf8");
  if (sst) for (const si of sst.match(/<si>[\s\S]*?<\/si>/g) ?? []) shared.push(unescape((si.match(/<t[^>]*>([\s\S]*?)<\/t>/g) ?? []).map((t) => t.replace(/<[^>]+>/g, "")).join("")));
  const sheetName = Object.keys(files).filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n)).sort()[0];
  const xml = files[sheetName].toString("utf8");
  const col = (ref) => [...ref.replace(/\d+/g, "")].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const rows = [];
  for (const row of xml.match(/<row[^>]*>[\s\S]*?<\/row>|<row[^>]*\/>/g) ?? []) {
    const r = Number(row.match(/r="(\d+)"/)[1]) - 1;
    const cells = [];
    for (const c of row.match(/<c [^>]*(?:\/>|>[\s\S]*?<\/c>)/g) ?? []) {
      const ref = c.match(/r="([A-Z]+\d+)"/)[1];
      const type = c.match(/ t="(\w+)"/)?.[1];
      let v = null;
      if (type === "inlineStr") v = unescape((c.match(/<t[^>]*>([\s\S]*?)<\/t>/) ?? [])[1] ?? "");
      else if (type === "s") v = shared[Number(c.match(/<v>([^<]*)<\/v>/)[1])];
      else if (type === "str") v = unescape(c.match(/<v>([^<]*)<\/v>/)?.[1] ?? "");
      else if (c.includes("<v>")) v = Number(c.match(/<v>([^<]*)<\/v>/)[1]);
      cells[col(ref)] = v;
    }
    rows[r] = cells;
  }
  return rows;
}
