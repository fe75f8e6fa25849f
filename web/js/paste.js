// Coordinates as people paste them: a bare "lng,lat" (or "lat,lng") text, or a share link of AMap
// (高德), Tencent (腾讯) or Baidu (百度) maps. Each app writes its own coordinate system — AMap and
// Tencent GCJ-02, Baidu BD-09 unless the link says otherwise — so a link also chooses the system.

const NUM = String.raw`-?\d{1,3}(?:\.\d+)?`;
const PAIR = new RegExp(String.raw`^\s*(${NUM})\s*[,，\s]\s*(${NUM})\s*$`);

/** China's longitudes are 73–136 and latitudes 3–54: a pair in that box can be put in order. */
function ordered(a, b) {
  if (Math.abs(a) <= 90 && Math.abs(b) > 90) return [b, a];
  return [a, b];
}

function pairOf(text) {
  const m = String(text ?? "").match(new RegExp(String.raw`(${NUM})\s*[,，]\s*(${NUM})`));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** The coordinate system a Baidu link's `coord_type` names. */
function baiduCrs(type) {
  const t = String(type ?? "").toLowerCase();
  if (t === "gcj02") return "gcj02";
  if (t === "wgs84") return "wgs84";
  return "bd09";
}

/**
 * Reads a pasted text. Answers `{ lon, lat, crs, source }` — `source` is "amap", "tencent",
 * "baidu" for a share link (and `crs` the app's system), null for a bare pair (`crs` null: the
 * page's choice applies) — or null when the text is no coordinate.
 */
export function parsePaste(text) {
  const s = String(text ?? "").trim();
  if (!s) return null;
  const bare = s.match(PAIR);
  if (bare) {
    const [lon, lat] = ordered(Number(bare[1]), Number(bare[2]));
    return { lon, lat, crs: null, source: null };
  }
  const urlText = s.match(/(?:https?|amapuri|iosamap|androidamap|qqmap|baidumap|bdapp):\/\/\S+/i)?.[0];
  if (!urlText) return null;
  let url;
  try {
    url = new URL(urlText.replace(/^(amapuri|iosamap|androidamap|qqmap|baidumap|bdapp):\/\//i, "https://$1.app/"));
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  const q = url.searchParams;
  const app = /amap|autonavi/.test(host) ? "amap" : /qq\.com|qqmap/.test(host) ? "tencent" : /baidu|bdapp/.test(host) ? "baidu" : null;
  if (!app) return null;
  let pair = null;
  if (app === "amap") {
    // uri.amap.com/marker?position=lng,lat · ditu.amap.com/regeo?lng=…&lat=… · …?q=lat,lng (app links: lat first)
    if (q.get("position")) pair = pairOf(q.get("position"));
    else if (q.get("lng") && q.get("lat")) pair = [Number(q.get("lng")), Number(q.get("lat"))];
    else if (q.get("lon") && q.get("lat")) pair = [Number(q.get("lon")), Number(q.get("lat"))];
    else if (q.get("q")) pair = pairOf(q.get("q"));
    else if (q.get("dlon") && q.get("dlat")) pair = [Number(q.get("dlon")), Number(q.get("dlat"))];
    return pair ? { ...lonLat(pair), crs: "gcj02", source: app } : null;
  }
  if (app === "tencent") {
    // apis.map.qq.com/uri/v1/marker?marker=coord:lat,lng;title:… · map.qq.com/?pointx=lng&pointy=lat
    const marker = q.get("marker");
    if (marker) pair = pairOf(marker.replace(/^.*coord:/, ""));
    else if (q.get("pointx") && q.get("pointy")) pair = [Number(q.get("pointx")), Number(q.get("pointy"))];
    else if (q.get("latlng")) pair = pairOf(q.get("latlng"));
    else if (q.get("tocoord")) pair = pairOf(q.get("tocoord"));
    return pair ? { ...lonLat(pair), crs: "gcj02", source: app } : null;
  }
  // api.map.baidu.com/marker?location=lat,lng&coord_type=… · baidumap://map/marker?location=lat,lng
  const loc = q.get("location") ?? q.get("latlng") ?? q.get("destination");
  if (loc) pair = pairOf(loc.replace(/^latlng:/, "").replace(/\|.*$/, ""));
  return pair ? { ...lonLat(pair), crs: baiduCrs(q.get("coord_type")), source: app } : null;
}

function lonLat([a, b]) {
  const [lon, lat] = ordered(a, b);
  return { lon, lat };
}
