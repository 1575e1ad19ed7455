//! The conversation's entries, from the stream or from history, as the view's events.

use super::*;
use crate::miaw::rich::Rich;

impl Engine {
    // ----- entries -----

    /// An entry of the conversation, from the stream or from history.
    pub(super) fn entry(&mut self, entry: ConversationEntry, now: Millis) {
        if !entry.identifier.is_empty() {
            if self.seen.contains(&entry.identifier) {
                return;
            }
            if self.seen.len() == SEEN_MAX {
                self.seen.pop_front();
            }
            self.seen.push_back(entry.identifier.clone());
        }
        let from_visitor = entry.sender.role.eq_ignore_ascii_case("EndUser");
        match entry.payload {
            EntryPayload::Message(message) if from_visitor => {
                // The echo of the visitor's own message: it reached the server.
                let id = message.abstract_message.id.as_str();
                if let Some(local_id) = self.sent_local_id(id) {
                    self.set_delivery(local_id, Delivery::Sent);
                } else if self.cfg.verified {
                    // A verified customer wrote it on another device: shown as theirs.
                    let text = match message.text() {
                        Some(text) => text.to_string(),
                        None => Rich::read(message.raw).summary(),
                    };
                    if !text.is_empty() {
                        self.emit(Event::VisitorElsewhere { text });
                    }
                }
            }
            EntryPayload::Message(message) => {
                self.stop_agent_typing();
                let name = if entry.sender_display_name.is_empty() {
                    self.agent_name.clone().unwrap_or_default()
                } else {
                    entry.sender_display_name.clone()
                };
                // Plain text as text; any other format as the view shows it (its text when the
                // widget does not know it); else a row saying a message could not be shown.
                match message.text() {
                    Some(text) if message.plain() => {
                        let text = text.to_string();
                        self.emit(Event::AgentMessage { name, text });
                    }
                    _ => {
                        // serde_json's writer, as every request body (`Display` would be a second copy).
                        let json = serde_json::to_string(&message.raw).unwrap_or_default();
                        let rich = Rich::read(message.raw);
                        if rich.showable() {
                            let text = rich.summary();
                            self.emit(Event::AgentRich { name, text, json });
                        } else {
                            let type_name =
                                format!("{} message", message.abstract_message.message_type);
                            self.emit(Event::Error(EngineError::Unsupported { type_name }));
                            self.emit(Event::Unshowable { name });
                        }
                    }
                }
                if !entry.identifier.is_empty() {
                    self.acknowledge(entry.identifier);
                }
            }
            EntryPayload::RoutingResult(result) => {
                if result.failed() {
                    let reason = if result.failure_reason.is_empty() {
                        result.failure_type.clone()
                    } else {
                        result.failure_reason.clone()
                    };
                    self.finish(EndReason::RequestFailed { reason });
                } else if result.routing_type.eq_ignore_ascii_case("Transfer") {
                    self.transferring = true;
                } else if self.agent_name.is_none() {
                    self.queue_wait = result.wait_secs();
                    self.tell_queue();
                }
            }
            EntryPayload::QueuePosition { position } => {
                self.queue_position = position
                    .and_then(|p| u32::try_from(p).ok())
                    .filter(|p| *p > 0);
                if self.agent_name.is_none() {
                    self.tell_queue();
                }
            }
            EntryPayload::RoutingWorkResult { work_type } => {
                // Assigned, Accepted, Closed, Declined, Cancelled, TransferError: the participant
                // and session events tell the visitor what follows.
                if work_type.eq_ignore_ascii_case("Transferred") {
                    self.transferring = true;
                }
            }
            EntryPayload::SessionStatusChanged(status) => self.session_status(status),
            EntryPayload::ParticipantChanged(change) => {
                for p in change.entries {
                    let role = p.participant.role.as_str();
                    if !matches!(role, "Agent" | "Chatbot" | "Supervisor") {
                        continue;
                    }
                    let joined = p.joined();
                    let name = p.display_name;
                    if joined {
                        let transfer = std::mem::take(&mut self.transferring);
                        match self.agent_name.replace(name.clone()) {
                            None if transfer && self.base == ChatState::Established => {
                                self.emit(Event::Transferred { name });
                            }
                            None => {
                                self.emit(Event::AgentJoined {
                                    name,
                                    sneak_peek_enabled: false,
                                });
                                self.set_state(ChatState::Established);
                            }
                            Some(_) => self.emit(Event::Transferred { name }),
                        }
                    } else if self.inactive
                        || matches!(
                            self.base,
                            ChatState::SessionEnded { .. } | ChatState::Queued
                        )
                    {
                        // The session's end or inactivity told the visitor already.
                        self.agent_name = None;
                        self.transferring = false;
                    } else if self.transferring || role == "Chatbot" {
                        // The next agent's join tells the visitor: a bot leaving hands over (or
                        // the session's end follows).
                        self.transferring = true;
                        self.stop_agent_typing();
                    } else if self.agent_name.as_deref() == Some(name.as_str())
                        || self.agent_name.is_some() && name.is_empty()
                    {
                        self.agent_name = None;
                        self.stop_agent_typing();
                        self.emit(Event::AgentDisconnected);
                    }
                }
            }
            EntryPayload::TypingStarted if !from_visitor => {
                if self.agent_typing_until.is_none() {
                    self.emit(Event::AgentTyping(true));
                }
                self.agent_typing_until = Some(now.saturating_add(AGENT_TYPING_MS));
            }
            EntryPayload::TypingStopped if !from_visitor => self.stop_agent_typing(),
            EntryPayload::TypingStarted | EntryPayload::TypingStopped => {}
            EntryPayload::DeliveryAcknowledgement | EntryPayload::ReadAcknowledgement => {
                let read = matches!(entry.payload, EntryPayload::ReadAcknowledgement);
                let local = entry
                    .related_records
                    .first()
                    .and_then(|id| self.sent_local_id(id));
                if let (Some(local_id), false) = (local, from_visitor) {
                    let status = if read {
                        Delivery::Read
                    } else {
                        Delivery::Delivered
                    };
                    self.set_delivery(local_id, status);
                }
            }
            // Closed by the visitor (another tab, another device) or by the org.
            EntryPayload::CloseConversation if from_visitor => self.finish(EndReason::Visitor),
            EntryPayload::CloseConversation => self.finish(EndReason::Agent),
            EntryPayload::MessageUpdated { id, message } => self.message_updated(&id, message),
            EntryPayload::Unknown { name, .. } => {
                self.emit(Event::Error(EngineError::UnknownMessage {
                    type_name: name,
                }))
            }
        }
    }

    /// The queue's figures for the view, while the visitor waits (routing has begun).
    fn tell_queue(&mut self) {
        if matches!(
            self.base,
            ChatState::Initialising | ChatState::SessionRequested
        ) {
            self.set_state(ChatState::Queued);
        }
        if self.base == ChatState::Queued {
            self.emit(Event::Queue {
                position: self.queue_position,
                estimated_wait_secs: self.queue_wait,
            });
        }
    }

    /// `CONVERSATION_SESSION_STATUS_CHANGED`. The order of this event and the participant's
    /// removal around an end is not documented (UNCONFIRMED): with the end first (as the
    /// simulator sends it), the removal says nothing more; with the removal first, the visitor
    /// reads that the agent left, then who ended the session.
    fn session_status(&mut self, status: SessionStatusChanged) {
        match status.status.as_str() {
            "Ended" => {
                // The visitor's own end: the close's answer ends the chat.
                if self.end_requested || status.ended_by_role.eq_ignore_ascii_case("EndUser") {
                    return;
                }
                let by = match status.ended_by_role.as_str() {
                    "Agent" | "Supervisor" => Ender::Agent,
                    "Chatbot" => Ender::Bot,
                    _ => Ender::System,
                };
                self.stop_agent_typing();
                self.set_inactive(false);
                self.transferring = false;
                self.queue_position = None;
                self.drop_typing();
                self.set_state(ChatState::SessionEnded {
                    by,
                    form: self.session_form,
                });
            }
            "Inactive" => {
                if matches!(self.base, ChatState::Queued | ChatState::Established) {
                    self.stop_agent_typing();
                    self.set_inactive(true);
                }
            }
            "Waiting" => {
                self.set_inactive(false);
                match self.base {
                    ChatState::Initialising | ChatState::SessionRequested => {
                        self.set_state(ChatState::Queued)
                    }
                    // A handover on its way: the next participant's join tells it as one change.
                    ChatState::Established if self.transferring => {}
                    // Routed again (after inactivity, or a new session): whoever joins next
                    // joins, with figures of this wait.
                    _ => {
                        self.agent_name = None;
                        self.queue_position = None;
                        self.queue_wait = None;
                        self.set_state(ChatState::Queued);
                    }
                }
            }
            "Active" => self.set_inactive(false),
            // New, Paused, Consent, Error, and any other: nothing the visitor needs to see.
            _ => {}
        }
    }

    fn set_inactive(&mut self, inactive: bool) {
        if self.inactive != inactive {
            self.inactive = inactive;
            self.emit(Event::Inactive(inactive));
        }
    }

    pub(super) fn stop_agent_typing(&mut self) {
        if self.agent_typing_until.take().is_some() {
            self.emit(Event::AgentTyping(false));
        }
    }

    /// A delivery receipt for an agent's entry, batched with any other waiting.
    pub(super) fn acknowledge(&mut self, entry_id: String) {
        if let Some(Outgoing::Delivered(ids)) = self
            .outbox
            .iter_mut()
            .find(|o| matches!(o, Outgoing::Delivered(_)))
        {
            ids.push(entry_id);
        } else {
            self.outbox.push_back(Outgoing::Delivered(vec![entry_id]));
        }
    }

    pub(super) fn sent_local_id(&self, id: &str) -> Option<u64> {
        self.sent
            .iter()
            .find(|s| !id.is_empty() && s.id.eq_ignore_ascii_case(id))
            .map(|s| s.local_id)
    }

    /// Moves a visitor message forward (never back: an echo after a read receipt changes
    /// nothing) and tells the view.
    pub(super) fn set_delivery(&mut self, local_id: u64, status: Delivery) {
        let Some(s) = self.sent.iter_mut().find(|s| s.local_id == local_id) else {
            return;
        };
        if !status.advances(s.status) {
            return;
        }
        s.status = status;
        self.emit(Event::VisitorMessage { local_id, status });
    }
}
