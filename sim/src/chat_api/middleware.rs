//! The /chat/rest middleware (faults and the request log; its `LogGuard` also serves Enhanced
//! Chat's) and `--log` (every path).

use super::{duplicate_poll, stale_affinity, text, DropConnection, SessionTag, H_SESSION_KEY};
use crate::faults::FaultAction;
use crate::ids;
use crate::state::{AppState, RequestLogEntry};
use axum::extract::{Request, State as St};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

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
