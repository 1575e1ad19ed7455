//! What the engine keeps across a page reload, and how it resumes.

use super::{
    ChatState, Control, ControlChannel, Delivery, EndReason, Engine, EngineConfig, Event, Millis,
    Outgoing, PendingPost, Prechat,
};
use crate::prechat::{CustomDetail, Entity, EntityFieldsMaps};
use crate::session::saved::{
    answer, chat_state, flag, int, list, opt, req, small, text, uint, variant,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The session the server gave: ids, key, affinity, poll timeout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// SessionId `id` (ChasitorInit `sessionId`).
    pub id: String,
    /// `X-LIVEAGENT-SESSION-KEY`. Secret: never log it.
    pub key: String,
    /// `X-LIVEAGENT-AFFINITY`.
    pub affinity: String,
    /// Seconds before an unanswered poll is dead.
    pub client_poll_timeout: u32,
}

/// All the engine needs to resume after a page reload (store it in sessionStorage as JSON).
/// Restoring polls again with the saved ack (no message twice, none missed) and resends the
/// unconfirmed POST with its original sequence (the server drops it if it already had it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The state, `Reconnecting` aside (see `reconnecting`).
    pub state: ChatState,
    /// A reconnect was under way: restoring starts it again.
    pub reconnecting: bool,
    pub session: Option<SessionInfo>,
    /// The pre-chat answers, while the session is not created yet.
    pub prechat: Option<Prechat>,
    /// The sequence the next new POST gets.
    pub next_sequence: u64,
    /// The next poll's `ack`.
    pub ack: i64,
    /// The last Messages `offset`.
    pub offset: Option<i64>,
    /// Whether the poll loop runs (ChasitorInit was answered).
    pub polling: bool,
    /// The POST sent (or being retried) and not yet confirmed, with its sequence.
    pub unconfirmed: Option<PendingPost>,
    /// POSTs waiting, visitor messages among them.
    pub queued: Vec<Outgoing>,
    pub agent_name: Option<String>,
    pub sneak_peek_enabled: bool,
    pub sneak_peek_position: u32,
    pub end_requested: bool,
    pub confirmed_messages: u64,
    pub post_chat_url: Option<String>,
    /// Request ids keep rising across the reload.
    pub next_request_id: u64,
}

impl Engine {
    /// A snapshot to resume from after a page reload.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.base.clone(),
            reconnecting: self.reconnect.is_some(),
            session: self.session.clone(),
            prechat: if self.session.is_none() {
                self.prechat.clone()
            } else {
                None
            },
            next_sequence: self.outbox.next_seq,
            ack: self.poll.ack,
            offset: self.poll.offset,
            polling: self.poll.active,
            unconfirmed: self.outbox.current.clone(),
            queued: self.outbox.queue.iter().cloned().collect(),
            agent_name: self.agent_name.clone(),
            sneak_peek_enabled: self.sneak_peek_enabled,
            sneak_peek_position: self.sneak_peek_position,
            end_requested: self.end_requested,
            confirmed_messages: self.confirmed_messages,
            post_chat_url: self.post_chat_url.clone(),
            next_request_id: self.next_id,
        }
    }

    /// Resumes from a snapshot at `now`: polls with the saved ack and resends what was not
    /// confirmed. Emits the state and the visitor messages still on their way.
    pub fn restore(cfg: EngineConfig, snap: Snapshot, now: Millis) -> Engine {
        let mut e = Engine::new(cfg);
        e.next_id = snap.next_request_id.max(1);
        e.session = snap.session;
        e.prechat = snap.prechat;
        e.outbox.next_seq = snap.next_sequence.max(1);
        e.outbox.current = snap.unconfirmed;
        e.outbox.queue = snap.queued.into_iter().collect();
        e.poll.ack = snap.ack;
        e.poll.offset = snap.offset;
        e.agent_name = snap.agent_name;
        e.sneak_peek_enabled = snap.sneak_peek_enabled;
        e.sneak_peek_position = snap.sneak_peek_position;
        e.end_requested = snap.end_requested;
        e.confirmed_messages = snap.confirmed_messages;
        e.post_chat_url = snap.post_chat_url;
        e.base = match snap.state {
            ChatState::Reconnecting => ChatState::Established,
            other => other,
        };

        if let Some(post) = &e.outbox.current {
            for local_id in post.message_ids() {
                e.emit(Event::VisitorMessage {
                    local_id,
                    status: Delivery::Sending,
                });
            }
        }
        let queued: Vec<u64> = e
            .outbox
            .queue
            .iter()
            .filter_map(|i| match i {
                Outgoing::Message { local_id, .. } => Some(*local_id),
                _ => None,
            })
            .collect();
        for local_id in queued {
            e.emit(Event::VisitorMessage {
                local_id,
                status: Delivery::Queued,
            });
        }

        match (&e.base, e.session.is_some()) {
            (ChatState::Idle | ChatState::Ended(_), _) => {}
            (ChatState::SessionRequested, false) => {
                e.control = ControlChannel {
                    want: Some(Control::SessionId),
                    ..ControlChannel::default()
                };
            }
            (_, false) => e.finish(EndReason::Error("the saved chat has no session".into())),
            (_, true) => {
                if snap.reconnecting {
                    e.start_reconnect();
                } else {
                    e.poll.active = snap.polling;
                }
            }
        }
        e.sync_state();
        e.pump(now);
        e
    }
}

// ------------------------------------------------------------------ reading a saved snapshot
//
// Read by hand from a parsed `serde_json::Value` (no derived `Deserialize` in the widget: each
// derived type costs its own serde code in the wasm). The shape is the one the derived
fn outgoing(v: &Value) -> Option<Outgoing> {
    let (name, content) = variant(v)?;
    let fields = content.and_then(Value::as_object);
    Some(match (name, content) {
        ("Resync", None) => Outgoing::Resync,
        ("End", None) => Outgoing::End,
        ("Typing", Some(c)) => Outgoing::Typing(flag(c)?),
        ("Init", Some(_)) => Outgoing::Init {
            body: req(fields?, "body", text)?,
        },
        ("Message", Some(_)) => Outgoing::Message {
            local_id: req(fields?, "local_id", uint)?,
            text: req(fields?, "text", text)?,
        },
        ("CustomEvent", Some(_)) => Outgoing::CustomEvent {
            event_type: req(fields?, "event_type", text)?,
            data: req(fields?, "data", text)?,
        },
        ("SneakPeek", Some(_)) => Outgoing::SneakPeek {
            position: req(fields?, "position", small)?,
            text: req(fields?, "text", text)?,
        },
        _ => return None,
    })
}

fn pending_post(v: &Value) -> Option<PendingPost> {
    let o = v.as_object()?;
    Some(PendingPost {
        items: req(o, "items", |v| list(v, outgoing))?,
        sequence: opt(o, "sequence", uint)?,
    })
}

fn session_info(v: &Value) -> Option<SessionInfo> {
    let o = v.as_object()?;
    Some(SessionInfo {
        id: req(o, "id", text)?,
        key: req(o, "key", text)?,
        affinity: req(o, "affinity", text)?,
        client_poll_timeout: req(o, "client_poll_timeout", small)?,
    })
}

fn entity_fields_maps(v: &Value) -> Option<EntityFieldsMaps> {
    let o = v.as_object()?;
    let or_false = |key| opt(o, key, flag).map(Option::unwrap_or_default);
    Some(EntityFieldsMaps {
        field_name: req(o, "fieldName", text)?,
        label: req(o, "label", text)?,
        do_find: or_false("doFind")?,
        is_exact_match: or_false("isExactMatch")?,
        do_create: or_false("doCreate")?,
    })
}

fn entity(v: &Value) -> Option<Entity> {
    let o = v.as_object()?;
    Some(Entity {
        entity_name: req(o, "entityName", text)?,
        show_on_create: opt(o, "showOnCreate", flag)?,
        link_to_entity_name: opt(o, "linkToEntityName", text)?,
        link_to_entity_field: opt(o, "linkToEntityField", text)?,
        save_to_transcript: opt(o, "saveToTranscript", text)?,
        entity_fields_maps: opt(o, "entityFieldsMaps", |v| list(v, entity_fields_maps))?
            .unwrap_or_default(),
    })
}

fn prechat(v: &Value) -> Option<Prechat> {
    let o = v.as_object()?;
    Some(Prechat {
        visitor_name: req(o, "visitor_name", text)?,
        details: req(o, "details", |v| list(v, CustomDetail::from_value))?,
        entities: req(o, "entities", |v| list(v, entity))?,
        answers: opt(o, "answers", |v| list(v, answer))?.unwrap_or_default(),
    })
}

impl Snapshot {
    /// Reads a snapshot as [`Engine::snapshot`]'s JSON (through the derived `Serialize`) has it;
    /// `None` when it does not have that shape.
    pub fn from_value(v: &Value) -> Option<Snapshot> {
        let o = v.as_object()?;
        Some(Snapshot {
            state: req(o, "state", chat_state)?,
            reconnecting: req(o, "reconnecting", flag)?,
            session: opt(o, "session", session_info)?,
            prechat: opt(o, "prechat", prechat)?,
            next_sequence: req(o, "next_sequence", uint)?,
            ack: req(o, "ack", int)?,
            offset: opt(o, "offset", int)?,
            polling: req(o, "polling", flag)?,
            unconfirmed: opt(o, "unconfirmed", pending_post)?,
            queued: req(o, "queued", |v| list(v, outgoing))?,
            agent_name: opt(o, "agent_name", text)?,
            sneak_peek_enabled: req(o, "sneak_peek_enabled", flag)?,
            sneak_peek_position: req(o, "sneak_peek_position", small)?,
            end_requested: req(o, "end_requested", flag)?,
            confirmed_messages: req(o, "confirmed_messages", uint)?,
            post_chat_url: opt(o, "post_chat_url", text)?,
            next_request_id: req(o, "next_request_id", uint)?,
        })
    }
}
