//! `POST /api/v1/communities/{code}/proposals`: draft plans dividing a community into grids along its
//! roads (issue 17), the same use-case as `wangge propose-grids`.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Ctx};
use super::plans::{plan_error, with_store};
use super::schema::{ErrorBody, LangQuery};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use wangge_app::propose::{ProposeError, ProposeRequest, outcome_json, propose_grids};
use wangge_text::Lang;
use wangge_text::zh_en;

/// The request body (every field may be left out; the body too).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    /// Fewest households per grid (default: the rules configuration, 300).
    #[serde(default)]
    pub min: Option<u64>,
    /// Most households per grid (default: the rules configuration, 500).
    #[serde(default)]
    pub max: Option<u64>,
    /// How many alternatives, 1–10 (default 3), each a draft plan.
    #[serde(default)]
    pub alternatives: Option<usize>,
    /// Seed of the first alternative (default 1); the same seed gives the same proposals.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Repair mode: one draft plan with the smallest change (split oversized grids, merge undersized ones).
    #[serde(default)]
    pub repair: bool,
}

/// The answer: one entry per alternative.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    /// The community.
    pub community: String,
    /// Each alternative: `plan_id`, `strategy`, `seed`, `bounds`, `grids` (code, name, households,
    /// residents, area_m2, perimeter_m, polsby_popper, within_bounds, buildings, blocks, geometry),
    /// `metrics`, `infeasible`, `validation` {errors, warnings}.
    #[schema(value_type = Vec<Object>)]
    pub proposals: Vec<serde_json::Value>,
}

fn propose_error(e: ProposeError, lang: Lang) -> ApiError {
    match e {
        ProposeError::UnknownCommunity(code) => {
            ApiError::not_found(zh_en!(lang, ("没有编码为 {code} 的社区"), ("no community has the code {code}")))
        }
        ProposeError::BadParameter { field, detail, detail_zh } => {
            let mut e = ApiError::bad_body(lang.pick(&detail_zh, &detail).to_string());
            e.problems = Some(json!({ "field": field }));
            e
        }
        ProposeError::Units { code, source } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_blocks",
            zh_en!(
                lang,
                ("社区 {code} 无法划分街区：{source}"),
                ("community {code} cannot be divided into blocks: {source}")
            ),
        ),
        ProposeError::Plan(e) => plan_error(e, lang),
    }
}

/// `POST /api/v1/communities/{code}/proposals` `{"min":300,"max":500,"alternatives":3,"seed":1}`
#[utoipa::path(post, path = "/api/v1/communities/{code}/proposals", tag = "plans",
    params(("code" = String, Path, description = "Community code"), LangQuery), request_body = ProposeBody,
    security(("bearer" = [])),
    responses((status = 201, description = "One draft plan per alternative, with its grids and scores", body = ProposalList),
        (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "The role is too low", body = ErrorBody), (status = 404, description = "No such community, or no database", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody)))]
pub async fn create(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ProposeBody>,
) -> Result<Response, ApiError> {
    let rules = state.rules.clone();
    let req = ProposeRequest {
        community: code.clone(),
        min: body.min,
        max: body.max,
        alternatives: body.alternatives.unwrap_or(3),
        seed: body.seed.unwrap_or(1),
        repair: body.repair,
    };
    let author = caller.author();
    let outcomes = with_store(&state, lang, move |s| {
        propose_grids(s, &req, &rules, author, wangge_text::proposed_grid_name).map_err(|e| propose_error(e, lang))
    })
    .await?;
    let proposals = outcomes.iter().map(outcome_json).collect();
    Ok((StatusCode::CREATED, Json(ProposalList { community: code, proposals })).into_response())
}
