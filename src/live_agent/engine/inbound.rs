//! The long poll's answers and the server messages they carry.

use super::answers::{excerpt, Answer};
use super::{
    ChatState, Delivery, EndReason, Engine, EngineError, Event, Millis, Outcome, Outgoing,
    Reconnect,
};
use crate::live_agent::wire::{
    known_wait_seconds, ChasitorSessionData, IdleTimeoutWarningEvent, MessagesResponse,
    ServerMessage, TranscriptEntryType,
};

impl Engine {
    pub(super) fn poll_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        match Answer::of(outcome) {
            Answer::Ok(body) if body.trim().is_empty() => self.poll.retry.succeed(),
            Answer::Ok(body) => match MessagesResponse::from_json(&body) {
                Ok(answer) => {
                    self.poll.retry.succeed();
                    self.delivered(answer);
                }
                Err(e) => {
                    self.emit(Event::Error(EngineError::BadResponse {
                        resource: "Messages".into(),
                        detail: e.to_string(),
                    }));
                    self.poll_retry("bad answer".into(), now, rand);
                }
            },
            Answer::Reconnect => self.start_reconnect(),
            Answer::Invalid => self.finish(EndReason::SessionInvalid),
            Answer::Duplicate => self.finish(EndReason::DuplicatePoll),
            Answer::Transient { problem, .. } => self.poll_retry(problem, now, rand),
            // A dead poll is replaced at once (within the retry budget).
            Answer::TimedOut => {
                if self.suspended() {
                    self.poll.retry.fail_paused(rand);
                } else if !self.poll.retry.fail_now(now, self.cfg.retry_budget_ms) {
                    self.give_up("Messages: the long poll keeps timing out".into(), now);
                }
            }
            Answer::Refused { status, body } => {
                self.emit(Event::Error(EngineError::UnexpectedStatus {
                    resource: "Messages".into(),
                    status,
                    body: excerpt(&body),
                }));
                self.finish(EndReason::Error(format!(
                    "Messages was refused (HTTP {status})"
                )));
            }
        }
    }

    fn poll_retry(&mut self, problem: String, now: Millis, rand: u32) {
        let paused = self.suspended();
        match self
            .poll
            .retry
            .fail_unless_paused(paused, now, self.cfg.retry_budget_ms, rand)
        {
            Some(wait) => {
                self.poll.retry_at = Some(now + wait);
                self.emit(Event::Error(EngineError::Retrying {
                    resource: "Messages".into(),
                    problem,
                    retry_in_ms: wait,
                }));
            }
            None => self.give_up(format!("Messages failed: {problem}"), now),
        }
    }

    /// A 200 on the poll: new ack and offset, then each message in order.
    fn delivered(&mut self, answer: MessagesResponse) {
        if let Some(sequence) = answer.sequence {
            self.poll.ack = sequence;
        }
        if let Some(offset) = answer.offset {
            self.poll.offset = Some(offset);
        }
        let had_session_data = answer
            .messages
            .iter()
            .any(|m| matches!(m, ServerMessage::ChasitorSessionData(_)));
        if self.reconnect == Some(Reconnect::AwaitingSessionData)
            && !had_session_data
            && !answer.messages.is_empty()
        {
            // The guide says ChasitorSessionData comes first; a server that skips it should
            // not leave the chat stuck: resynchronise anyway.
            self.resync(None);
        }
        for message in answer.messages {
            self.on_message(message);
        }
    }

    fn on_message(&mut self, message: ServerMessage) {
        match message {
            ServerMessage::ChatRequestSuccess(m) => {
                if self.base == ChatState::Initialising {
                    self.set_base(ChatState::Queued);
                }
                self.learn_post_chat_url(m.post_chat_url);
                self.emit(Event::Queue {
                    position: m.queue_position.filter(|p| *p > 0),
                    estimated_wait_secs: known_wait_seconds(m.estimated_wait_time),
                });
            }
            ServerMessage::QueueUpdate(m) => {
                if self.base == ChatState::Initialising {
                    self.set_base(ChatState::Queued);
                }
                self.emit(Event::Queue {
                    position: m.position.filter(|p| *p > 0),
                    estimated_wait_secs: known_wait_seconds(m.estimated_wait_time),
                });
            }
            ServerMessage::ChatRequestFail(m) => {
                self.learn_post_chat_url(m.post_chat_url);
                self.finish(EndReason::RequestFailed { reason: m.reason });
            }
            ServerMessage::ChatEstablished(m) => {
                self.agent_name = Some(m.name.clone());
                self.sneak_peek_enabled = m.sneak_peek_enabled;
                self.set_base(ChatState::Established);
                self.emit(Event::AgentJoined {
                    name: m.name,
                    sneak_peek_enabled: m.sneak_peek_enabled,
                });
            }
            ServerMessage::ChatMessage(m) => {
                let name = if m.name.is_empty() {
                    self.agent_name.clone().unwrap_or_default()
                } else {
                    m.name
                };
                self.emit(Event::AgentMessage { name, text: m.text });
            }
            ServerMessage::AgentTyping => self.emit(Event::AgentTyping(true)),
            ServerMessage::AgentNotTyping => self.emit(Event::AgentTyping(false)),
            ServerMessage::AgentDisconnect => self.emit(Event::AgentDisconnected),
            ServerMessage::ChatEnded(_) => self.finish(EndReason::Agent),
            ServerMessage::ChatTransferred(m) => {
                self.agent_name = Some(m.name.clone());
                self.sneak_peek_enabled = m.sneak_peek_enabled;
                self.emit(Event::Transferred { name: m.name });
            }
            ServerMessage::CustomEvent(m) => self.emit(Event::CustomEvent {
                event_type: m.event_type,
                data: m.data.0,
            }),
            ServerMessage::NewVisitorBreadcrumb(_) => {}
            ServerMessage::ChasitorSessionData(m) => {
                self.learn_post_chat_url(m.post_chat_url.clone());
                if self.reconnect == Some(Reconnect::AwaitingSessionData) {
                    self.resync(Some(m));
                }
            }
            ServerMessage::ChasitorIdleTimeoutWarningEvent(m) => {
                match m.idle_timeout_warning_event {
                    IdleTimeoutWarningEvent::Triggered => self.emit(Event::IdleWarning(true)),
                    IdleTimeoutWarningEvent::Cleared => self.emit(Event::IdleWarning(false)),
                    IdleTimeoutWarningEvent::Other(value) => {
                        self.emit(Event::Error(EngineError::BadResponse {
                            resource: "ChasitorIdleTimeoutWarningEvent".into(),
                            detail: format!("unknown value {value:?}"),
                        }))
                    }
                }
            }
            ServerMessage::Unknown { type_name, .. } => {
                self.emit(Event::Error(EngineError::UnknownMessage { type_name }))
            }
            other @ (ServerMessage::ReconnectSession(_)
            | ServerMessage::SwitchServer(_)
            | ServerMessage::Availability(_)
            | ServerMessage::Settings(_)
            | ServerMessage::VisitorId(_)) => self.emit(Event::Error(EngineError::Unsupported {
                type_name: other.type_name().to_string(),
            })),
        }
    }

    /// After a reconnect's ChasitorSessionData: ChasitorResyncState goes first, then what the
    /// 503 cancelled. Visitor messages the server's transcript already has (their answer was
    /// lost) are not sent again.
    fn resync(&mut self, data: Option<ChasitorSessionData>) {
        if let Some(data) = data {
            if self.base == ChatState::Established {
                self.sneak_peek_enabled = data.sneak_peek_enabled;
            }
            let on_server = data
                .chat_messages
                .iter()
                .filter(|e| e.entry_type == TranscriptEntryType::Chasitor)
                .count() as u64;
            let mut already = on_server.saturating_sub(self.confirmed_messages);
            let mut landed = Vec::new();
            self.outbox.queue.retain(|item| match item {
                Outgoing::Message { local_id, .. } if already > 0 => {
                    already -= 1;
                    landed.push(*local_id);
                    false
                }
                _ => true,
            });
            for local_id in landed {
                self.confirmed_messages += 1;
                self.emit(Event::VisitorMessage {
                    local_id,
                    status: Delivery::Sent,
                });
            }
        }
        self.outbox.push_front(Outgoing::Resync);
        self.reconnect = Some(Reconnect::Resyncing);
    }
}
