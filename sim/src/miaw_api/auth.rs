//! What every Enhanced Chat route needs to authenticate a request and refuse it: the bearer token
//! of `Authorization`, and a refusal as the API answers one.

use crate::miaw::state::Reject;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A refusal as JSON `{"message", "status"}` (with `Retry-After` for 429).
pub fn reject(r: Reject) -> Response {
    let mut resp = (
        r.status,
        Json(json!({"message": r.message, "status": r.status.as_u16()})),
    )
        .into_response();
    if let Some(secs) = r.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
