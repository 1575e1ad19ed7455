//! Fault injection for /chat/rest and Enhanced Chat requests (`POST /_sim/faults`): the rules and
//! which request takes one. It depends on no other part of the simulator; the effects of a fault on a
//! session (a new affinity, the end of the chat) are the state's (`State::take_fault`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// Pending fault rules.
pub const FAULTS_CAP: usize = 1_000;

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
    /// Enhanced Chat only: 429 `Too many requests` with `Retry-After: 1`, without processing the
    /// request (as the deployment's rate limit answers).
    RateLimited,
}

impl FaultKind {
    /// Faults that act on the request's session only match requests of a live session.
    fn needs_session(self) -> bool {
        matches!(self, FaultKind::AffinityChange | FaultKind::DuplicatePoll)
    }

    /// Faults that only exist for the Enhanced Chat API.
    fn miaw_only(self) -> bool {
        matches!(
            self,
            FaultKind::DuplicateEvent | FaultKind::TokenExpired | FaultKind::RateLimited
        )
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
    /// Normalised resource path prefix (`/System/Messages`), without `/chat/rest`; `*` segments
    /// match any segment.
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

    /// `path` is a prefix by whole segments; a segment `*` (or `{anything}`, as the README writes
    /// a path's parameters) matches any one segment: `/iamessage/api/v2/conversation/*/file`
    /// matches every conversation's upload route.
    fn matches_path(&self, rel_path: &str) -> bool {
        let Some(p) = &self.path else {
            return true;
        };
        let mut want = p.split('/');
        let mut have = rel_path.split('/');
        loop {
            match (want.next(), have.next()) {
                (None, _) => return true,
                (Some(_), None) => return false,
                (Some(w), Some(h)) => {
                    let any = w == "*" || (w.len() > 2 && w.starts_with('{') && w.ends_with('}'));
                    if !(w == h || (any && !h.is_empty())) {
                        return false;
                    }
                }
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
    RateLimited,
}

/// The pending fault rules, in the order they were added.
#[derive(Default)]
pub struct Faults(Vec<Fault>);

impl Faults {
    /// Adds a rule; its JSON, or why not.
    pub fn add(&mut self, fault: Fault) -> Result<Value, &'static str> {
        if self.0.len() >= FAULTS_CAP {
            return Err("too many pending faults");
        }
        let out = fault.to_json();
        self.0.push(fault);
        Ok(out)
    }

    /// The pending rules, for `GET /_sim/faults`.
    pub fn to_json(&self) -> Value {
        Value::Array(self.0.iter().map(Fault::to_json).collect())
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Takes the first pending fault matching a /chat/rest request (one use of its count).
    /// `live_session`: the request names a live session (the faults acting on a session need one).
    /// The caller applies the effect on the session.
    pub fn take(&mut self, rel_path: &str, live_session: bool) -> FaultAction {
        let Some((kind, ms)) = self.take_first(|f| {
            !f.kind.miaw_only()
                && (live_session || !f.kind.needs_session())
                && f.matches_path(rel_path)
        }) else {
            return FaultAction::None;
        };
        match kind {
            FaultKind::Delay => FaultAction::Delay(Duration::from_millis(ms)),
            FaultKind::ServerError => FaultAction::ServerError,
            FaultKind::BadRequest => FaultAction::BadRequest,
            FaultKind::Drop => FaultAction::Drop,
            FaultKind::AffinityChange => FaultAction::AffinityChanged,
            FaultKind::DuplicatePoll => FaultAction::DuplicatePoll,
            FaultKind::DuplicateEvent | FaultKind::TokenExpired | FaultKind::RateLimited => {
                FaultAction::None
            }
        }
    }

    /// Takes the first pending fault matching an Enhanced Chat request. `has_token`: the request
    /// carries a token the server issued (`token_expired` needs one); `is_stream`: the event
    /// stream (`duplicate_event` needs it).
    pub fn take_miaw(&mut self, path: &str, has_token: bool, is_stream: bool) -> Option<MiawFault> {
        let (kind, ms) = self.take_first(|f| {
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
            FaultKind::RateLimited => MiawFault::RateLimited,
            FaultKind::AffinityChange | FaultKind::DuplicatePoll => return None,
        })
    }

    /// Uses one count of the first pending fault `wanted` accepts.
    fn take_first(&mut self, wanted: impl Fn(&Fault) -> bool) -> Option<(FaultKind, u64)> {
        let i = self.0.iter().position(wanted)?;
        let fault = &mut self.0[i];
        fault.remaining = fault.remaining.saturating_sub(1);
        let taken = (fault.kind, fault.ms);
        if fault.remaining == 0 {
            self.0.remove(i);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(path: &str) -> Fault {
        Fault::from_spec(FaultSpec {
            kind: FaultKind::Drop,
            count: None,
            ms: None,
            path: Some(path.to_string()),
        })
        .unwrap()
    }

    #[test]
    fn paths_match_by_whole_segments_with_wildcards() {
        let conv = "/iamessage/api/v2/conversation";
        let upload = "/iamessage/api/v2/conversation/0f1e2d3c-0000-4000-8000-000000000000/file";
        assert!(fault(conv).matches_path(upload));
        assert!(fault(&format!("{conv}/*/file")).matches_path(upload));
        assert!(fault(&format!("{conv}/{{id}}/file")).matches_path(upload));
        assert!(!fault(&format!("{conv}/*/file")).matches_path(&format!("{conv}/x/message")));
        assert!(!fault(&format!("{conv}/*/file")).matches_path(conv));
        assert!(!fault("/iamessage/api/v2/conv").matches_path(upload));
        assert!(fault("System/Messages").matches_path("/System/Messages"));
        assert!(!fault("/System/Messages").matches_path("/System/MessagesX"));
        assert!(fault("/Chasitor").matches_path("/Chasitor/ChatMessage"));
    }
}
