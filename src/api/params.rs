//! Query-string parsing that names the bad parameter, and the request's language.

use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::str::FromStr;
use wangge_text::{Lang, zh_en};

/// The decoded query string. Repeated keys keep their last value.
#[derive(Debug, Default)]
pub struct Params {
    map: HashMap<String, String>,
    /// Language for messages: `?lang=` first, then `Accept-Language`, then Chinese.
    pub lang: Lang,
}

impl Params {
    /// Parses `query` (without `?`); `accept_language` is the header value, if any.
    pub fn parse(query: Option<&str>, accept_language: Option<&str>) -> Params {
        let map: HashMap<String, String> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let lang = map
            .get("lang")
            .and_then(|l| l.parse().ok())
            .or_else(|| accept_language.map(Lang::from_locale))
            .unwrap_or_default();
        Params { map, lang }
    }

    /// The raw value of `key`, if given and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// A required value parsed as `T`.
    pub fn required<T: FromStr>(&self, key: &str) -> Result<T, ApiError> {
        let raw = self.get(key).ok_or_else(|| {
            ApiError::bad_parameter(
                self.lang.pick(&format!("缺少参数 {key}"), &format!("missing parameter {key}")).to_string(),
            )
        })?;
        self.parse_value(key, raw)
    }

    /// An optional value parsed as `T`, or `default`.
    pub fn optional<T: FromStr>(&self, key: &str, default: T) -> Result<T, ApiError> {
        match self.get(key) {
            Some(raw) => self.parse_value(key, raw),
            None => Ok(default),
        }
    }

    fn parse_value<T: FromStr>(&self, key: &str, raw: &str) -> Result<T, ApiError> {
        raw.trim().parse().map_err(|_| {
            ApiError::bad_parameter(
                self.lang
                    .pick(
                        &format!("参数 {key} 的值 \"{raw}\" 无效"),
                        &format!("parameter {key}: \"{raw}\" is not valid"),
                    )
                    .to_string(),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let accept = parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let params = Params::parse(parts.uri.query(), accept);
        // A value that does not decode to UTF-8 would otherwise be answered after a silent U+FFFD
        // replacement, i.e. a question the caller did not ask.
        if let Some(key) = parts.uri.query().and_then(not_utf8) {
            return Err(ApiError::bad_parameter(zh_en!(
                params.lang,
                ("参数 {key} 的值不是有效的 UTF-8 编码"),
                ("parameter {key}: the value is not valid UTF-8 once percent-decoded")
            )));
        }
        Ok(params)
    }
}

/// The name of the first `key=value` pair of `query` whose percent-decoded bytes are not UTF-8.
fn not_utf8(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let bytes = percent_decode(pair);
        std::str::from_utf8(&bytes).is_err().then(|| {
            let key = pair.split('=').next().unwrap_or("");
            String::from_utf8_lossy(&percent_decode(key)).into_owned()
        })
    })
}

/// `application/x-www-form-urlencoded` decoding to bytes: `+` is a space, `%XX` a byte, and a
/// `%` not followed by two hex digits stands for itself (as `form_urlencoded` reads it).
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).and_then(|&c| (c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_bad_parameter() {
        let p = Params::parse(Some("lon=abc&lat=22.5&lang=en"), None);
        assert_eq!(p.lang, Lang::En);
        let e = p.required::<f64>("lon").unwrap_err();
        assert!(e.detail.contains("lon") && e.detail.contains("abc"), "{}", e.detail);
        assert_eq!(p.required::<f64>("lat").unwrap(), 22.5);
        assert!(p.required::<f64>("crs").unwrap_err().detail.contains("crs"));
    }

    #[test]
    fn finds_the_parameter_that_is_not_utf8() {
        assert_eq!(not_utf8("lang=en&q=%FF"), Some("q".to_string()));
        assert_eq!(not_utf8("q=%E7%BD%91%E6%A0%BC+1&x=100%"), None);
        assert_eq!(percent_decode("a%2Bb+c%2"), b"a+b c%2");
    }

    #[test]
    fn language_from_header() {
        assert_eq!(Params::parse(None, Some("en-GB,en")).lang, Lang::En);
        assert_eq!(Params::parse(Some("lang=zh"), Some("en-GB")).lang, Lang::Zh);
        assert_eq!(Params::parse(None, None).lang, Lang::Zh);
    }
}
