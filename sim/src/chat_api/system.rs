//! System resources: SessionId, its DELETE, ReconnectSession and the long poll (Messages).

use super::{
    bad_request, check_headers, duplicate_poll, forbidden, ok, stale_affinity, text, SessionTag,
    SESSION_GET, SESSION_START,
};
use crate::state::{AppState, EndedBy, PollAnswer, RawAnswer, State};
use axum::extract::{Path, Query, State as St};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;

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

pub(super) async fn session_id(St(sh): St<AppState>, headers: HeaderMap) -> Response {
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

pub(super) async fn delete_session(
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

pub(super) async fn reconnect_session(
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

pub(super) async fn messages(
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
