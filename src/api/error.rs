//! The one HTTP error type: every failure becomes JSON `{"error", "detail"}` with a 4xx that names
//! the problem, or a 500 whose cause is logged and not sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An HTTP error outcome.
#[derive(Debug)]
pub struct ApiError {
    /// Status to answer with.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `bad_parameter`.
    pub error: &'static str,
    /// A sentence for people, naming the parameter or feature at fault.
    pub detail: String,
    /// Optional structured particulars (e.g. every import problem).
    pub problems: Option<Value>,
}

impl ApiError {
    /// An error with no structured particulars.
    pub fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, error, detail: detail.into(), problems: None }
    }

    /// 400 for a query parameter or body field that is wrong.
    pub fn bad_parameter(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", detail)
    }

    /// 400 for a body that cannot be read.
    pub fn bad_body(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_body", detail)
    }

    /// 404 for an unknown layer, code or route.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 413 for a body or batch over the limit.
    pub fn too_large(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", detail)
    }

    /// The error for a body that could not be read: 413 when it was over the limit, else 400.
    pub fn from_body_rejection(e: &axum::extract::rejection::BytesRejection, lang: wangge_text::Lang) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(lang.pick("请求体过大", "request body too large"))
        } else {
            ApiError::bad_body(e.body_text())
        }
    }

    /// 500: the cause is logged here and never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {cause}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the server log")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.error, "detail": self.detail });
        if let Some(p) = self.problems {
            body["problems"] = p;
        }
        (self.status, Json(body)).into_response()
    }
}
