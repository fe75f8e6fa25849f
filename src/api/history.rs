//! `/api/v1/revisions…` and the dates the history is read at (`lookup?…&at=YYYY-MM-DD`).

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiPath, Ctx};
use super::plans::{plan_error, with_backend, with_etag, with_store, with_tag};
use super::schema::{ErrorBody, LangQuery, Plan, PlanRefusals, RevisionList};
use axum::http::{StatusCode, header};
use axum::response::Response;
use wangge_app::plan as svc;
use wangge_core::snapshot::Snapshot;
use wangge_store::history::AsOf;
use wangge_text::Lang;
use wangge_text::zh_en;

/// Checks a `YYYY-MM-DD` date (the form stored in `valid_from`/`valid_to`, so text order is date
/// order); see [`wangge_core::dates::parse_ymd`].
pub fn parse_date(s: &str, lang: Lang) -> Result<String, ApiError> {
    if wangge_core::dates::parse_ymd(s).is_some() {
        Ok(s.to_string())
    } else {
        Err(ApiError::bad_parameter(zh_en!(
            lang,
            ("日期 \"{s}\" 应为 YYYY-MM-DD 格式"),
            ("date \"{s}\" must be YYYY-MM-DD")
        )))
    }
}

/// Today's date in UTC+8 (Beijing time, the date plans take effect in).
pub fn today() -> String {
    wangge_formats::clock::today_beijing()
}

/// The hierarchy as it was valid on `date`.
pub async fn snapshot_at(state: &AppState, date: &str, lang: Lang) -> Result<Snapshot, ApiError> {
    let date = parse_date(date, lang)?;
    with_backend(state, lang, move |s| s.snapshot_as_of(&AsOf::Date(date)).map_err(ApiError::internal)).await
}

/// `GET /api/v1/revisions`: every published revision, oldest first.
#[utoipa::path(get, path = "/api/v1/revisions", tag = "plans", params(LangQuery),
    responses((status = 200, description = "The current revision and every revision (ETag `\"r{current}\"`)", body = RevisionList), (status = 404, description = "No such plan, revision or layer, or no database", body = ErrorBody)))]
pub async fn list(Ctx { state, lang, .. }: Ctx) -> Result<Response, ApiError> {
    let (current, revisions) = with_backend(&state, lang, |s| {
        Ok((s.current_revision().map_err(ApiError::internal)?, s.revisions_since(0).map_err(ApiError::internal)?))
    })
    .await?;
    let tag = header::HeaderValue::from_str(&format!("\"r{current}\"")).map_err(ApiError::internal)?;
    Ok(with_tag(StatusCode::OK, tag, RevisionList { current, revisions }))
}

/// `POST /api/v1/revisions/{id}/restore`: a new draft plan that brings revision `id` back.
#[utoipa::path(post, path = "/api/v1/revisions/{id}/restore", tag = "plans", params(("id" = i64, Path, description = "Revision id"), LangQuery),
    security(("bearer" = [])),
    responses((status = 201, description = "The new draft plan", body = Plan), PlanRefusals))]
pub async fn restore(Ctx { state, caller, lang, .. }: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
    let author = caller.author();
    let plan = with_store(&state, lang, move |s| svc::restore(s, id, author).map_err(|e| plan_error(e, lang))).await?;
    Ok(with_etag(StatusCode::CREATED, plan.version, plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_today_is_well_formed() {
        assert!(parse_date("2026-01-01", Lang::En).is_ok());
        for bad in ["2026-13-01", "2026-1-01", "yesterday", "2026-01-01T00:00"] {
            assert!(parse_date(bad, Lang::En).is_err(), "{bad}");
        }
        assert!(parse_date(&today(), Lang::En).is_ok());
    }
}
