//! `GET /api/v1/rules`: the size bounds the server validates plans against (households per grid
//! and community, residents per grid), so the map page classes by the same numbers — e.g. the
//! thematic preset for the 300–500 households rule — instead of a copy that could drift.

use super::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// `GET /api/v1/rules`
#[utoipa::path(get, path = "/api/v1/rules", tag = "plans",
    responses((status = 200, description = "Size bounds of the configured rules: `{grid_households: [lo, hi], grid_max_residents, community_households: [lo, hi], households_per_community_worker}`", body = Object)))]
pub async fn get_rules(State(state): State<AppState>) -> Json<Value> {
    let r = &state.rules;
    Json(json!({
        "grid_households": r.grid_households,
        "grid_max_residents": r.grid_max_residents,
        "community_households": r.community_households,
        "households_per_community_worker": r.households_per_community_worker,
    }))
}
