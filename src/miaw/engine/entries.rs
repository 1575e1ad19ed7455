//! The conversation's entries, from the stream or from history, as the view's events.

use super::*;

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
                }
            }
            EntryPayload::Message(message) => {
                let Some(text) = message.text() else {
                    self.emit(Event::Error(EngineError::Unsupported {
                        type_name: format!("{} message", message.abstract_message.message_type),
                    }));
                    return;
                };
                let text = text.to_string();
                self.stop_agent_typing();
                let name = if entry.sender_display_name.is_empty() {
                    self.agent_name.clone().unwrap_or_default()
                } else {
                    entry.sender_display_name.clone()
                };
                self.emit(Event::AgentMessage { name, text });
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
                    if matches!(
                        self.base,
                        ChatState::Initialising | ChatState::SessionRequested
                    ) {
                        self.set_state(ChatState::Queued);
                    }
                    self.emit(Event::Queue {
                        position: None,
                        estimated_wait_secs: result.wait_secs(),
                    });
                }
            }
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
                    } else if self.transferring {
                        // The next agent's join tells the visitor.
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
            EntryPayload::CloseConversation => self.finish(EndReason::Agent),
            EntryPayload::Unknown { name, .. } => {
                self.emit(Event::Error(EngineError::UnknownMessage {
                    type_name: name,
                }))
            }
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
