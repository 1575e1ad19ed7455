//! `GET /eventrouter/v1/sse`: one visitor's event stream. Events come from the visitor's log
//! (rising ids), so a stream that reconnects with `Last-Event-Id` gets exactly what it missed.
//! Idle streams get a keep-alive comment every `keepalive`.

use super::auth::{bearer, reject};
use crate::config::same_id;
use crate::miaw::state::{Event, Reject};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State as St;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::watch;

/// A fault for the stream a request opens (set by the fault middleware).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFault {
    /// Cut the connection after the first event (mid-way through the next one, if it is there).
    Drop,
    /// Send the first event twice, with the same id.
    DuplicateEvent,
}

/// Counts the stream as open while it lives.
struct OpenStream {
    sh: AppState,
    visitor: String,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.sh.lock().miaw.close_stream(&self.visitor);
    }
}

struct Streaming {
    open: OpenStream,
    rx: watch::Receiver<u64>,
    last_sent: u64,
    keepalive: Duration,
    pending: VecDeque<Bytes>,
    fault: Option<StreamFault>,
    /// After the pending chunks, end with an error: the connection is cut.
    cut: bool,
    done: bool,
}

fn frame(e: &Event) -> String {
    format!("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.name, e.data)
}

impl Streaming {
    /// Queues the events not sent yet; false when the visitor is gone.
    fn fill(&mut self) -> bool {
        let events = {
            let st = self.open.sh.lock();
            st.miaw.events_after(&self.open.visitor, self.last_sent)
        };
        let Some(events) = events else {
            return false;
        };
        let mut iter = events.iter();
        if let (Some(fault), Some(first)) = (self.fault, events.first()) {
            iter.next();
            let f = frame(first);
            self.pending.push_back(Bytes::from(f.clone()));
            self.last_sent = first.id;
            self.fault = None;
            match fault {
                StreamFault::DuplicateEvent => self.pending.push_back(Bytes::from(f)),
                StreamFault::Drop => {
                    if let Some(next) = iter.next() {
                        let f = frame(next);
                        let half = f.len() / 2;
                        let cut_at = (0..=half)
                            .rev()
                            .find(|i| f.is_char_boundary(*i))
                            .unwrap_or(0);
                        self.pending.push_back(Bytes::from(f[..cut_at].to_string()));
                    }
                    self.cut = true;
                    return true;
                }
            }
        }
        for e in iter {
            self.pending.push_back(Bytes::from(frame(e)));
            self.last_sent = e.id;
        }
        true
    }

    async fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(Ok(chunk));
            }
            if self.done {
                return None;
            }
            if self.cut {
                // Let the server write what was sent so far (it flushes while the body waits),
                // then cut the connection without ending the chunked body.
                tokio::time::sleep(Duration::from_millis(10)).await;
                self.done = true;
                return Some(Err(std::io::Error::other("stream cut by the drop fault")));
            }
            // Mark the current version seen before reading the log, so an event appended after
            // the read wakes the wait below.
            self.rx.borrow_and_update();
            if !self.fill() {
                return None;
            }
            if !self.pending.is_empty() || self.cut {
                continue;
            }
            match tokio::time::timeout(self.keepalive, self.rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return None,
                Err(_) => return Some(Ok(Bytes::from_static(b": ping\n\n"))),
            }
        }
    }
}

/// Checks a stream request and registers the stream: its visitor, where it starts and its wake-up
/// receiver. 401 without a valid token, 429 beyond the rate limit, 400 without `X-Org-Id` or with
/// a bad `Last-Event-Id`, 403 when `X-Org-Id` is not the token's org.
fn open(sh: &AppState, headers: &HeaderMap) -> Result<(String, u64, watch::Receiver<u64>), Reject> {
    let mut st = sh.lock();
    let visitor = st.miaw.authenticate(bearer(headers))?;
    st.miaw.check_rate(&visitor)?;
    let org = headers
        .get("x-org-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Reject::bad("Missing required header X-Org-Id"))?;
    if !same_id(org, st.miaw.visitor_org(&visitor)) {
        return Err(Reject::new(
            StatusCode::FORBIDDEN,
            "X-Org-Id is not the organization of the access token",
        ));
    }
    let last = match headers.get("last-event-id").map(|v| v.to_str()) {
        None => st.miaw.last_event_id(&visitor),
        Some(Ok(v)) if v.trim().is_empty() => st.miaw.last_event_id(&visitor),
        Some(Ok(v)) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| Reject::bad("Last-Event-Id must be an event id"))?,
        Some(Err(_)) => return Err(Reject::bad("Last-Event-Id must be an event id")),
    };
    let rx = st
        .miaw
        .open_stream(&visitor)
        .ok_or_else(Reject::unauthorized)?;
    Ok((visitor, last, rx))
}

/// `GET /eventrouter/v1/sse`.
pub async fn stream(
    St(sh): St<AppState>,
    headers: HeaderMap,
    fault: Option<Extension<StreamFault>>,
) -> Response {
    let (visitor, last_sent, rx) = match open(&sh, &headers) {
        Ok(v) => v,
        Err(r) => return reject(r),
    };
    let streaming = Streaming {
        open: OpenStream {
            sh: sh.clone(),
            visitor,
        },
        rx,
        last_sent,
        keepalive: sh.cfg.keepalive,
        pending: VecDeque::from([Bytes::from_static(b": connected\n\n")]),
        fault: fault.map(|Extension(f)| f),
        cut: false,
        done: false,
    };
    let body = futures_util::stream::unfold(streaming, |mut s| async move {
        s.next_chunk().await.map(|chunk| (chunk, s))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
