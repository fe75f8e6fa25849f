// The page's one way of talking to the wangge HTTP API: JSON in and out, errors as ApiError.

import { currentLang } from "./i18n.js";

/** A 4xx/5xx answer: `status`, the API's `code` ("not_found", …) and its `detail` as the message. */
export class ApiError extends Error {
  constructor(status, code, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/**
 * Fetches JSON. `options.body` (an object) is sent as JSON; `options.token` as a Bearer token;
 * `options.ifMatch` as If-Match. Resolves to `{ body, etag }` when `options.withEtag`.
 */
export async function fetchJSON(url, options = {}) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang() === "en" ? "en" : "zh-CN" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  const r = await fetch(url, {
    method: options.method || (options.body !== undefined ? "POST" : "GET"),
    headers,
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  let body = null;
  try {
    body = await r.json();
  } catch {
    body = null;
  }
  if (!r.ok) throw new ApiError(r.status, body?.error, body?.detail || `${r.status} ${r.statusText}`, body);
  return options.withEtag ? { body, etag: r.headers.get("ETag") } : body;
}

/** Every feature of a layer, following the API's `next` links. */
export async function fetchLayer(id) {
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
