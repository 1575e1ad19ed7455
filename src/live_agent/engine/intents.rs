//! What the visitor and the page ask of the engine: a chat, a message, typing, the sneak peek, a
//! custom event, the end, a breadcrumb; and the browser going offline, freezing or waking.

use super::*;

impl Engine {
    // ----- the visitor's network and page -----

    pub(super) fn set_paused(&mut self, offline: bool, frozen: bool, now: Millis) {
        let was = self.suspended();
        self.offline = offline;
        self.frozen = frozen;
        if was && !self.suspended() {
            // Back: the failures meanwhile were the visitor's network, not the server's. A
            // fresh budget, and no waiting out a long backoff step.
            self.control.retry.succeed();
            self.poll.retry.succeed();
            self.outbox.retry.succeed();
            self.retry_now(now);
        }
    }

    /// Whatever waits out a backoff goes now.
    pub(super) fn retry_now(&mut self, now: Millis) {
        for at in [
            &mut self.control.retry_at,
            &mut self.poll.retry_at,
            &mut self.outbox.retry_at,
        ] {
            if at.is_some() {
                *at = Some(now);
            }
        }
    }

    // ----- visitor intents -----

    pub(super) fn start(&mut self, prechat: Prechat) {
        match self.base {
            ChatState::Idle => {}
            // A new chat after the last one ended: start afresh (request ids keep rising, so
            // late answers to the old chat are ignored).
            ChatState::Ended(_) => {
                let next_id = self.next_id;
                *self = Engine::new(self.cfg.clone());
                self.next_id = next_id;
            }
            _ => return,
        }
        self.prechat = Some(prechat);
        self.control.want = Some(Control::SessionId);
        self.set_base(ChatState::SessionRequested);
    }

    /// Whether the chat takes visitor input (started, not ended, no end requested).
    pub(super) fn accepting(&self) -> bool {
        !matches!(self.base, ChatState::Idle | ChatState::Ended(_)) && !self.end_requested
    }

    pub(super) fn send_text(&mut self, local_id: u64, text: String) {
        if !self.accepting() {
            return;
        }
        // A visitor message ends typing on the agent's side: typing and sneak peeks still
        // waiting (never sent, so without a sequence) would only delay it by a round trip.
        self.outbox.drop_typing();
        self.typing = false;
        self.outbox.push(Outgoing::Message { local_id, text });
        self.emit(Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        });
    }

    pub(super) fn set_typing(&mut self, typing: bool) {
        if !self.accepting() || self.base != ChatState::Established || self.typing == typing {
            return;
        }
        self.typing = typing;
        self.outbox.push(Outgoing::Typing(typing));
    }

    pub(super) fn sneak_peek(&mut self, text: String) {
        if !self.accepting() || self.base != ChatState::Established || !self.sneak_peek_enabled {
            return;
        }
        self.sneak_peek_position = self.sneak_peek_position.saturating_add(1);
        self.outbox.push(Outgoing::SneakPeek {
            position: self.sneak_peek_position,
            text,
        });
    }

    pub(super) fn custom_event(&mut self, event_type: String, data: String) {
        if !self.accepting() {
            return;
        }
        self.outbox.push(Outgoing::CustomEvent { event_type, data });
    }

    pub(super) fn end(&mut self) {
        if !self.accepting() {
            return;
        }
        if self.base == ChatState::SessionRequested {
            // No session yet: nothing to tell the server.
            self.finish(EndReason::Visitor);
            return;
        }
        self.end_requested = true;
        // Before ChatEstablished, waiting messages can never be sent: drop them with the chat.
        let established = self.base == ChatState::Established;
        self.outbox.queue.retain(|item| match item {
            Outgoing::Init { .. } | Outgoing::Resync => true,
            Outgoing::Message { .. } | Outgoing::CustomEvent { .. } => established,
            Outgoing::Typing(_) | Outgoing::SneakPeek { .. } | Outgoing::End => false,
        });
        self.outbox.push(Outgoing::End);
    }

    /// `POST Visitor/Breadcrumb` now, outside the sequenced outbox (it is a Visitor resource),
    /// with the session key so the server can show it to the chat's agent.
    pub(super) fn breadcrumb(&mut self, location: String, now: Millis) {
        if !self.accepting() || self.reconnect.is_some() || self.suspended() || location.is_empty()
        {
            return;
        }
        let Some(key) = self.session.as_ref().map(|s| s.key.clone()) else {
            return;
        };
        let body = serde_json::to_string(&crate::live_agent::wire::Breadcrumb { location }).ok();
        let flight = self.issue(
            Resource::Breadcrumb,
            Vec::new(),
            body,
            None,
            REQUEST_TIMEOUT_MS,
            now,
        );
        if let Some(req) = self.requests.iter_mut().find(|r| r.id == flight.id) {
            req.headers.push((Header::SessionKey.name(), key));
        }
    }
}
