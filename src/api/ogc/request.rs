//! What every OGC API request shares: the query, the language, the chosen encoding (`f=` or the
//! `Accept` header) and the absolute base URL links are built from.

use super::super::error::ApiError;
use super::super::params::Params;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, ACCEPT_LANGUAGE, HOST};
use axum::http::request::Parts;
use wangge_text::Lang;
use wangge_text::zh_en;

/// The two encodings every resource has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// HTML for people.
    Html,
}

/// One OGC API request's common parts.
#[derive(Debug)]
pub struct OgcRequest {
    /// The decoded query string and the message language.
    pub params: Params,
    /// Every query key, in order, for refusing unknown parameters.
    pub keys: Vec<String>,
    /// The encoding asked for.
    pub format: Format,
    /// `http://host:port/ogc`, the prefix of every link.
    pub base: String,
    /// Who asks: draft plans (`plan=`) are read by planners and admins only.
    pub caller: crate::api::access::Caller,
}

impl OgcRequest {
    /// Message language.
    pub fn lang(&self) -> Lang {
        self.params.lang
    }

    /// 400 naming the first query parameter not in `allowed` (the API definition lists every one).
    pub fn refuse_unknown(&self, allowed: &[&str], extra: &[String]) -> Result<(), ApiError> {
        let known = |k: &str| ["f", "lang"].contains(&k) || allowed.contains(&k) || extra.iter().any(|e| e == k);
        match self.keys.iter().find(|k| !known(k)) {
            None => Ok(()),
            Some(k) => Err(ApiError::bad_parameter(if self.lang() == Lang::Zh {
                format!("未知的查询参数 {k}")
            } else {
                format!("unknown query parameter {k}")
            })),
        }
    }

    /// The query string to repeat in links, without the keys in `drop`.
    pub fn query_without(&self, drop: &[&str]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for k in &self.keys {
            if drop.contains(&k.as_str()) || out.iter().any(|(o, _): &(String, String)| o == k) {
                continue;
            }
            if let Some(v) = self.params.get(k) {
                out.push((k.clone(), v.to_string()));
            }
        }
        out
    }
}

/// `key=value&…` with both parts percent-encoded.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The parameters of the API definition (property filters aside): each at most once, never
/// empty, and `lang` one of the two languages — a client that sends otherwise hears so.
const FIXED: &[&str] = &[
    "f",
    "lang",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "plan",
];

fn check_fixed(params: &Params, keys: &[String]) -> Result<(), ApiError> {
    let lang = params.lang;
    for (i, k) in keys.iter().enumerate() {
        if !FIXED.contains(&k.as_str()) {
            continue;
        }
        if keys[..i].contains(k) {
            return Err(ApiError::bad_parameter(zh_en!(
                lang,
                ("参数 {k} 重复"),
                ("parameter {k} is given more than once")
            )));
        }
        if params.get(k).is_none() {
            return Err(ApiError::bad_parameter(zh_en!(lang, ("参数 {k} 为空"), ("parameter {k} is empty"))));
        }
    }
    if let Some(l) = params.get("lang")
        && l.parse::<Lang>().is_err()
    {
        return Err(ApiError::bad_parameter(format!("parameter lang: \"{l}\" is not valid (zh or en)")));
    }
    Ok(())
}

fn format_of(params: &Params, accept: Option<&str>) -> Result<Format, ApiError> {
    match params.get("f") {
        Some("json" | "geojson" | "application/json" | "application/geo+json") => return Ok(Format::Json),
        Some("html" | "text/html") => return Ok(Format::Html),
        Some(other) => {
            return Err(ApiError::bad_parameter(if params.lang == Lang::Zh {
                format!("参数 f 的值 \"{other}\" 无效：应为 json 或 html")
            } else {
                format!("parameter f: \"{other}\" is not valid (json or html)")
            }));
        }
        None => {}
    }
    // A browser sends text/html first; GDAL, OWSLib and scripts ask for JSON or nothing.
    let accept = accept.unwrap_or("").to_ascii_lowercase();
    let html = accept.find("text/html");
    let json = accept.find("json");
    Ok(match (html, json) {
        (Some(h), Some(j)) if h < j => Format::Html,
        (Some(_), None) => Format::Html,
        _ => Format::Json,
    })
}

impl<S: Send + Sync> FromRequestParts<S> for OgcRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |h| parts.headers.get(h).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
        let params = Params::parse(parts.uri.query(), header(ACCEPT_LANGUAGE));
        let keys: Vec<String> =
            form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).map(|(k, _)| k.into_owned()).collect();
        check_fixed(&params, &keys)?;
        let format = format_of(&params, header(ACCEPT))?;
        let base = match header(HOST) {
            Some(host) => format!("http://{host}/ogc"),
            None => "/ogc".to_string(),
        };
        let caller = parts.extensions.get::<crate::api::access::Caller>().cloned().unwrap_or_default();
        Ok(OgcRequest { params, keys, format, base, caller })
    }
}
