//! What the engine keeps across a page reload, and how it resumes.

use super::*;
use crate::session::saved::{
    answer, chat_state, delivery, flag, list, opt, req, text, uint, variant,
};
use serde_json::Value;

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
    /// The pre-chat answers: the conversation's routing attributes, and a new messaging
    /// session's (after a 417), until the chat ends.
    pub attributes: Vec<(String, String)>,
    /// What waits for the server, the request on its way first.
    pub outbox: Vec<Outgoing>,
    pub sent: Vec<Sent>,
    pub seen: Vec<String>,
    pub agent_name: Option<String>,
    pub new_session: bool,
    pub end_requested: bool,
    /// The deployment asks its pre-chat form every messaging session.
    #[serde(default)]
    pub session_form: bool,
    /// The largest file the visitor may send, when the deployment lets them (bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads_max: Option<u64>,
    /// A verified customer's id (the identity token's `sub`; the token itself is never saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The deployment lets the visitor download the server's PDF transcript.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transcript_pdf: bool,
    pub next_request_id: u64,
    pub rng: u64,
}

// Read by hand from a parsed value, as strictly as the derived `Deserialize` (kept for tools and
// tests) would: no serde code per type in the wasm (issue 15; the derived one also brought Rust's
// float formatting, for serde's error messages).
impl Snapshot {
    /// The snapshot the derived `Serialize` wrote, `None` when `v` is not that shape.
    pub fn from_value(v: &Value) -> Option<Snapshot> {
        let o = v.as_object()?;
        Some(Snapshot {
            state: req(o, "state", chat_state)?,
            token: opt(o, "token", text)?,
            conversation_id: opt(o, "conversation_id", text)?,
            created: req(o, "created", flag)?,
            last_event_id: opt(o, "last_event_id", text)?,
            attributes: req(o, "attributes", |v| list(v, answer))?,
            outbox: req(o, "outbox", |v| list(v, outgoing))?,
            sent: req(o, "sent", |v| list(v, sent))?,
            seen: req(o, "seen", |v| list(v, text))?,
            agent_name: opt(o, "agent_name", text)?,
            new_session: req(o, "new_session", flag)?,
            end_requested: req(o, "end_requested", flag)?,
            // Absent in a snapshot from before it existed.
            session_form: opt(o, "session_form", flag)?.unwrap_or(false),
            uploads_max: opt(o, "uploads_max", uint)?,
            subject: opt(o, "subject", text)?,
            transcript_pdf: opt(o, "transcript_pdf", flag)?.unwrap_or(false),
            next_request_id: req(o, "next_request_id", uint)?,
            rng: req(o, "rng", uint)?,
        })
    }
}

fn outgoing(v: &Value) -> Option<Outgoing> {
    Some(match variant(v)? {
        ("Message", Some(c)) => {
            let o = c.as_object()?;
            Outgoing::Message {
                local_id: req(o, "local_id", uint)?,
                id: req(o, "id", text)?,
                text: req(o, "text", text)?,
                reply_to: opt(o, "reply_to", text)?,
                option: opt(o, "option", text)?,
            }
        }
        ("Typing", Some(c)) => Outgoing::Typing(flag(c)?),
        ("Delivered", Some(c)) => Outgoing::Delivered(list(c, text)?),
        ("Close", None) => Outgoing::Close,
        _ => return None,
    })
}

fn sent(v: &Value) -> Option<Sent> {
    let o = v.as_object()?;
    Some(Sent {
        local_id: req(o, "local_id", uint)?,
        id: req(o, "id", text)?,
        status: req(o, "status", delivery)?,
    })
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
            session_form: self.session_form,
            uploads_max: self.uploads_max,
            subject: self.subject.clone(),
            transcript_pdf: self.transcript_pdf,
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
        e.session_form = snap.session_form;
        e.uploads_max = snap.uploads_max;
        e.subject = snap.subject;
        e.transcript_pdf = snap.transcript_pdf;
        e.token_taken();
        e.base = match snap.state {
            ChatState::Reconnecting => ChatState::Established,
            other => other,
        };
        let waiting: Vec<(u64, Delivery, bool)> = e
            .sent
            .iter()
            .filter(|s| matches!(s.status, Delivery::Queued | Delivery::Sending))
            .map(|s| {
                let queued = e
                    .outbox
                    .iter()
                    .any(|o| matches!(o, Outgoing::Message { id, .. } if *id == s.id));
                (s.local_id, s.status, queued)
            })
            .collect();
        for (local_id, status, queued) in waiting {
            if queued {
                e.emit(Event::VisitorMessage { local_id, status });
            } else {
                // A file on its way when the page went: its bytes went with the page.
                e.file_failed(local_id, crate::session::FileProblem::Interrupted);
            }
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
