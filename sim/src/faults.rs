//! Fault injection for /chat/rest and Enhanced Chat requests (`POST /_sim/faults`).

use crate::ids;
use crate::state::{EndedBy, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The session moves to a new affinity token; the request gets 503.
    AffinityChange,
    /// 409 and the chat ends, as if a second long poll had been opened.
    DuplicatePoll,
    /// 500 without processing the request.
    ServerError,
    /// 400 without processing the request: the server refuses it (a malformed message, say).
    BadRequest,
    /// The connection closes without any HTTP answer.
    Drop,
    /// The request is handled normally after `ms` milliseconds.
    Delay,
    /// Enhanced Chat stream only: the stream's first event is sent twice with the same id.
    DuplicateEvent,
    /// Enhanced Chat only: the request's access token expires now; the request gets 401.
    TokenExpired,
}

impl FaultKind {
    /// Faults that act on the request's session only match requests of a live session.
    fn needs_session(self) -> bool {
        matches!(self, FaultKind::AffinityChange | FaultKind::DuplicatePoll)
    }

    /// Faults that only exist for the Enhanced Chat API.
    fn miaw_only(self) -> bool {
        matches!(self, FaultKind::DuplicateEvent | FaultKind::TokenExpired)
    }
}

/// The body of `POST /_sim/faults`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub kind: FaultKind,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub ms: Option<u64>,
    #[serde(default)]
    pub path: Option<String>,
}

/// A pending fault rule.
#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: FaultKind,
    pub remaining: u32,
    pub ms: u64,
    /// Normalised resource path prefix (`/System/Messages`), without `/chat/rest`.
    pub path: Option<String>,
}

impl Fault {
    pub fn from_spec(spec: FaultSpec) -> Result<Fault, String> {
        let count = spec.count.unwrap_or(1);
        if count == 0 {
            return Err("count must be at least 1".into());
        }
        let path = spec.path.map(|p| normalize_path(&p)).filter(|p| p != "/");
        Ok(Fault {
            kind: spec.kind,
            remaining: count,
            ms: spec.ms.unwrap_or(0),
            path,
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "count": self.remaining,
            "ms": self.ms,
            "path": self.path,
        })
    }

    fn matches_path(&self, rel_path: &str) -> bool {
        match &self.path {
            None => true,
            Some(p) => {
                rel_path == p
                    || rel_path
                        .strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }
}

/// `/chat/rest/System/Messages`, `System/Messages/` and `/System/Messages` all become
/// `/System/Messages`.
pub fn normalize_path(p: &str) -> String {
    let p = p.trim();
    let p = p.strip_prefix("/chat/rest").unwrap_or(p);
    let p = p.trim_end_matches('/');
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

/// What the request gets instead of (or before) normal handling.
pub enum FaultAction {
    None,
    Delay(Duration),
    ServerError,
    BadRequest,
    Drop,
    /// 503 after the session moved to a new affinity.
    AffinityChanged,
    /// 409 after the chat ended.
    DuplicatePoll,
}

/// Takes the first pending fault matching this request (one use of its count) and applies its
/// effect on the session. `session` is the request's session id when it names a known session.
pub fn take(state: &mut State, rel_path: &str, session: Option<&str>) -> FaultAction {
    let live = session
        .and_then(|id| state.sessions.get(id))
        .is_some_and(|s| s.is_live());
    let Some((kind, ms)) = take_first(state, |f| {
        !f.kind.miaw_only() && (live || !f.kind.needs_session()) && f.matches_path(rel_path)
    }) else {
        return FaultAction::None;
    };
    match kind {
        FaultKind::Delay => FaultAction::Delay(Duration::from_millis(ms)),
        FaultKind::ServerError => FaultAction::ServerError,
        FaultKind::BadRequest => FaultAction::BadRequest,
        FaultKind::Drop => FaultAction::Drop,
        FaultKind::AffinityChange => {
            if let Some(s) = session.and_then(|id| state.sessions.get_mut(id)) {
                change_affinity(s);
            }
            FaultAction::AffinityChanged
        }
        FaultKind::DuplicatePoll => {
            if let Some(id) = session {
                state.end_session(id, EndedBy::DuplicatePoll);
            }
            FaultAction::DuplicatePoll
        }
        FaultKind::DuplicateEvent | FaultKind::TokenExpired => FaultAction::None,
    }
}

/// Uses one count of the first pending fault `wanted` accepts.
fn take_first(state: &mut State, wanted: impl Fn(&Fault) -> bool) -> Option<(FaultKind, u64)> {
    let i = state.faults.iter().position(wanted)?;
    let fault = &mut state.faults[i];
    fault.remaining = fault.remaining.saturating_sub(1);
    let taken = (fault.kind, fault.ms);
    if fault.remaining == 0 {
        state.faults.remove(i);
    }
    Some(taken)
}

/// What an Enhanced Chat request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiawFault {
    Delay(Duration),
    ServerError,
    BadRequest,
    /// No answer; on the stream: cut after the first event.
    Drop,
    DuplicateEvent,
    TokenExpired,
}

/// Takes the first pending fault matching an Enhanced Chat request. `has_token`: the request
/// carries a token the server issued (`token_expired` needs one); `is_stream`: the event stream
/// (`duplicate_event` needs it).
pub fn take_miaw(
    state: &mut State,
    path: &str,
    has_token: bool,
    is_stream: bool,
) -> Option<MiawFault> {
    let (kind, ms) = take_first(state, |f| {
        let applies = match f.kind {
            FaultKind::AffinityChange | FaultKind::DuplicatePoll => false,
            FaultKind::DuplicateEvent => is_stream,
            FaultKind::TokenExpired => has_token,
            _ => true,
        };
        applies && f.matches_path(path)
    })?;
    Some(match kind {
        FaultKind::Delay => MiawFault::Delay(Duration::from_millis(ms)),
        FaultKind::ServerError => MiawFault::ServerError,
        FaultKind::BadRequest => MiawFault::BadRequest,
        FaultKind::Drop => MiawFault::Drop,
        FaultKind::DuplicateEvent => MiawFault::DuplicateEvent,
        FaultKind::TokenExpired => MiawFault::TokenExpired,
        FaultKind::AffinityChange | FaultKind::DuplicatePoll => return None,
    })
}

/// Moves a session to a new affinity token: every request with the old one (held polls too)
/// gets 503 until the client reconnects.
pub fn change_affinity(s: &mut crate::state::Session) {
    let mut token = ids::affinity_token();
    while token == s.affinity {
        token = ids::affinity_token();
    }
    s.affinity = token;
    s.bump();
}
