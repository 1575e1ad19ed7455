//! System resources: SessionId, its DELETE, ReconnectSession and the long poll (Messages).

use super::{
    bad_request, check_headers, duplicate_poll, forbidden, live_by_key, ok, stale_affinity, text,
    Answer, Need, SessionTag,
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

pub(super) async fn session_id(St(sh): St<AppState>, headers: HeaderMap) -> Answer {
    check_headers(&headers, Need::SessionStart)?;
    let mut st = sh.lock();
    if st.live_sessions() >= sh.cfg.max_live_sessions {
        return Err(text(StatusCode::INTERNAL_SERVER_ERROR, "Too many sessions"));
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
    Ok(resp)
}

pub(super) async fn delete_session(
    St(sh): St<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let hdrs = check_headers(&headers, Need::SessionStart)?;
    let mut st = sh.lock();
    let s = live_by_key(&mut st, &key)?;
    if hdrs.affinity != "null" && hdrs.affinity != s.affinity() {
        return Err(stale_affinity());
    }
    let id = s.id().to_string();
    st.end_session(&id, EndedBy::Deleted);
    Ok(ok())
}

pub(super) async fn reconnect_session(
    St(sh): St<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let hdrs = check_headers(&headers, Need::SessionGet)?;
    let offset = match q.get("ReconnectSession.offset").map(|v| v.trim()) {
        None | Some("") => 0,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n,
            Err(_) => return Err(bad_request("Invalid value for ReconnectSession.offset")),
        },
    };
    let token = live_by_key(&mut sh.lock(), &hdrs.key)?.reconnect(offset);
    Ok(Json(json!({
        "messages": [{
            "type": "ReconnectSession",
            "message": {"resetSequence": true, "affinityToken": token}
        }]
    }))
    .into_response())
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
) -> Answer {
    let hdrs = check_headers(&headers, Need::SessionGet)?;
    let ack = match q.get("ack").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(bad_request("Invalid value for ack")),
        None => return Err(bad_request("Missing required query parameter ack")),
    };
    let (id, held, mut guard) = {
        let mut st = sh.lock();
        let Some(id) = st.id_for_key(&hdrs.key).cloned() else {
            return Err(forbidden());
        };
        let held = match st.take_poll(&id, &hdrs.affinity, ack) {
            Ok(held) => held,
            Err(answer) => return Ok(poll_answer(answer)),
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
            return Ok(poll_answer(answer));
        }
    }
}
