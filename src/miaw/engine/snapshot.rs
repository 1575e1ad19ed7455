//! What the engine keeps across a page reload, and how it resumes.

use super::*;

/// All the engine needs to resume after a page reload (kept in sessionStorage as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub state: ChatState,
    /// The access token. Secret: never log it.
    pub token: Option<String>,
    pub conversation_id: Option<String>,
    /// The server confirmed the conversation.
    pub created: bool,
    pub last_event_id: Option<String>,
    /// The pre-chat answers, while the conversation is not created yet.
    pub attributes: Vec<(String, String)>,
    /// What waits for the server, the request on its way first.
    pub outbox: Vec<Outgoing>,
    pub sent: Vec<Sent>,
    pub seen: Vec<String>,
    pub agent_name: Option<String>,
    pub new_session: bool,
    pub end_requested: bool,
    pub next_request_id: u64,
    pub rng: u64,
}

impl Engine {
    // ----- reload -----

    /// A snapshot to resume from after a page reload.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.base.clone(),
            token: self.token.clone(),
            conversation_id: self.conversation_id.clone(),
            created: self.created,
            last_event_id: self.last_event_id.clone(),
            attributes: self.attributes.clone(),
            outbox: self
                .current
                .iter()
                .chain(self.outbox.iter())
                .filter(|o| !matches!(o, Outgoing::Typing(_)))
                .cloned()
                .collect(),
            sent: self.sent.clone(),
            seen: self.seen.iter().cloned().collect(),
            agent_name: self.agent_name.clone(),
            new_session: self.new_session,
            end_requested: self.end_requested,
            next_request_id: self.next_id,
            rng: self.rng,
        }
    }

    /// Resumes from a snapshot at `now`: a new token from the old one, the conversation checked
    /// open, what was missed read from history, the stream from the saved event id, and what was
    /// not confirmed sent again (same UUIDs: the server takes each message once).
    pub fn restore(cfg: Config, snap: Snapshot, now: Millis) -> Engine {
        let mut e = Engine::new(cfg);
        e.next_id = snap.next_request_id.max(1);
        e.rng = snap.rng;
        e.token = snap.token;
        e.conversation_id = snap.conversation_id;
        e.created = snap.created;
        e.last_event_id = snap.last_event_id;
        e.attributes = snap.attributes;
        e.outbox = snap.outbox.into_iter().collect();
        e.sent = snap.sent;
        e.seen = snap.seen.into_iter().collect();
        e.agent_name = snap.agent_name;
        e.new_session = snap.new_session;
        e.end_requested = snap.end_requested;
        e.base = match snap.state {
            ChatState::Reconnecting => ChatState::Established,
            other => other,
        };
        let waiting: Vec<(u64, Delivery)> = e
            .sent
            .iter()
            .filter(|s| matches!(s.status, Delivery::Queued | Delivery::Sending))
            .map(|s| (s.local_id, s.status))
            .collect();
        for (local_id, status) in waiting {
            e.emit(Event::VisitorMessage { local_id, status });
        }
        if !matches!(e.base, ChatState::Idle | ChatState::Ended(_)) {
            e.step = Some(if e.token.is_some() {
                Step::Continuation
            } else {
                Step::Token
            });
        }
        e.pump(now);
        e
    }
}
