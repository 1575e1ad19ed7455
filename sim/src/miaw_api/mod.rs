//! The visitor side of the Enhanced Chat API: `/iamessage/api/v2/...` and
//! `/eventrouter/v1/sse`, with the fault and request-log middleware and CORS: the HTTP face of the
//! conversations kept in [`crate::miaw`]. The event stream is `sse.rs`; reading a request's
//! bearer token and answering a refusal, which both need, `auth.rs`; the visitor's uploads and
//! the files the simulator serves, `files.rs` (with the `multipart/form-data` reader of
//! `multipart.rs`).

mod auth;
mod files;
mod multipart;
mod sse;

pub use files::files_router;

use crate::base_url::base_url;
use crate::chat_api::{DropConnection, LogGuard};
use crate::faults::MiawFault;
use crate::ids;
use crate::miaw::access::Issued;
use crate::miaw::state::{HistoryQuery, Miaw, Reject, HISTORY_PAGE_MAX, LIST_MAX};
use crate::state::{AppState, RequestLogEntry, State};
use auth::{bearer, reject};
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as St};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sse::StreamFault;
use std::collections::HashMap;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub const API: &str = "/iamessage/api/v2";
pub const SSE_PATH: &str = "/eventrouter/v1/sse";

/// The routes with their middleware and, when any origin is allowed, CORS.
pub fn router(sh: &AppState) -> Router<AppState> {
    let conv = |p: &str| format!("{API}/conversation{p}");
    let mut r = Router::new()
        .route(
            &format!("{API}/authorization/unauthenticated/access-token"),
            post(access_token),
        )
        .route(
            &format!("{API}/authorization/authenticated/access-token"),
            post(verified_access_token).delete(revoke),
        )
        .route(
            &format!("{API}/authorization/continuation-access-token"),
            get(continuation),
        )
        .route(&conv(""), post(create))
        .route(&conv("/list"), get(list))
        .route(&conv("/{id}"), get(routing_status).delete(close))
        .route(&conv("/{id}/session"), delete(end_session))
        .route(&conv("/{id}/message"), post(message))
        .route(&conv("/{id}/file"), post(files::upload))
        .route(&conv("/{id}/entry"), post(entry))
        .route(&conv("/{id}/acknowledge-entries"), post(acknowledge))
        .route(&conv("/{id}/entries"), get(entries))
        .route(&conv("/{id}/transcript"), get(transcript))
        .route(SSE_PATH, get(sse::stream))
        // Unknown paths under the API's prefixes and known paths with another method: a JSON
        // 404, never an empty one or a 405 (a router-level fallback would also catch the Live
        // Agent API's and the static files' paths once merged: the prefixes do it instead).
        .route("/iamessage", any(not_found))
        .route("/iamessage/{*rest}", any(not_found))
        .route("/eventrouter", any(not_found))
        .route("/eventrouter/{*rest}", any(not_found))
        .method_not_allowed_fallback(not_found)
        .layer(from_fn_with_state(sh.clone(), middleware));
    if let Some(cors) = cors(sh) {
        r = r.layer(cors);
    }
    r
}

/// Enhanced Chat's CORS: the origins of every deployment's allowlist and `--cors-origin`; `None`
/// when there are none.
fn cors(sh: &AppState) -> Option<CorsLayer> {
    let origins = allowed_origins(sh);
    (!origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            // Salesforce's sample client reads the stream with fetch and these headers
            // (Cache-Control and Accept among them: Accept is CORS-safelisted, Cache-Control is
            // not, so its preflight asks for it).
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::CACHE_CONTROL,
                HeaderName::from_static("last-event-id"),
                HeaderName::from_static("x-org-id"),
            ])
            .max_age(Duration::from_secs(600))
    })
}

/// The origins of every deployment's allowlist, and `--cors-origin`.
fn allowed_origins(sh: &AppState) -> Vec<HeaderValue> {
    let mut list: Vec<String> = sh
        .cfg
        .miaw
        .iter()
        .flat_map(|d| d.allowed_origins.iter().cloned())
        .chain(sh.cfg.cors_origin.clone())
        .collect();
    list.sort();
    list.dedup();
    list.iter()
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                eprintln!("chasitor-sim: ignoring invalid allowed origin {o:?}");
                None
            }
        })
        .collect()
}

async fn not_found() -> Response {
    reject(Reject::new(StatusCode::NOT_FOUND, "Not Found"))
}

fn json_body(body: &Bytes) -> Result<Value, Reject> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Reject::bad("The body must be a JSON object")),
        Err(e) => Err(Reject::bad(format!("The body is not valid JSON: {e}"))),
    }
}

/// The visitor of a valid bearer token, counted against the rate limit (401, 429).
fn visitor(st: &mut State, h: &HeaderMap) -> Result<String, Reject> {
    let v = st.miaw.authenticate(bearer(h))?;
    st.miaw.check_rate(&v)?;
    Ok(v)
}

fn answer(result: Result<Value, Reject>, status: StatusCode) -> Response {
    match result {
        Ok(v) => (status, Json(v)).into_response(),
        Err(r) => reject(r),
    }
}

fn empty(result: Result<(), Reject>, status: StatusCode) -> Response {
    match result {
        Ok(()) => status.into_response(),
        Err(r) => reject(r),
    }
}

fn token_answer(st: &State, i: Issued, with_context: bool) -> Value {
    let mut v = json!({"accessToken": i.token, "lastEventId": i.last_event_id.to_string()});
    if with_context {
        v["context"] = json!({
            "deviceId": i.device_id,
            "endUser": {"subject": i.subject, "role": "EndUser"},
            "configuration": {
                "embeddedServiceConfig": st.miaw.deployment(i.dep).embedded_service_config(),
            },
        });
    }
    v
}

/// A token request: `issue` (anonymous or verified) on the JSON body; the answer with its context.
fn token_request(
    sh: &AppState,
    body: &Bytes,
    issue: fn(&mut Miaw, &Value) -> Result<Issued, Reject>,
) -> Response {
    let result = json_body(body).and_then(|b| {
        let mut st = sh.lock();
        let issued = issue(&mut st.miaw, &b)?;
        Ok(token_answer(&st, issued, true))
    });
    answer(result, StatusCode::OK)
}

async fn access_token(St(sh): St<AppState>, body: Bytes) -> Response {
    token_request(&sh, &body, Miaw::issue_token)
}

/// `POST …/authorization/authenticated/access-token`: a verified user's token (User
/// Verification: the site's identity token in `customerIdentityToken`).
async fn verified_access_token(St(sh): St<AppState>, body: Bytes) -> Response {
    token_request(&sh, &body, Miaw::issue_verified_token)
}

/// `DELETE …/authorization/authenticated/access-token`: revokes the bearer token (a verified
/// user's logout).
async fn revoke(St(sh): St<AppState>, headers: HeaderMap) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|_| st.miaw.revoke(bearer(&headers)));
    empty(result, StatusCode::NO_CONTENT)
}

async fn continuation(St(sh): St<AppState>, headers: HeaderMap) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|_| {
        let issued = st.miaw.continuation(bearer(&headers).unwrap_or_default())?;
        Ok(token_answer(&st, issued, false))
    });
    answer(result, StatusCode::OK)
}

async fn create(St(sh): St<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|v| {
        let b = json_body(&body)?;
        let order = st.next_order();
        st.miaw.create_conversation(&v, order, &b)
    });
    answer(result, StatusCode::CREATED)
}

async fn routing_status(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|v| st.miaw.routing_status(&v, &id));
    answer(result, StatusCode::OK)
}

async fn message(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_url(&headers);
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers)
        .and_then(|v| st.miaw.visitor_message(&v, &id, &json_body(&body)?, &base));
    answer(result, StatusCode::ACCEPTED)
}

async fn entry(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = sh.lock();
    let result =
        visitor(&mut st, &headers).and_then(|v| st.miaw.visitor_entry(&v, &id, &json_body(&body)?));
    empty(result, StatusCode::ACCEPTED)
}

async fn acknowledge(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = sh.lock();
    let result =
        visitor(&mut st, &headers).and_then(|v| st.miaw.visitor_acks(&v, &id, &json_body(&body)?));
    empty(result, StatusCode::ACCEPTED)
}

/// For the routes naming their deployment in the query (`?esDeveloperName=`): the visitor of a
/// valid bearer token (401, 429), then `f` with it and the name.
fn with_es_name<T>(
    sh: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    f: impl FnOnce(&mut Miaw, &str, Option<&str>) -> Result<T, Reject>,
) -> Result<T, Reject> {
    let mut st = sh.lock();
    let v = visitor(&mut st, headers)?;
    f(
        &mut st.miaw,
        &v,
        q.get("esDeveloperName").map(String::as_str),
    )
}

async fn close(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let result = with_es_name(&sh, &headers, &q, |m, v, es| m.visitor_close(v, &id, es));
    empty(result, StatusCode::NO_CONTENT)
}

async fn end_session(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let result = with_es_name(&sh, &headers, &q, |m, v, es| {
        m.visitor_end_session(v, &id, es)
    });
    empty(result, StatusCode::NO_CONTENT)
}

/// `GET …/conversation/{id}/transcript?esDeveloperName=`: the transcript as a PDF download.
async fn transcript(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match with_es_name(&sh, &headers, &q, |m, v, es| m.transcript_pdf(v, &id, es)) {
        Ok(pdf) => {
            let disposition = format!("attachment; filename=\"transcript-{id}.pdf\"");
            let headers = [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ];
            (headers, pdf).into_response()
        }
        Err(r) => reject(r),
    }
}

fn number<T: std::str::FromStr>(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, Reject> {
    q.get(name)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| Reject::bad(format!("{name} must be a number")))
        })
        .transpose()
}

/// `limit`: 1..=50 (default 20; larger values are capped at 50).
fn limit(q: &HashMap<String, String>, max: usize) -> Result<usize, Reject> {
    match number::<usize>(q, "limit")? {
        None => Ok(20),
        Some(0) => Err(Reject::bad("limit must be at least 1")),
        Some(n) => Ok(n.min(max)),
    }
}

async fn list(
    St(sh): St<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|v| {
        let include_closed = match q.get("inclClosedConvs").map(String::as_str) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(Reject::bad("inclClosedConvs must be true or false")),
        };
        Ok(st.miaw.list(&v, include_closed, limit(&q, LIST_MAX)?))
    });
    answer(result, StatusCode::OK)
}

async fn entries(
    St(sh): St<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut st = sh.lock();
    let result = visitor(&mut st, &headers).and_then(|v| {
        let from_start = match q.get("direction").map(String::as_str) {
            None | Some("FromEnd") => false,
            Some("FromStart") => true,
            Some(_) => return Err(Reject::bad("direction must be FromEnd or FromStart")),
        };
        let query = HistoryQuery {
            limit: limit(&q, HISTORY_PAGE_MAX)?,
            start: number(&q, "startTimestamp")?,
            end: number(&q, "endTimestamp")?,
            from_start,
            types: q
                .get("entryTypeFilter")
                .filter(|t| !t.is_empty())
                .map(|t| t.split(',').map(|s| s.trim().to_string()).collect()),
        };
        st.miaw.history(&v, &id, &query)
    });
    answer(result, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------------
// Middleware: faults and the request log

/// The conversation id in a path, for the request log.
fn conversation_in(path: &str) -> Option<String> {
    let rest = path.strip_prefix(&format!("{API}/conversation/"))?;
    let id = rest.split('/').next()?;
    (id != "list" && !id.is_empty()).then(|| id.to_string())
}

pub async fn middleware(St(sh): St<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_stream = path == SSE_PATH;
    let token = bearer(req.headers()).map(str::to_string);
    let fault = {
        let mut st = sh.lock();
        let visitor = token.as_deref().and_then(|t| st.miaw.token_visitor(t));
        let fault = st.faults.take_miaw(&path, visitor.is_some(), is_stream);
        if let (Some(MiawFault::TokenExpired), Some(v)) = (fault, &visitor) {
            st.miaw.expire_tokens(v);
        }
        fault
    };
    let mut log = LogGuard::new(
        sh.clone(),
        RequestLogEntry {
            method: req.method().to_string(),
            path: path.clone(),
            query: req.uri().query().map(str::to_string),
            status: 0,
            session: conversation_in(&path),
            at_ms: ids::now_ms(),
        },
    );
    let resp = match fault {
        None => next.run(req).await,
        Some(MiawFault::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(MiawFault::ServerError) => reject(Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        )),
        Some(MiawFault::BadRequest) => reject(Reject::bad("Bad Request")),
        Some(MiawFault::TokenExpired) => reject(Reject::unauthorized()),
        Some(MiawFault::RateLimited) => {
            let mut r = Reject::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            r.retry_after = Some(1);
            reject(r)
        }
        Some(MiawFault::Drop) if is_stream => {
            req.extensions_mut().insert(StreamFault::Drop);
            next.run(req).await
        }
        Some(MiawFault::Drop) => {
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut().insert(DropConnection);
            r
        }
        Some(MiawFault::DuplicateEvent) => {
            req.extensions_mut().insert(StreamFault::DuplicateEvent);
            next.run(req).await
        }
    };
    let status = if resp.extensions().get::<DropConnection>().is_some() {
        0
    } else {
        resp.status().as_u16()
    };
    log.finish(status, None);
    resp
}
