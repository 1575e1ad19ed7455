//! `/_sim/...`: the control API for tests, tools and the agent console (JSON).

// Handlers return the finished error answer as `Err(Response)`; boxing it buys nothing here.
#![allow(clippy::result_large_err)]

use crate::base_url::base_url;
use crate::config::{JwkAlg, MiawDeployment, SettingsPatch, VERIFIED_ISSUER};
use crate::faults::{Fault, FaultSpec};
use crate::miaw::agent::{AgentAction, ConversationView, RichMessage};
use crate::miaw::identity::{self, IdentityClaims, TEST_KID};
use crate::state::{AppState, Conflict, RawAnswer, Session, SessionView, State};
use axum::body::Bytes;
use axum::extract::{Path, State as St};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sim/sessions", get(list_sessions))
        .route("/_sim/sessions/{id}", get(get_session))
        .route("/_sim/sessions/{id}/{action}", post(session_action))
        .route("/_sim/sessions/{id}/raw", post(raw_answer))
        .route("/_sim/buttons/{id}", put(put_button))
        .route("/_sim/faults", post(add_fault).get(list_faults))
        .route("/_sim/reset", post(reset))
        .route("/_sim/config", get(config))
        .route("/_sim/enhanced-chat", get(enhanced_chat_config))
        .route("/_sim/enhanced-chat/settings", post(enhanced_chat_settings))
        .route("/_sim/identity-token", post(identity_token))
        .route("/_sim/requests", get(requests))
        .route("/_sim/breadcrumbs", get(orphan_breadcrumbs))
}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({"error": msg}))).into_response()
}

fn not_found(what: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("no such {what}"))
}

fn conflict(c: Conflict) -> Response {
    error(StatusCode::CONFLICT, &c.0)
}

/// An empty body reads as `{}`.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    let text = if body.iter().all(|b| b.is_ascii_whitespace()) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")))
}

/// A Live Agent session or an Enhanced Chat conversation, as the control API shows it.
enum View {
    LiveAgent(SessionView),
    Miaw(ConversationView),
}

impl View {
    fn into_json(self) -> Value {
        match self {
            View::LiveAgent(v) => v.into_json(),
            View::Miaw(v) => v.into_json(),
        }
    }
}

async fn list_sessions(St(sh): St<AppState>) -> Response {
    let st = sh.lock();
    let mut views: Vec<(u64, View)> = st
        .chat_views()
        .into_iter()
        .map(|(order, v)| (order, View::LiveAgent(v)))
        .collect();
    views.extend(
        st.miaw
            .views()
            .into_iter()
            .map(|(order, v)| (order, View::Miaw(v))),
    );
    drop(st);
    views.sort_by_key(|(order, _)| *order);
    let list: Vec<Value> = views.into_iter().map(|(_, v)| v.into_json()).collect();
    Json(list).into_response()
}

async fn get_session(St(sh): St<AppState>, Path(id): Path<String>) -> Response {
    let st = sh.lock();
    let view = st
        .find_session(&id)
        .map(|s| View::LiveAgent(s.view()))
        .or_else(|| st.miaw.view(&id).map(View::Miaw));
    drop(st);
    match view {
        Some(view) => Json(view.into_json()).into_response(),
        None => not_found("session"),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AgentBody {
    agent_name: Option<String>,
    /// Enhanced Chat's accept: `Agent` (default) or `Chatbot`.
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
struct MessageBody {
    text: String,
}

#[derive(Deserialize)]
struct TypingBody {
    typing: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueBody {
    position: i64,
    estimated_wait_time: Option<i64>,
}

#[derive(Deserialize)]
struct CustomEventBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Deserialize, Default)]
struct EndBody {
    reason: Option<String>,
}

async fn session_action(
    St(sh): St<AppState>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let view = match act(&sh, &id, &action, &body, &base_url(&headers)) {
        Ok(view) => view,
        Err(r) => return r,
    };
    // The chat's held poll, woken by the action, needs the state lock (released by now) and
    // answers before this answer's JSON is built: on a long chat that JSON is large.
    tokio::task::yield_now().await;
    Json(view.into_json()).into_response()
}

/// Does a control action on a session under the state lock; the session as it is after it.
/// `base`: the simulator's base URL as the caller reached it (for the files of rich messages).
fn act(sh: &AppState, id: &str, action: &str, body: &Bytes, base: &str) -> Result<View, Response> {
    let mut st = sh.lock();
    let Some(id) = st.find_session(id).map(|s| s.id().to_string()) else {
        if st.miaw.has_conversation(id) {
            miaw_act(&mut st, id, action, body, base)?;
            return st
                .miaw
                .view(id)
                .map(View::Miaw)
                .ok_or_else(|| not_found("session"));
        }
        return Err(not_found("session"));
    };
    match action {
        "accept" => parse::<AgentBody>(body).and_then(|b| accept(&mut st, &id, b)),
        "message" => parse::<MessageBody>(body).and_then(|b| message(&mut st, &id, b)),
        "typing" => parse::<TypingBody>(body).and_then(|b| typing(&mut st, &id, b)),
        "transfer" => parse::<AgentBody>(body).and_then(|b| transfer(&mut st, &id, b)),
        "disconnect" => disconnect(&mut st, &id),
        "queue" => parse::<QueueBody>(body).and_then(|b| queue(&mut st, &id, b)),
        "custom-event" => {
            parse::<CustomEventBody>(body).and_then(|b| custom_event(&mut st, &id, b))
        }
        "end" => parse::<EndBody>(body).and_then(|b| end(&mut st, &id, b)),
        "affinity-change" => affinity(&mut st, &id),
        "idle-warning" => {
            parse::<IdleWarningBody>(body).and_then(|b| idle_warning(&mut st, &id, b))
        }
        _ => Err(not_found("action")),
    }?;
    st.session(&id)
        .map(|s| View::LiveAgent(s.view()))
        .ok_or_else(|| not_found("session"))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReceiptBody {
    message_id: Option<String>,
}

/// `rich`: `{"kind": preset, "count"?}` or `{"message": abstractMessage}`.
#[derive(Deserialize)]
struct RichBody {
    kind: Option<String>,
    count: Option<u64>,
    message: Option<Value>,
}

impl RichBody {
    fn into_message(self) -> Result<RichMessage, Response> {
        match (self.kind, self.message) {
            (Some(kind), None) => Ok(RichMessage::Preset {
                kind,
                count: self.count,
            }),
            (None, Some(m @ Value::Object(_))) => Ok(RichMessage::Message(m)),
            (None, Some(_)) => Err(error(
                StatusCode::BAD_REQUEST,
                "message must be an abstractMessage object",
            )),
            _ => Err(error(
                StatusCode::BAD_REQUEST,
                "give either \"kind\" (a preset) or \"message\" (an abstractMessage)",
            )),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UploadErrorBody {
    error_type: Option<String>,
}

/// The same actions on an Enhanced Chat conversation (`accept` with an optional
/// `"role": "Chatbot"`, `transfer` without `agentName` for a bot going back to the queue; `end`
/// ends the messaging session, not the conversation), plus receipts, `end-session` (by the
/// system), `close-conversation`, `inactivate`, `decline`, the expiry of the visitor's token,
/// rich messages (`rich`) and the failure of the next upload (`upload-error`).
fn miaw_act(
    st: &mut State,
    id: &str,
    action: &str,
    body: &Bytes,
    base: &str,
) -> Result<(), Response> {
    let agent_name = |b: AgentBody| {
        b.agent_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Agent".to_string())
    };
    let (accept_b, message_b, typing_b, transfer_b, queue_b, end_b, receipt_b, upload_error_b);
    let a = match action {
        "accept" => {
            let b = parse::<AgentBody>(body)?;
            let bot = match b.role.as_deref() {
                None | Some("Agent") => false,
                Some("Chatbot") => true,
                Some(_) => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "role must be \"Agent\" or \"Chatbot\"",
                    ))
                }
            };
            accept_b = agent_name(b);
            AgentAction::Accept {
                name: &accept_b,
                bot,
            }
        }
        "message" => {
            message_b = parse::<MessageBody>(body)?;
            AgentAction::Message(&message_b.text)
        }
        "typing" => {
            typing_b = parse::<TypingBody>(body)?;
            AgentAction::Typing(typing_b.typing)
        }
        "transfer" => {
            // Without agentName: a bot hands the conversation back to the queue.
            transfer_b = parse::<AgentBody>(body)?
                .agent_name
                .filter(|n| !n.trim().is_empty());
            AgentAction::Transfer(transfer_b.as_deref())
        }
        "disconnect" => AgentAction::Disconnect,
        "queue" => {
            queue_b = parse::<QueueBody>(body)?;
            AgentAction::Queue {
                position: queue_b.position,
                estimated_wait_time: queue_b.estimated_wait_time,
            }
        }
        "end" => {
            end_b = parse::<EndBody>(body)?;
            AgentAction::End(end_b.reason.as_deref())
        }
        "end-session" => AgentAction::EndSession,
        "close-conversation" => AgentAction::CloseConversation,
        "inactivate" => AgentAction::Inactivate,
        "decline" => AgentAction::Decline,
        "delivered" | "read" => {
            receipt_b = parse::<ReceiptBody>(body)?;
            AgentAction::Receipt {
                read: action == "read",
                message_id: receipt_b.message_id.as_deref(),
            }
        }
        "expire-token" => AgentAction::ExpireToken,
        "rich" => AgentAction::Rich {
            message: parse::<RichBody>(body)?.into_message()?,
            base,
        },
        "upload-error" => {
            upload_error_b = parse::<UploadErrorBody>(body)?
                .error_type
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| "InternalServerError".to_string());
            AgentAction::UploadError(&upload_error_b)
        }
        "custom-event" | "affinity-change" | "idle-warning" => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("{action} does not exist in Enhanced Chat"),
            ))
        }
        _ => return Err(not_found("action")),
    };
    st.miaw
        .agent_action(id, a)
        .map_err(|(status, msg)| error(status, &msg))
}

fn session<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Session, Response> {
    st.session_mut(id).ok_or_else(|| not_found("session"))
}

fn accept(st: &mut State, id: &str, b: AgentBody) -> Result<(), Response> {
    session(st, id)?;
    let name = b
        .agent_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Agent".to_string());
    st.accept(id, name).map_err(conflict)
}

fn message(st: &mut State, id: &str, b: MessageBody) -> Result<(), Response> {
    session(st, id)?.agent_message(b.text).map_err(conflict)
}

fn typing(st: &mut State, id: &str, b: TypingBody) -> Result<(), Response> {
    session(st, id)?.agent_typing(b.typing).map_err(conflict)
}

fn transfer(st: &mut State, id: &str, b: AgentBody) -> Result<(), Response> {
    let Some(name) = b.agent_name.filter(|n| !n.trim().is_empty()) else {
        return Err(error(StatusCode::BAD_REQUEST, "agentName is required"));
    };
    session(st, id)?.transfer(name).map_err(conflict)
}

fn disconnect(st: &mut State, id: &str) -> Result<(), Response> {
    session(st, id)?.disconnect_agent().map_err(conflict)
}

fn queue(st: &mut State, id: &str, b: QueueBody) -> Result<(), Response> {
    session(st, id)?
        .set_queue_position(b.position, b.estimated_wait_time)
        .map_err(conflict)
}

fn custom_event(st: &mut State, id: &str, b: CustomEventBody) -> Result<(), Response> {
    let data = match b.data {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    };
    session(st, id)?
        .agent_custom_event(b.kind, data)
        .map_err(conflict)
}

fn end(st: &mut State, id: &str, b: EndBody) -> Result<(), Response> {
    session(st, id)?;
    st.agent_end(id, b.reason).map_err(conflict)
}

#[derive(Deserialize)]
struct IdleWarningBody {
    /// `triggered` (default) or `cleared`.
    #[serde(default)]
    event: Option<String>,
}

/// ChasitorIdleTimeoutWarningEvent `{idleTimeoutWarningEvent: triggered|cleared}`.
fn idle_warning(st: &mut State, id: &str, b: IdleWarningBody) -> Result<(), Response> {
    let event = b.event.unwrap_or_else(|| "triggered".to_string());
    if event != "triggered" && event != "cleared" {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "event must be \"triggered\" or \"cleared\"",
        ));
    }
    session(st, id)?.idle_warning(&event).map_err(conflict)
}

fn affinity(st: &mut State, id: &str) -> Result<(), Response> {
    session(st, id)?.move_affinity().map_err(conflict)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBody {
    #[serde(default = "ok_status")]
    status: u16,
    body: String,
    content_type: Option<String>,
}

fn ok_status() -> u16 {
    200
}

/// `POST /_sim/sessions/{id}/raw {"status":200,"body":"…","contentType":"…"}`: the session's next
/// poll answers exactly this (a held poll at once), without moving the ack; the messages waiting
/// stay for the poll after it. Answers the number of raw answers queued.
async fn raw_answer(St(sh): St<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match parse::<RawBody>(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !(200..=599).contains(&b.status) {
        return error(StatusCode::BAD_REQUEST, "status must be from 200 to 599");
    }
    let mut st = sh.lock();
    let Some(id) = st.find_session(&id).map(|s| s.id().to_string()) else {
        return not_found("session");
    };
    let Some(s) = st.session_mut(&id) else {
        return not_found("session");
    };
    let raw = RawAnswer {
        status: b.status,
        content_type: b
            .content_type
            .unwrap_or_else(|| "application/json".to_string()),
        body: b.body,
    };
    match s.queue_raw_answer(raw) {
        Ok(queued) => Json(json!({"queued": queued})).into_response(),
        Err(c) => conflict(c),
    }
}

async fn put_button(St(sh): St<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let patch: Value = match parse(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(patch) = patch.as_object() else {
        return error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let available = match patch.get("available") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return error(StatusCode::BAD_REQUEST, "available must be true or false"),
    };
    let position = match patch.get("queuePosition") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => match v.as_i64() {
            Some(n) => Some(Some(n)),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "queuePosition must be a number or null",
                )
            }
        },
    };
    let ewt = match patch.get("estimatedWaitTime") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(n) => Some(n),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "estimatedWaitTime must be a number",
                )
            }
        },
    };
    let mut st = sh.lock();
    let Some(b) = st.find_button_mut(&id) else {
        return not_found("button");
    };
    if let Some(a) = available {
        b.available = a;
    }
    if let Some(p) = position {
        b.queue_position = p;
    }
    if let Some(e) = ewt {
        b.estimated_wait_time = e;
    }
    Json(json!({
        "id": b.id,
        "available": b.available,
        "queuePosition": b.queue_position,
        "estimatedWaitTime": b.estimated_wait_time,
    }))
    .into_response()
}

async fn add_fault(St(sh): St<AppState>, body: Bytes) -> Response {
    let spec: FaultSpec = match parse(&body) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fault = match Fault::from_spec(spec) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    match sh.lock().faults.add(fault) {
        Ok(out) => Json(out).into_response(),
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

async fn list_faults(St(sh): St<AppState>) -> Response {
    let list = sh.lock().faults.to_json();
    Json(list).into_response()
}

async fn reset(St(sh): St<AppState>) -> Response {
    sh.lock().reset(sh.cfg.orgs.clone(), sh.cfg.miaw.clone());
    Json(json!({"ok": true})).into_response()
}

async fn config(St(sh): St<AppState>) -> Response {
    let st = sh.lock();
    let Some(org) = st.orgs().first() else {
        return Json(json!({"orgId": null, "deploymentId": null, "buttons": []})).into_response();
    };
    let buttons: Vec<Value> = org
        .buttons
        .iter()
        .map(|b| json!({"id": b.id, "available": b.available}))
        .collect();
    Json(json!({
        "orgId": org.id,
        "deploymentId": org.deployments.first(),
        "buttons": buttons,
    }))
    .into_response()
}

/// `GET /_sim/enhanced-chat`: the Enhanced Chat deployments a client uses.
async fn enhanced_chat_config(St(sh): St<AppState>) -> Response {
    let st = sh.lock();
    let list: Vec<Value> = st
        .miaw
        .deployments()
        .iter()
        .map(MiawDeployment::summary)
        .collect();
    Json(list).into_response()
}

/// `POST /_sim/enhanced-chat/settings` `{esDeveloperName, orgId?, tokenLifetimeSeconds?,
/// verifiedTokenLifetimeSeconds?, tokenRateLimitPerMinute?, allowTranscriptDownload?}`: changes a
/// deployment until `POST /_sim/reset`; answers it as `GET /_sim/enhanced-chat` shows it.
async fn enhanced_chat_settings(St(sh): St<AppState>, body: Bytes) -> Response {
    let patch = match parse::<SettingsPatch>(&body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let changed = sh.lock().miaw.change_settings(&patch);
    match changed {
        Ok(Some(summary)) => Json(summary).into_response(),
        Ok(None) => not_found("Enhanced Chat deployment"),
        Err(e) => error(StatusCode::BAD_REQUEST, &e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdentityTokenBody {
    sub: String,
    iss: Option<String>,
    expires_in_seconds: Option<f64>,
    kid: Option<String>,
    alg: Option<JwkAlg>,
}

/// `POST /_sim/identity-token` `{sub, iss?, expiresInSeconds?, kid?, alg?}` → `{"token"}`: an
/// identity token signed with the **test** key, as a site's own server would sign one (defaults:
/// the `Chasitor_Verified` deployment's issuer, 1 h, the test key's kid, RS256).
async fn identity_token(body: Bytes) -> Response {
    let b = match parse::<IdentityTokenBody>(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let expires_in_seconds = b.expires_in_seconds.unwrap_or(3600.0);
    if !expires_in_seconds.is_finite() {
        return error(StatusCode::BAD_REQUEST, "expiresInSeconds must be a number");
    }
    let claims = IdentityClaims {
        sub: b.sub,
        iss: b.iss.unwrap_or_else(|| VERIFIED_ISSUER.to_string()),
        expires_in_seconds,
        kid: b.kid.unwrap_or_else(|| TEST_KID.to_string()),
        alg: b.alg.unwrap_or(JwkAlg::RS256),
    };
    match identity::sign(&claims, crate::ids::now_ms() / 1000) {
        Ok(token) => Json(json!({"token": token})).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn requests(St(sh): St<AppState>) -> Response {
    let list = sh.lock().requests_json();
    Json(list).into_response()
}

async fn orphan_breadcrumbs(St(sh): St<AppState>) -> Response {
    let list = sh.lock().orphan_breadcrumbs_json();
    Json(list).into_response()
}
