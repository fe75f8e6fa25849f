//! Query-string parsing that names the bad parameter, and the request's language.

use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::str::FromStr;
use wangge_text::Lang;

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
        Ok(Params::parse(parts.uri.query(), accept))
    }
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
    fn language_from_header() {
        assert_eq!(Params::parse(None, Some("en-GB,en")).lang, Lang::En);
        assert_eq!(Params::parse(Some("lang=zh"), Some("en-GB")).lang, Lang::Zh);
        assert_eq!(Params::parse(None, None).lang, Lang::Zh);
    }
}
