//! What the engine does with the answers to its control GETs and its POSTs.

use super::{
    ChatState, Control, EndReason, Engine, EngineError, Event, Millis, Outcome, Outgoing,
    Reconnect, SessionInfo,
};
use crate::live_agent::wire::{MessagesResponse, ServerMessage, SessionIdResponse};

/// An outcome, sorted by what to do about it.
pub(super) enum Answer {
    /// 2xx, with the body.
    Ok(String),
    /// 503: the affinity changed.
    Reconnect,
    /// 403: the session is no longer valid.
    Invalid,
    /// 409: a duplicate long poll.
    Duplicate,
    /// Network error or 5xx: the request may be retried after a wait. `seen` when the server
    /// answered (the outcome is known: it failed).
    Transient { problem: String, seen: bool },
    /// The driver (or the engine) gave up waiting.
    TimedOut,
    /// Any other status: retrying will not help.
    Refused { status: u16, body: String },
}

impl Answer {
    pub(super) fn of(outcome: Outcome) -> Answer {
        match outcome {
            Outcome::Http { status, body } => match status {
                200..=299 => Answer::Ok(body),
                503 => Answer::Reconnect,
                403 => Answer::Invalid,
                409 => Answer::Duplicate,
                // A gateway (a relay, a proxy) answered for a server it could not reach or that
                // did not answer in time: whether the server took the request is unknown.
                502 | 504 => Answer::Transient {
                    problem: format!("HTTP {status} from a gateway"),
                    seen: false,
                },
                500..=599 | 408 | 429 => Answer::Transient {
                    problem: format!("HTTP {status}"),
                    seen: true,
                },
                _ => Answer::Refused { status, body },
            },
            Outcome::Network(detail) => Answer::Transient {
                problem: format!("network error: {detail}"),
                seen: false,
            },
            Outcome::TimedOut => Answer::TimedOut,
        }
    }
}

/// A short, log-safe excerpt of an answer body.
pub(super) fn excerpt(body: &str) -> String {
    let mut s: String = body.chars().take(200).collect();
    if s.len() < body.len() {
        s.push('…');
    }
    s
}

impl Engine {
    // ----- SessionId and ReconnectSession -----

    pub(super) fn control_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(control) = self.control.want else {
            return;
        };
        let what = match control {
            Control::SessionId => "SessionId",
            Control::ReconnectSession => "ReconnectSession",
        };
        match (control, Answer::of(outcome)) {
            (Control::SessionId, Answer::Ok(body)) => match SessionIdResponse::from_json(&body) {
                Ok(s) => self.session_created(s),
                Err(e) => self.control_retry(what, e.to_string(), now, rand),
            },
            (Control::ReconnectSession, Answer::Ok(body)) => {
                let token = MessagesResponse::from_json(&body)
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        r.messages
                            .into_iter()
                            .find_map(|m| match m {
                                ServerMessage::ReconnectSession(r) => Some(r),
                                _ => None,
                            })
                            .ok_or_else(|| "no ReconnectSession message in the answer".to_string())
                    });
                match token {
                    Ok(r) => self.reconnected(r.affinity_token, r.reset_sequence.0),
                    Err(detail) => self.control_retry(what, detail, now, rand),
                }
            }
            // No session to reconnect before SessionId: a 503 there is just a busy server.
            (Control::SessionId, Answer::Reconnect) => {
                self.control_retry(what, "HTTP 503".into(), now, rand)
            }
            (Control::ReconnectSession, Answer::Reconnect) => {
                self.control_retry(what, "HTTP 503".into(), now, rand)
            }
            (_, Answer::Transient { problem, .. }) => self.control_retry(what, problem, now, rand),
            (_, Answer::TimedOut) => self.control_retry(what, "timed out".into(), now, rand),
            (Control::ReconnectSession, Answer::Invalid) => self.finish(EndReason::SessionInvalid),
            (Control::ReconnectSession, Answer::Duplicate) => self.finish(EndReason::DuplicatePoll),
            (Control::SessionId, Answer::Invalid) => self.refused(what, 403, String::new()),
            (Control::SessionId, Answer::Duplicate) => self.refused(what, 409, String::new()),
            (_, Answer::Refused { status, body }) => self.refused(what, status, body),
        }
    }

    fn refused(&mut self, what: &str, status: u16, body: String) {
        self.emit(Event::Error(EngineError::UnexpectedStatus {
            resource: what.to_string(),
            status,
            body: excerpt(&body),
        }));
        self.finish(EndReason::Error(format!(
            "{what} was refused (HTTP {status})"
        )));
    }

    fn control_retry(&mut self, what: &str, problem: String, now: Millis, rand: u32) {
        let paused = self.suspended();
        match self
            .control
            .retry
            .fail_unless_paused(paused, now, self.cfg.retry_budget_ms, rand)
        {
            Some(wait) => {
                self.control.retry_at = Some(now + wait);
                self.emit(Event::Error(EngineError::Retrying {
                    resource: what.to_string(),
                    problem,
                    retry_in_ms: wait,
                }));
            }
            None => self.give_up(format!("{what} failed: {problem}"), now),
        }
    }

    fn session_created(&mut self, s: SessionIdResponse) {
        let body = self.init_body(&s.id);
        self.session = Some(SessionInfo {
            client_poll_timeout: s.poll_timeout_secs(),
            id: s.id,
            key: s.key,
            affinity: s.affinity_token,
        });
        self.control.want = None;
        self.control.retry.succeed();
        self.outbox.push_front(Outgoing::Init { body });
        self.set_base(ChatState::Initialising);
    }

    fn reconnected(&mut self, affinity: String, reset_sequence: bool) {
        if let Some(s) = self.session.as_mut() {
            s.affinity = affinity;
        }
        if reset_sequence {
            self.outbox.next_seq = 1;
        }
        self.control.want = None;
        self.control.retry.succeed();
        // A new server: its acks start afresh; the offset told it where we are.
        self.poll.ack = -1;
        self.poll.active = true;
        self.poll.retry.succeed();
        self.reconnect = Some(Reconnect::AwaitingSessionData);
        self.sync_state();
    }

    // ----- POSTs -----

    pub(super) fn post_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(post) = self.outbox.current.clone() else {
            return;
        };
        let ends = post.contains_end();
        let what = format!("{:?}", post.resource());
        match Answer::of(outcome) {
            Answer::Ok(_) => self.post_confirmed(),
            Answer::Reconnect => self.start_reconnect(),
            // A ChatEnd refused because the chat is already over still ends it as asked.
            Answer::Invalid if ends => self.finish(EndReason::Visitor),
            Answer::Invalid => self.finish(EndReason::SessionInvalid),
            Answer::Duplicate if ends => self.finish(EndReason::Visitor),
            Answer::Duplicate => self.finish(EndReason::DuplicatePoll),
            Answer::Transient { problem, seen } => {
                if seen {
                    // The server answered: it has this sequence. The retry is a new request.
                    if let Some(p) = self.outbox.current.as_mut() {
                        p.sequence = None;
                    }
                }
                self.post_retry(&what, problem, ends, now, rand);
            }
            Answer::TimedOut => self.post_retry(&what, "timed out".into(), ends, now, rand),
            Answer::Refused { status, body } => {
                self.outbox.current = None;
                self.outbox.retry.succeed();
                self.emit(Event::Error(EngineError::UnexpectedStatus {
                    resource: what.clone(),
                    status,
                    body: excerpt(&body),
                }));
                let ids = post.message_ids();
                if !ids.is_empty() {
                    for &local_id in &ids {
                        self.emit(Event::VisitorMessage {
                            local_id,
                            status: super::Delivery::Failed,
                        });
                    }
                    self.emit(Event::Error(EngineError::Rejected { local_ids: ids }));
                }
                if ends {
                    self.finish(EndReason::Visitor);
                } else if post
                    .items
                    .iter()
                    .any(|i| matches!(i, Outgoing::Init { .. }))
                {
                    self.finish(EndReason::Error(format!(
                        "the chat request was refused (HTTP {status})"
                    )));
                } else if post.items.contains(&Outgoing::Resync) {
                    // Nothing better to do than to carry on with the new affinity.
                    self.reconnect = None;
                    self.sync_state();
                }
            }
        }
    }

    fn post_retry(&mut self, what: &str, problem: String, ends: bool, now: Millis, rand: u32) {
        let paused = self.suspended();
        match self
            .outbox
            .retry
            .fail_unless_paused(paused, now, self.cfg.retry_budget_ms, rand)
        {
            Some(wait) => {
                self.outbox.retry_at = Some(now + wait);
                self.emit(Event::Error(EngineError::Retrying {
                    resource: what.to_string(),
                    problem,
                    retry_in_ms: wait,
                }));
            }
            None if ends => self.finish(EndReason::Visitor),
            None => self.give_up(format!("{what} failed: {problem}"), now),
        }
    }

    fn post_confirmed(&mut self) {
        let Some(post) = self.outbox.current.take() else {
            return;
        };
        self.outbox.retry.succeed();
        let mut ended = false;
        for item in post.items {
            match item {
                Outgoing::Init { .. } => {
                    self.poll.active = true;
                }
                Outgoing::Resync => {
                    if self.reconnect == Some(Reconnect::Resyncing) {
                        self.reconnect = None;
                        self.sync_state();
                    }
                }
                Outgoing::Message { local_id, .. } => {
                    self.confirmed_messages += 1;
                    self.emit(Event::VisitorMessage {
                        local_id,
                        status: super::Delivery::Sent,
                    });
                }
                Outgoing::End => ended = true,
                Outgoing::CustomEvent { .. } | Outgoing::Typing(_) | Outgoing::SneakPeek { .. } => {
                }
            }
        }
        if ended {
            self.finish(EndReason::Visitor);
        }
    }
}
