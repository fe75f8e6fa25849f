//! Extractors for the typed HTTP boundary: path parameters, JSON bodies and query strings are
//! read into serde types, and every rejection becomes the project's JSON [`ApiError`] (4xx, naming
//! the parameter or field) instead of axum's plain-text one.

use super::AppState;
use super::access::Caller;
use super::error::ApiError;
use super::params::Params;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::de::DeserializeOwned;
use wangge_text::Lang;
use wangge_text::zh_en;

/// The language of a request's messages, decided as [`Params`] decides it.
fn lang_of(headers: &HeaderMap, uri: &Uri) -> Lang {
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Params::parse(uri.query(), accept).lang
}

/// Path parameters as `T`; a value that does not parse (`/api/v1/plans/abc`) is a 400 naming it.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers, &parts.uri);
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(path_error(e, lang)),
        }
    }
}

fn path_error(e: PathRejection, lang: Lang) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(e) = e else {
        // Only a route without the parameters the handler asks for gets here: our bug, not the caller's.
        return ApiError::internal(e.body_text());
    };
    let (name, value, expected) = match e.kind() {
        ErrorKind::ParseErrorAtKey { key, value, expected_type } => (key.clone(), value.clone(), *expected_type),
        ErrorKind::ParseErrorAtIndex { index, value, expected_type } => {
            (format!("#{}", index + 1), value.clone(), *expected_type)
        }
        ErrorKind::ParseError { value, expected_type } => (String::new(), value.clone(), *expected_type),
        _ => return ApiError::bad_parameter(e.body_text()),
    };
    ApiError::bad_parameter(zh_en!(
        lang,
        ("路径参数 {name} 的值 \"{value}\" 无效（应为 {expected}）"),
        ("path parameter {name}: \"{value}\" is not valid (expected {expected})")
    ))
}

/// A body as bytes. One over the body limit is a 413, one that cannot be read a 400, both JSON.
#[derive(Debug)]
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(request.headers(), request.uri());
        Bytes::from_request(request, state).await.map(ApiBytes).map_err(|e| ApiError::from_body_rejection(&e, lang))
    }
}

/// A JSON body as `T`. A body with a non-JSON `Content-Type` is 415; one that is not JSON, or does
/// not fit `T`, is 400 naming the field. An empty body reads as `{}`, so bodies whose fields all
/// have defaults may be left out (as `POST …/publish` always allowed). A missing `Content-Type`
/// is accepted, as it always was.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Whether `content_type` names JSON (`application/json` or any `+json` type).
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(request.headers(), request.uri());
        if let Some(ct) = request.headers().get(CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("");
            if !is_json(ct) {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    zh_en!(
                        lang,
                        ("请求体应为 JSON（Content-Type: application/json），而不是 {ct}"),
                        ("the body must be JSON (Content-Type: application/json), not {ct}")
                    ),
                ));
            }
        }
        let ApiBytes(body) = ApiBytes::from_request(request, state).await?;
        let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &body };
        let what = lang.pick("JSON 无法解析", "invalid JSON");
        let mut de = serde_json::Deserializer::from_slice(text);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            // serde says "invalid type: integer `123`, expected a string"; callers read
            // "name must be a string".
            let text = inner.to_string();
            if path != "."
                && let Some(rest) = text.strip_prefix("invalid type: ")
                && let Some((_, expected)) = rest.split_once(", expected ")
            {
                let expected = expected.split(" at line ").next().unwrap_or(expected);
                return ApiError::bad_body(zh_en!(
                    lang,
                    ("\"{path}\" 的类型不对（应为 {expected}）"),
                    ("\"{path}\" must be {expected}")
                ));
            }
            ApiError::bad_body(if path == "." {
                format!("{what}: {inner}")
            } else {
                format!("{what}: {path}: {inner}")
            })
        })?;
        // Trailing text after the value is as wrong as a value that does not parse.
        de.end().map_err(|e| ApiError::bad_body(format!("{what}: {e}")))?;
        Ok(ApiJson(value))
    }
}

/// The query string as `T`; a value that does not fit is a 400 naming the parameter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers, &parts.uri);
        Query::<T>::try_from_uri(&parts.uri).map(|Query(v)| ApiQuery(v)).map_err(|e| {
            ApiError::bad_parameter(format!("{}: {}", lang.pick("查询参数无效", "bad query string"), e.body_text()))
        })
    }
}

/// What a handler needs besides its path and body: the served state, the caller (see
/// [`Caller`]), the query string and the language of the answer (as [`Params`] decides it).
/// One argument instead of four, so a handler's signature says what it reads from the path and
/// body; a query that is not UTF-8 is refused here, before the path and body are read.
pub struct Ctx {
    /// The served state.
    pub state: AppState,
    /// Who asks.
    pub caller: Caller,
    /// The language of messages.
    pub lang: Lang,
    /// The query string.
    pub params: Params,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = Params::from_request_parts(parts, state).await?;
        let Ok(caller) = Caller::from_request_parts(parts, state).await;
        Ok(Ctx { state: state.clone(), caller, lang: params.lang, params })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/geo+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("text/csv"));
    }
}
