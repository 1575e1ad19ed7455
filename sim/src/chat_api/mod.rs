//! `/chat/rest/...`: the visitor side of the Chat REST API. This file has the router and what
//! every resource shares (answers, the header checks, the session and affinity check, JSON
//! bodies); the resources are in `system.rs` (SessionId, its DELETE, ReconnectSession, the long
//! poll), `chasitor.rs` (the visitor's POSTs and MultiNoun), `visitor.rs` (Settings,
//! Availability, VisitorId, Breadcrumb, SwitchServer) and `middleware.rs` (faults, the request log,
//! `--log`).

// Handlers return the finished error answer as `Err(Response)`; boxing it buys nothing here.
#![allow(clippy::result_large_err)]

mod chasitor;
mod middleware;
mod system;
mod visitor;

pub(crate) use middleware::{middleware, print_log, LogGuard};

use crate::state::{AppState, Session, State};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use chasitor::{chasitor, multi_noun};
use serde_json::Value;
use system::{delete_session, messages, reconnect_session, session_id};
use visitor::{availability, breadcrumb, settings, visitor_id};

pub const H_API_VERSION: &str = "x-liveagent-api-version";
pub const H_AFFINITY: &str = "x-liveagent-affinity";
pub const H_SESSION_KEY: &str = "x-liveagent-session-key";
pub const H_SEQUENCE: &str = "x-liveagent-sequence";

pub const CHATEND_INVALID: &str =
    "Request is not a valid ChatEnd - ChatEnd requires a non-null value on the reason property";

/// What a handler answers: `Err` is a refusal (4xx/5xx), so checks chain with `?`.
type Answer = Result<Response, Response>;

/// Marks a response whose connection must be closed without any answer (the drop fault).
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

/// Tells the request log which session a request belonged to (for SessionId, which creates it).
#[derive(Clone, Debug)]
pub struct SessionTag(pub String);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/rest/System/SessionId", get(session_id))
        .route("/chat/rest/System/SessionId/{key}", delete(delete_session))
        .route("/chat/rest/System/ReconnectSession", get(reconnect_session))
        .route("/chat/rest/System/Messages", get(messages))
        .route("/chat/rest/System/MultiNoun", post(multi_noun))
        .route("/chat/rest/Chasitor/{noun}", post(chasitor))
        .route("/chat/rest/Visitor/Settings", get(settings))
        .route("/chat/rest/Visitor/Availability", get(availability))
        .route("/chat/rest/Visitor/VisitorId", get(visitor_id))
        .route("/chat/rest/Visitor/Breadcrumb", post(breadcrumb))
        .route("/chat/rest", any(not_found))
        .route("/chat/rest/", any(not_found))
        .route("/chat/rest/{*rest}", any(not_found))
}

async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "Not Found")
}

// ---------------------------------------------------------------------------------------------
// Responses

pub fn text(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.to_string(),
    )
        .into_response()
}

fn ok() -> Response {
    text(StatusCode::OK, "OK")
}

fn forbidden() -> Response {
    text(
        StatusCode::FORBIDDEN,
        "The request was refused: the session is not valid",
    )
}

fn stale_affinity() -> Response {
    text(StatusCode::SERVICE_UNAVAILABLE, "Invalid affinity token")
}

fn duplicate_poll() -> Response {
    text(
        StatusCode::CONFLICT,
        "Duplicate long poll for this session: the chat has been terminated",
    )
}

fn bad_request(msg: &str) -> Response {
    text(StatusCode::BAD_REQUEST, msg)
}

// ---------------------------------------------------------------------------------------------
// Headers

/// Which headers a resource requires besides X-LIVEAGENT-API-VERSION.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Visitor resources: none.
    Visitor,
    /// SessionId and its DELETE: AFFINITY.
    SessionStart,
    /// ReconnectSession, Messages, ChasitorResyncState: AFFINITY and SESSION-KEY.
    SessionGet,
    /// The other POSTs: AFFINITY, SESSION-KEY and SEQUENCE.
    SessionPost,
}

impl Need {
    fn affinity(self) -> bool {
        self != Need::Visitor
    }

    fn key(self) -> bool {
        matches!(self, Need::SessionGet | Need::SessionPost)
    }

    fn sequence(self) -> bool {
        self == Need::SessionPost
    }
}

#[derive(Default)]
struct Hdrs {
    affinity: String,
    key: String,
    sequence: Option<i64>,
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Response> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => match v.to_str() {
            Ok(s) if !s.trim().is_empty() => Ok(Some(s.trim())),
            _ => Err(bad_request(&format!(
                "Invalid value for header {}",
                name.to_ascii_uppercase()
            ))),
        },
    }
}

fn missing(name: &str) -> Response {
    bad_request(&format!(
        "Missing required header {}",
        name.to_ascii_uppercase()
    ))
}

fn check_headers(h: &HeaderMap, need: Need) -> Result<Hdrs, Response> {
    let api = header_str(h, H_API_VERSION)?.ok_or_else(|| missing(H_API_VERSION))?;
    match api.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => {}
        _ => {
            return Err(bad_request(
                "Invalid value for header X-LIVEAGENT-API-VERSION",
            ))
        }
    }
    let mut out = Hdrs::default();
    if need.affinity() {
        out.affinity = header_str(h, H_AFFINITY)?
            .ok_or_else(|| missing(H_AFFINITY))?
            .to_string();
    }
    if need.key() {
        out.key = header_str(h, H_SESSION_KEY)?
            .ok_or_else(|| missing(H_SESSION_KEY))?
            .to_string();
    }
    match header_str(h, H_SEQUENCE)? {
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 1 => out.sequence = Some(n),
            _ => return Err(bad_request("Invalid value for header X-LIVEAGENT-SEQUENCE")),
        },
        None if need.sequence() => return Err(missing(H_SEQUENCE)),
        None => {}
    }
    Ok(out)
}

/// The live session the key names (403 for an unknown key or an ended session).
fn live_by_key<'a>(st: &'a mut State, key: &str) -> Result<&'a mut Session, Response> {
    st.session_by_key(key)
        .filter(|s| s.is_live())
        .ok_or_else(forbidden)
}

/// The id of the live session the key names, if its affinity is current.
fn live_session(st: &mut State, key: &str, affinity: &str) -> Result<String, Response> {
    let s = live_by_key(st, key)?;
    if s.affinity() != affinity {
        return Err(stale_affinity());
    }
    Ok(s.id().to_string())
}

/// `None` for an empty body, 400 for anything that is not JSON.
fn json_body(body: &Bytes) -> Result<Option<Value>, Response> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| bad_request(&format!("Request body is not valid JSON: {e}")))
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}
