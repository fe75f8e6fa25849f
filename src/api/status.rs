//! What a server says about itself: `/healthz` (alive, and what it serves), `/readyz` (serving
//! the store's current revision), and the `Wangge-Revision` header on every answer.
//!
//! Why two probes: a server that is alive may still be building the state of a revision another
//! process just committed (see [`wangge_app::feed`]); a load balancer that should only send
//! lookups to servers answering the newest boundaries asks `/readyz`, a supervisor that restarts
//! dead processes asks `/healthz`.

use super::AppState;
use super::error::ApiError;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The header naming the revision served when the answer was made.
pub const REVISION_HEADER: HeaderName = HeaderName::from_static("wangge-revision");

/// The message language an `Accept-Language` header asks for (Chinese by default).
pub fn lang_of(headers: &axum::http::HeaderMap) -> wangge_text::Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(wangge_text::Lang::from_locale)
        .unwrap_or_default()
}

/// `GET /healthz`: alive; the revision and feature counts served, the change feed's status, and
/// one warning per edit another program made to the served file (recorded as a revision by
/// `external`; see [`wangge_store::external`]).
pub async fn healthz(State(state): State<AppState>, headers: axum::http::HeaderMap) -> axum::Json<Value> {
    let lang = lang_of(&headers);
    let published = state.published();
    let counts: serde_json::Map<String, Value> =
        published.snapshot.counts().into_iter().map(|(l, n)| (l.id().to_string(), Value::from(n))).collect();
    let mut body = json!({ "status": "ok", "revision": published.revision, "features": counts });
    if let Some(feed) = &state.feed {
        let status = feed.status();
        let warnings: Vec<Value> = status
            .external_edits
            .iter()
            .map(|e| {
                let (n, errors) = (e.changes.len(), e.errors);
                let revision = e.revision.map_or_else(|| "-".to_string(), |r| r.to_string());
                json!({
                    "kind": "external_edit",
                    "revision": e.revision,
                    "changed": n,
                    "errors": errors,
                    "detail": wangge_text::zh_en!(
                        lang,
                        ("其他程序直接修改了 {n} 个要素，已记为修订版 {revision}（作者 external），规则错误 {errors} 个"),
                        ("another program edited {n} feature(s) directly; recorded as revision {revision} by 'external', {errors} rule error(s)")
                    ),
                })
            })
            .collect();
        body["warnings"] = Value::from(warnings);
        body["feed"] = json!(status);
    }
    axum::Json(body)
}

/// `GET /readyz`: 200 once the revision the store holds is the one served, 503 while a newer one
/// is still to be served, while edits by another program wait to be recorded as a revision (what
/// the file holds then is no revision at all), or when the store cannot be read.
pub async fn readyz(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let served = state.published().revision;
    let Some(pool) = state.store.clone() else {
        return axum::Json(json!({ "status": "ready", "revision": served })).into_response();
    };
    let stored = tokio::task::spawn_blocking(move || {
        Ok::<_, wangge_store::StoreError>((pool.current_revision()?, pool.pending_external()?))
    })
    .await
    .map_err(|e| e.to_string());
    let unavailable = |detail: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", detail);
    match stored {
        Ok(Ok((stored, 0))) if served >= stored => {
            axum::Json(json!({ "status": "ready", "revision": served, "stored_revision": stored })).into_response()
        }
        Ok(Ok((stored, pending))) => {
            let mut e = unavailable(if pending > 0 {
                wangge_text::zh_en!(
                    lang,
                    ("其他程序的 {pending} 处修改尚未记为修订版"),
                    ("{pending} change(s) by another program are not recorded as a revision yet")
                )
            } else {
                wangge_text::zh_en!(
                    lang,
                    ("正在提供修订版 {served}，数据库已有修订版 {stored}"),
                    ("serving revision {served}; the store has revision {stored}")
                )
            });
            e.problems =
                Some(json!({ "revision": served, "stored_revision": stored, "pending_external_changes": pending }));
            e.into_response()
        }
        Ok(Err(e)) => unavailable(wangge_text::zh_en!(lang, ("无法读取数据库：{e}"), ("cannot read the store: {e}")))
            .into_response(),
        Err(e) => unavailable(e).into_response(),
    }
}

/// Adds [`REVISION_HEADER`] to every answer: the revision served once the answer was made.
pub async fn revision_header(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let revision = state.published().revision;
    response.headers_mut().insert(REVISION_HEADER, HeaderValue::from(revision));
    response
}
