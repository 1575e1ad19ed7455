//! `/chat/rest/...`: the visitor side of the Chat REST API.

// Handlers return the finished error answer as `Err(Response)`; boxing it buys nothing here.
#![allow(clippy::result_large_err)]

use crate::config::same_id;
use crate::faults::FaultAction;
use crate::ids;
use crate::state::{
    AppState, ChasitorInit, EndedBy, PollAnswer, RawAnswer, RequestLogEntry, State,
};
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as St};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

pub const H_API_VERSION: &str = "x-liveagent-api-version";
pub const H_AFFINITY: &str = "x-liveagent-affinity";
pub const H_SESSION_KEY: &str = "x-liveagent-session-key";
pub const H_SEQUENCE: &str = "x-liveagent-sequence";

pub const CHATEND_INVALID: &str =
    "Request is not a valid ChatEnd - ChatEnd requires a non-null value on the reason property";

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

/// A raw answer queued by the control API, as it was given.
fn raw_answer(raw: RawAnswer) -> Response {
    let status = StatusCode::from_u16(raw.status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, raw.content_type)], raw.body).into_response()
}

fn poll_answer(answer: PollAnswer) -> Response {
    match answer {
        PollAnswer::Forbidden => forbidden(),
        PollAnswer::StaleAffinity => stale_affinity(),
        PollAnswer::DuplicatePoll => duplicate_poll(),
        PollAnswer::OutOfSync(msg) => text(StatusCode::CONFLICT, &msg),
        PollAnswer::Raw(raw) => raw_answer(raw),
        PollAnswer::Messages(batch) => Json(batch).into_response(),
        PollAnswer::NoContent => StatusCode::NO_CONTENT.into_response(),
    }
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

#[derive(Clone, Copy)]
struct Need {
    affinity: bool,
    key: bool,
    sequence: bool,
}

const VISITOR: Need = Need {
    affinity: false,
    key: false,
    sequence: false,
};
const SESSION_START: Need = Need {
    affinity: true,
    key: false,
    sequence: false,
};
const SESSION_GET: Need = Need {
    affinity: true,
    key: true,
    sequence: false,
};
const SESSION_POST: Need = Need {
    affinity: true,
    key: true,
    sequence: true,
};

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
    if need.affinity {
        out.affinity = header_str(h, H_AFFINITY)?
            .ok_or_else(|| missing(H_AFFINITY))?
            .to_string();
    }
    if need.key {
        out.key = header_str(h, H_SESSION_KEY)?
            .ok_or_else(|| missing(H_SESSION_KEY))?
            .to_string();
    }
    match header_str(h, H_SEQUENCE)? {
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 1 => out.sequence = Some(n),
            _ => return Err(bad_request("Invalid value for header X-LIVEAGENT-SEQUENCE")),
        },
        None if need.sequence => return Err(missing(H_SEQUENCE)),
        None => {}
    }
    Ok(out)
}

/// The id of the live session the key names, if its affinity is current.
fn live_session(st: &State, key: &str, affinity: &str) -> Result<String, Response> {
    let id = st.id_for_key(key).ok_or_else(forbidden)?;
    let s = st.session(id).ok_or_else(forbidden)?;
    if !s.is_live() {
        return Err(forbidden());
    }
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

// ---------------------------------------------------------------------------------------------
// Session start and end

async fn session_id(St(sh): St<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = check_headers(&headers, SESSION_START) {
        return r;
    }
    let mut st = sh.lock();
    if st.live_sessions() >= sh.cfg.max_live_sessions {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "Too many sessions");
    }
    let s = st.create_session();
    let timeout = sh.cfg.hold.as_secs_f64().ceil() as u64 + 10;
    let timeout = if sh.cfg.client_poll_timeout_as_string {
        json!(timeout.to_string())
    } else {
        json!(timeout)
    };
    let body = json!({
        "id": s.id(),
        "key": s.key(),
        "affinityToken": s.affinity(),
        "clientPollTimeout": timeout,
    });
    let mut resp = Json(body).into_response();
    resp.extensions_mut().insert(SessionTag(s.id().to_string()));
    resp
}

async fn delete_session(
    St(sh): St<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let hdrs = match check_headers(&headers, SESSION_START) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut st = sh.lock();
    let Some(s) = st.session_by_key(&key) else {
        return forbidden();
    };
    if !s.is_live() {
        return forbidden();
    }
    if hdrs.affinity != "null" && hdrs.affinity != s.affinity() {
        return stale_affinity();
    }
    let id = s.id().to_string();
    st.end_session(&id, EndedBy::Deleted);
    ok()
}

async fn reconnect_session(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let hdrs = match check_headers(&headers, SESSION_GET) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let offset = match q.get("ReconnectSession.offset").map(|v| v.trim()) {
        None | Some("") => 0,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n,
            Err(_) => return bad_request("Invalid value for ReconnectSession.offset"),
        },
    };
    let mut st = sh.lock();
    let Some(s) = st.session_by_key(&hdrs.key) else {
        return forbidden();
    };
    if !s.is_live() {
        return forbidden();
    }
    let token = s.reconnect(offset);
    Json(json!({
        "messages": [{
            "type": "ReconnectSession",
            "message": {"resetSequence": true, "affinityToken": token}
        }]
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Long poll

/// Counts a held poll; gives it back when the poll answers or its connection goes away.
struct PollGuard {
    sh: AppState,
    id: String,
    armed: bool,
}

impl PollGuard {
    fn release(&mut self, st: &mut State) {
        if self.armed {
            self.armed = false;
            if let Some(s) = st.session_mut(&self.id) {
                s.poll_closed();
            }
        }
    }
}

impl Drop for PollGuard {
    fn drop(&mut self) {
        if self.armed {
            let sh = self.sh.clone();
            let mut st = sh.lock();
            self.release(&mut st);
        }
    }
}

async fn messages(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let hdrs = match check_headers(&headers, SESSION_GET) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let ack = match q.get("ack").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) => n,
        Some(Err(_)) => return bad_request("Invalid value for ack"),
        None => return bad_request("Missing required query parameter ack"),
    };
    let (id, held, mut guard) = {
        let mut st = sh.lock();
        let Some(id) = st.id_for_key(&hdrs.key).cloned() else {
            return forbidden();
        };
        let held = match st.take_poll(&id, &hdrs.affinity, ack) {
            Ok(held) => held,
            Err(answer) => return poll_answer(answer),
        };
        let guard = PollGuard {
            sh: sh.clone(),
            id: id.clone(),
            armed: true,
        };
        (id, held, guard)
    };
    let mut rx = held.changed;
    let deadline = tokio::time::Instant::now() + sh.cfg.hold;
    loop {
        let changed = tokio::time::timeout_at(deadline, rx.changed()).await;
        let hold_over = changed.is_err();
        let mut st = sh.lock();
        let answer = match changed {
            // The session is gone (reset).
            Ok(Err(_)) => Some(PollAnswer::Forbidden),
            _ => st.poll_wake(&id, &hdrs.affinity, held.epoch, hold_over),
        };
        if let Some(answer) = answer {
            guard.release(&mut st);
            return poll_answer(answer);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visitor POSTs

/// A visitor POST, validated.
enum Noun {
    Init(Box<ChasitorInit>),
    Resync,
    Typing,
    NotTyping,
    SneakPeek(String),
    Message(String),
    CustomEvent,
    End(String),
}

const NOUNS: [&str; 8] = [
    "ChasitorInit",
    "ChasitorResyncState",
    "ChasitorTyping",
    "ChasitorNotTyping",
    "ChasitorSneakPeek",
    "ChatMessage",
    "CustomEvent",
    "ChatEnd",
];

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

fn parse_noun(name: &str, body: Option<&Value>) -> Result<Noun, Response> {
    let invalid = |what: &str| {
        bad_request(&format!(
            "Request is not a valid {name} - {name} requires {what}"
        ))
    };
    let obj = body.filter(|b| b.is_object());
    match name {
        "ChasitorInit" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let field = |f: &str| {
                str_field(b, f)
                    .map(str::to_string)
                    .ok_or_else(|| invalid(&format!("a non-null value on the {f} property")))
            };
            let (org_id, deployment_id, button_id, session_id) = (
                field("organizationId")?,
                field("deploymentId")?,
                field("buttonId")?,
                field("sessionId")?,
            );
            Ok(Noun::Init(Box::new(ChasitorInit {
                visitor_name: str_field(b, "visitorName").map(str::to_string),
                prechat_details: b
                    .get("prechatDetails")
                    .filter(|v| v.is_array())
                    .cloned()
                    .unwrap_or_else(|| json!([])),
                receive_queue_updates: b
                    .get("receiveQueueUpdates")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                org_id,
                deployment_id,
                button_id,
                overrides: b
                    .get("buttonOverrides")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                is_post: b.get("isPost").and_then(Value::as_bool).unwrap_or(false),
                session_id,
            })))
        }
        "ChasitorResyncState" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            str_field(b, "organizationId")
                .ok_or_else(|| invalid("a non-null value on the organizationId property"))?;
            Ok(Noun::Resync)
        }
        "ChasitorTyping" => Ok(Noun::Typing),
        "ChasitorNotTyping" => Ok(Noun::NotTyping),
        "ChasitorSneakPeek" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let t = str_field(b, "text")
                .ok_or_else(|| invalid("a non-null value on the text property"))?;
            Ok(Noun::SneakPeek(t.to_string()))
        }
        "ChatMessage" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let t = str_field(b, "text")
                .ok_or_else(|| invalid("a non-null value on the text property"))?;
            Ok(Noun::Message(t.to_string()))
        }
        "CustomEvent" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            str_field(b, "type").ok_or_else(|| invalid("a non-null value on the type property"))?;
            Ok(Noun::CustomEvent)
        }
        "ChatEnd" => {
            let b = obj.ok_or_else(|| bad_request(CHATEND_INVALID))?;
            match (str_field(b, "type"), str_field(b, "reason")) {
                (Some("ChatEndReason"), Some(reason)) => Ok(Noun::End(reason.to_string())),
                _ => Err(bad_request(CHATEND_INVALID)),
            }
        }
        _ => Err(text(StatusCode::NOT_FOUND, "Not Found")),
    }
}

/// Applies validated nouns of one request (a single POST or a MultiNoun) in order.
fn process(
    st: &mut State,
    id: &str,
    sequence: Option<i64>,
    nouns: Vec<(String, Value, Noun)>,
) -> Response {
    let Some(s) = st.session_mut(id) else {
        return forbidden();
    };
    let resync_only = nouns.iter().all(|(_, _, n)| matches!(n, Noun::Resync));
    if !resync_only {
        if let Some(seq) = sequence {
            if s.already_processed(seq) {
                // Already processed: acknowledged, not processed twice.
                return ok();
            }
        }
        let needs_agent = nouns
            .iter()
            .any(|(_, _, n)| matches!(n, Noun::Message(_) | Noun::CustomEvent));
        if needs_agent && !s.is_established() {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "java.lang.NullPointerException: the chat is not established",
            );
        }
        if let Some(seq) = sequence {
            s.mark_processed(seq);
        }
    }
    for (kind, body, noun) in nouns {
        let live = st.session(id).is_some_and(|s| s.is_live());
        if !live {
            break;
        }
        apply_noun(st, id, sequence, kind, body, noun);
    }
    ok()
}

fn apply_noun(
    st: &mut State,
    id: &str,
    sequence: Option<i64>,
    kind: String,
    body: Value,
    noun: Noun,
) {
    let Some(s) = st.session_mut(id) else {
        return;
    };
    s.record_received(sequence, &kind, body);
    match noun {
        Noun::Init(init) => st.chasitor_init(id, *init),
        Noun::Resync => {}
        Noun::Typing => s.set_visitor_typing(true),
        Noun::NotTyping => s.set_visitor_typing(false),
        Noun::SneakPeek(t) => s.sneak_peek(t),
        Noun::Message(t) => s.visitor_message(t),
        Noun::CustomEvent => {}
        Noun::End(reason) => st.visitor_end(id, reason),
    }
}

async fn chasitor(
    St(sh): St<AppState>,
    Path(noun): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !NOUNS.contains(&noun.as_str()) {
        return not_found().await;
    }
    let need = if noun == "ChasitorResyncState" {
        SESSION_GET
    } else {
        SESSION_POST
    };
    let hdrs = match check_headers(&headers, need) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut st = sh.lock();
    let id = match live_session(&st, &hdrs.key, &hdrs.affinity) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let parsed = match parse_noun(&noun, body.as_ref()) {
        Ok(n) => n,
        Err(r) => return r,
    };
    process(
        &mut st,
        &id,
        hdrs.sequence,
        vec![(noun, body.unwrap_or(Value::Null), parsed)],
    )
}

async fn multi_noun(St(sh): St<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let hdrs = match check_headers(&headers, SESSION_POST) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut st = sh.lock();
    let id = match live_session(&st, &hdrs.key, &hdrs.affinity) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = match json_body(&body) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return bad_request("Request is not a valid MultiNoun - MultiNoun requires a body")
        }
        Err(r) => return r,
    };
    let Some(list) = body.get("nouns").and_then(Value::as_array) else {
        return bad_request(
            "Request is not a valid MultiNoun - MultiNoun requires a non-null value on the nouns property",
        );
    };
    // Every noun is validated before any is applied: a bad noun rejects the whole batch.
    let mut nouns = Vec::with_capacity(list.len());
    for wrapper in list {
        let Some(noun) = str_field(wrapper, "noun") else {
            return bad_request(
                "Request is not a valid MultiNoun - each noun requires a noun property",
            );
        };
        let prefix = str_field(wrapper, "prefix").unwrap_or("Chasitor");
        if prefix != "Chasitor" || noun == "ChasitorInit" || !NOUNS.contains(&noun) {
            return bad_request(&format!(
                "Request is not a valid MultiNoun - unsupported noun {prefix}/{noun}"
            ));
        }
        // The guide's example calls the payload `object`; its NounWrapper type calls it `data`
        // (possibly a JSON string).
        let payload = match (wrapper.get("object"), wrapper.get("data")) {
            (Some(o), _) if !o.is_null() => Some(o.clone()),
            (_, Some(Value::String(s))) => match serde_json::from_str::<Value>(s) {
                Ok(v) => Some(v),
                Err(e) => return bad_request(&format!("Noun data is not valid JSON: {e}")),
            },
            (_, Some(d)) if !d.is_null() => Some(d.clone()),
            _ => None,
        };
        let parsed = match parse_noun(noun, payload.as_ref()) {
            Ok(n) => n,
            Err(r) => return r,
        };
        nouns.push((noun.to_string(), payload.unwrap_or(Value::Null), parsed));
    }
    process(&mut st, &id, hdrs.sequence, nouns)
}

// ---------------------------------------------------------------------------------------------
// Visitor resources

fn envelope(kind: &str, message: Value) -> Response {
    Json(json!({"messages": [{"type": kind, "message": message}]})).into_response()
}

/// The org and deployment of a Visitor request, or the answer (400, SwitchServer).
fn visitor_org(st: &State, q: &HashMap<String, String>) -> Result<String, Response> {
    let org_id = q
        .get("org_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request("Missing required query parameter org_id"))?;
    let deployment = q
        .get("deployment_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request("Missing required query parameter deployment_id"))?;
    let org = st
        .find_org(org_id)
        .ok_or_else(|| bad_request("Invalid org_id"))?;
    if let Some(url) = &org.switch_server_url {
        return Err(envelope("SwitchServer", json!({"newUrl": url})));
    }
    if !org.deployments.iter().any(|d| same_id(d, deployment)) {
        return Err(bad_request("Invalid deployment_id"));
    }
    Ok(org.id.clone())
}

/// `[a,b]`, `a,b` or `["a","b"]`.
fn id_list(v: &str) -> Vec<String> {
    v.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn wants_ewt(q: &HashMap<String, String>, name: &str) -> bool {
    q.get(name)
        .is_some_and(|v| v.trim() == "1" || v.trim() == "true")
}

async fn settings(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_headers(&headers, VISITOR) {
        return r;
    }
    let ping_rate_ms = sh.cfg.ping_rate.as_millis() as f64;
    let st = sh.lock();
    let org_id = match visitor_org(&st, &q) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Some(org) = st.find_org(&org_id) else {
        return bad_request("Invalid org_id");
    };
    let ewt = wants_ewt(&q, "Settings.needEstimatedWaitTime");
    let wanted = q.get("Settings.buttonIds").map(|v| id_list(v));
    let buttons: Vec<Value> = org
        .buttons
        .iter()
        .filter(|b| {
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|id| same_id(id, &b.id)))
        })
        .map(|b| {
            let mut v = json!({"id": b.id, "type": b.button_type});
            if let Some(lang) = &b.language {
                v["language"] = json!(lang);
            }
            if b.available {
                v["isAvailable"] = json!(true);
                if ewt {
                    v["estimatedWaitTime"] = json!(b.estimated_wait_time);
                }
            }
            v
        })
        .collect();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    envelope(
        "Settings",
        json!({
            "pingRate": ping_rate_ms,
            "contentServerUrl": format!("http://{host}/content"),
            "buttons": buttons,
        }),
    )
}

async fn availability(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_headers(&headers, VISITOR) {
        return r;
    }
    let st = sh.lock();
    let org_id = match visitor_org(&st, &q) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Some(ids) = q.get("Availability.ids").map(|v| id_list(v)) else {
        return bad_request("Missing required query parameter Availability.ids");
    };
    let ewt = wants_ewt(&q, "Availability.needEstimatedWaitTime");
    let org = st.find_org(&org_id);
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            let button = org.and_then(|o| o.buttons.iter().find(|b| same_id(&b.id, id)));
            match button {
                Some(b) if b.available => {
                    let mut v = json!({"id": id, "isAvailable": true});
                    if ewt {
                        v["estimatedWaitTime"] = json!(b.estimated_wait_time);
                    }
                    v
                }
                // Offline (or unknown): no isAvailable field at all.
                _ => json!({"id": id}),
            }
        })
        .collect();
    envelope("Availability", json!({"results": results}))
}

async fn visitor_id(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_headers(&headers, VISITOR) {
        return r;
    }
    let st = sh.lock();
    if let Err(r) = visitor_org(&st, &q) {
        return r;
    }
    envelope("VisitorId", json!({"sessionId": ids::uuid()}))
}

async fn breadcrumb(St(sh): St<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let hdrs = match check_headers(&headers, VISITOR) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(location) = body.as_ref().and_then(|b| str_field(b, "location")) else {
        return bad_request(
            "Request is not a valid Breadcrumb - Breadcrumb requires a non-null value on the location property",
        );
    };
    let location = location.to_string();
    let mut st = sh.lock();
    // With a session key, the breadcrumb goes to that chat's agent (NewVisitorBreadcrumb);
    // without one it is kept in a short list (`GET /_sim/breadcrumbs`).
    let key = header_str(&headers, H_SESSION_KEY).ok().flatten();
    match key
        .and_then(|k| st.session_by_key(k))
        .filter(|s| s.is_live())
    {
        Some(s) => {
            s.add_breadcrumb(location);
            s.record_received(hdrs.sequence, "Breadcrumb", body.unwrap_or(Value::Null));
        }
        None => st.add_orphan_breadcrumb(location),
    }
    ok()
}

// ---------------------------------------------------------------------------------------------
// Middleware: faults and the request log

/// Writes the request log entry when the request finishes, or with status 0 if it never does
/// (the client went away, or the drop fault).
pub(crate) struct LogGuard {
    sh: AppState,
    entry: Option<RequestLogEntry>,
}

impl LogGuard {
    pub(crate) fn new(sh: AppState, entry: RequestLogEntry) -> LogGuard {
        LogGuard {
            sh,
            entry: Some(entry),
        }
    }

    pub(crate) fn finish(&mut self, status: u16, session: Option<String>) {
        if let Some(mut e) = self.entry.take() {
            e.status = status;
            if session.is_some() {
                e.session = session;
            }
            self.sh.lock().log_request(e);
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some(e) = self.entry.take() {
            self.sh.lock().log_request(e);
        }
    }
}

pub async fn middleware(St(sh): St<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let rel = path.strip_prefix("/chat/rest").unwrap_or(&path).to_string();
    let key = match req
        .headers()
        .get(H_SESSION_KEY)
        .and_then(|v| v.to_str().ok())
    {
        Some(k) => Some(k.trim().to_string()),
        None if req.method() == Method::DELETE => {
            rel.strip_prefix("/System/SessionId/").map(str::to_string)
        }
        None => None,
    };
    let (session, action) = {
        let mut st = sh.lock();
        let session = key.and_then(|k| st.id_for_key(&k).cloned());
        let action = st.take_fault(&rel, session.as_deref());
        (session, action)
    };
    let mut log = LogGuard::new(
        sh.clone(),
        RequestLogEntry {
            method: req.method().to_string(),
            path,
            query: req.uri().query().map(str::to_string),
            status: 0,
            session,
            at_ms: ids::now_ms(),
        },
    );
    let resp = match action {
        FaultAction::None => next.run(req).await,
        FaultAction::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        FaultAction::ServerError => {
            text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        FaultAction::BadRequest => text(StatusCode::BAD_REQUEST, "Bad Request"),
        FaultAction::Drop => {
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut().insert(DropConnection);
            r
        }
        FaultAction::AffinityChanged => stale_affinity(),
        FaultAction::DuplicatePoll => duplicate_poll(),
    };
    let status = if resp.extensions().get::<DropConnection>().is_some() {
        0
    } else {
        resp.status().as_u16()
    };
    let tag = resp.extensions().get::<SessionTag>().map(|t| t.0.clone());
    log.finish(status, tag);
    resp
}

/// `--log`: one line per request (all paths).
pub async fn print_log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let line = match req.uri().query() {
        Some(q) => format!("{} {}?{}", req.method(), req.uri().path(), q),
        None => format!("{} {}", req.method(), req.uri().path()),
    };
    struct Pending(Option<(String, Instant)>);
    impl Drop for Pending {
        fn drop(&mut self) {
            if let Some((line, start)) = self.0.take() {
                println!(
                    "{line} -> closed by client after {} ms",
                    start.elapsed().as_millis()
                );
            }
        }
    }
    let mut pending = Pending(Some((line, start)));
    let resp = next.run(req).await;
    if let Some((line, start)) = pending.0.take() {
        let status = if resp.extensions().get::<DropConnection>().is_some() {
            "dropped (no answer)".to_string()
        } else {
            resp.status().as_u16().to_string()
        };
        println!("{line} -> {status} in {} ms", start.elapsed().as_millis());
    }
    resp
}
