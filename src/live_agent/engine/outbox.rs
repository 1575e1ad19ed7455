//! The POST queue: what the visitor wants sent, batched into one request at a time, each with
//! the next `X-LIVEAGENT-SEQUENCE`.

use super::types::Flight;
use crate::live_agent::wire::{
    ChasitorResyncState, ChasitorSneakPeek, ChatEndReason, ChatMessageBody, CustomEventBody,
    Header, JsonText, MultiNoun, NounWrapper, Resource,
};
use crate::session::Millis;
use crate::session::Retry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// At most this many nouns go in one MultiNoun.
pub const MAX_BATCH: usize = 20;

/// One thing to POST.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outgoing {
    /// ChasitorInit, with its JSON body (built when the session id is known).
    Init {
        body: String,
    },
    /// ChasitorResyncState after a ReconnectSession.
    Resync,
    /// A visitor message.
    Message {
        local_id: u64,
        text: String,
    },
    CustomEvent {
        event_type: String,
        data: String,
    },
    /// ChasitorTyping (`true`) or ChasitorNotTyping (`false`). Droppable.
    Typing(bool),
    /// ChasitorSneakPeek. Droppable.
    SneakPeek {
        position: u32,
        text: String,
    },
    /// ChatEnd with reason "client".
    End,
}

impl Outgoing {
    /// The resource this is a request to.
    pub fn resource(&self) -> Resource {
        match self {
            Outgoing::Init { .. } => Resource::ChasitorInit,
            Outgoing::Resync => Resource::ChasitorResyncState,
            Outgoing::Message { .. } => Resource::ChatMessage,
            Outgoing::CustomEvent { .. } => Resource::CustomEvent,
            Outgoing::Typing(true) => Resource::ChasitorTyping,
            Outgoing::Typing(false) => Resource::ChasitorNotTyping,
            Outgoing::SneakPeek { .. } => Resource::ChasitorSneakPeek,
            Outgoing::End => Resource::ChatEnd,
        }
    }

    /// Typing and sneak peek only matter while fresh: never resent after a 503. A pending
    /// resync is replaced by the next reconnect's own.
    pub fn droppable(&self) -> bool {
        matches!(
            self,
            Outgoing::Typing(_) | Outgoing::SneakPeek { .. } | Outgoing::Resync
        )
    }

    /// Init and Resync always go alone, never in a MultiNoun.
    fn alone(&self) -> bool {
        matches!(self, Outgoing::Init { .. } | Outgoing::Resync)
    }

    /// The request body as JSON text (fields in the guide's order), `None` for the resources
    /// without one.
    fn body(&self, org_id: &str) -> Option<String> {
        match self {
            Outgoing::Init { body } => Some(body.clone()),
            Outgoing::Resync => serde_json::to_string(&ChasitorResyncState {
                organization_id: org_id.to_string(),
            })
            .ok(),
            Outgoing::Message { text, .. } => {
                serde_json::to_string(&ChatMessageBody { text: text.clone() }).ok()
            }
            Outgoing::CustomEvent { event_type, data } => serde_json::to_string(&CustomEventBody {
                event_type: event_type.clone(),
                data: JsonText(data.clone()),
            })
            .ok(),
            Outgoing::Typing(_) => None,
            Outgoing::SneakPeek { position, text } => serde_json::to_string(&ChasitorSneakPeek {
                position: *position,
                text: text.clone(),
            })
            .ok(),
            Outgoing::End => serde_json::to_string(&ChatEndReason::client()).ok(),
        }
    }

    /// The body as a JSON value, for a MultiNoun `object` (`null` without a body).
    fn body_value(&self, org_id: &str) -> Value {
        self.body(org_id)
            .and_then(|b| serde_json::from_str(&b).ok())
            .unwrap_or(Value::Null)
    }
}

/// The POST being sent (or waiting to be re-sent): its items and, once sent, its sequence.
/// A resend with the same sequence is an exact copy, so the server drops it if it already saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPost {
    pub items: Vec<Outgoing>,
    /// Assigned when first sent; cleared when a known failure (500) means the next try is a new
    /// request.
    pub sequence: Option<u64>,
}

impl PendingPost {
    /// The resource: the item's own, or MultiNoun for several.
    pub fn resource(&self) -> Resource {
        match self.items.as_slice() {
            [one] => one.resource(),
            _ => Resource::MultiNoun,
        }
    }

    /// The JSON body.
    pub fn body(&self, org_id: &str) -> Option<String> {
        match self.items.as_slice() {
            [one] => one.body(org_id),
            many => {
                let nouns = many
                    .iter()
                    .filter_map(|i| NounWrapper::new(i.resource(), i.body_value(org_id)))
                    .collect();
                serde_json::to_string(&MultiNoun { nouns }).ok()
            }
        }
    }

    pub fn contains_end(&self) -> bool {
        self.items.contains(&Outgoing::End)
    }

    /// The local ids of the visitor messages in it.
    pub fn message_ids(&self) -> Vec<u64> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Outgoing::Message { local_id, .. } => Some(*local_id),
                _ => None,
            })
            .collect()
    }
}

/// The queue, the POST on its way, and the sequence counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbox {
    pub queue: VecDeque<Outgoing>,
    pub current: Option<PendingPost>,
    /// The sequence the next new POST gets.
    pub next_seq: u64,
    pub flight: Option<Flight>,
    pub retry_at: Option<Millis>,
    pub retry: Retry,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            queue: VecDeque::new(),
            current: None,
            next_seq: 1,
            flight: None,
            retry_at: None,
            retry: Retry::default(),
        }
    }
}

impl Outbox {
    /// Queues an item. Typing and sneak peek replace a waiting one of their kind: only the
    /// latest matters.
    pub fn push(&mut self, item: Outgoing) {
        match &item {
            Outgoing::Typing(_) => self.queue.retain(|i| !matches!(i, Outgoing::Typing(_))),
            Outgoing::SneakPeek { .. } => self
                .queue
                .retain(|i| !matches!(i, Outgoing::SneakPeek { .. })),
            _ => {}
        }
        self.queue.push_back(item);
    }

    /// Drops the typing notifications and sneak peeks still waiting in the queue (not the
    /// pending POST: it may already carry a sequence).
    pub fn drop_typing(&mut self) {
        self.queue
            .retain(|i| !matches!(i, Outgoing::Typing(_) | Outgoing::SneakPeek { .. }));
    }

    /// Puts an item first in the queue.
    pub fn push_front(&mut self, item: Outgoing) {
        self.queue.push_front(item);
    }

    /// Whether a request can go now: none in flight, no backoff wait pending.
    pub fn idle(&self, now: Millis) -> bool {
        self.flight.is_none() && self.retry_at.is_none_or(|t| t <= now)
    }

    /// Forms the next POST from the front of the queue if none is pending: the longest prefix
    /// that `sendable` allows (Init and Resync alone). Returns the items newly taken.
    pub fn form_batch(&mut self, sendable: impl Fn(&Outgoing) -> bool) -> Vec<Outgoing> {
        if self.current.is_some() {
            return Vec::new();
        }
        let mut items = Vec::new();
        while let Some(front) = self.queue.front() {
            if !sendable(front) || items.len() >= MAX_BATCH {
                break;
            }
            if front.alone() && !items.is_empty() {
                break;
            }
            let alone = front.alone();
            if let Some(item) = self.queue.pop_front() {
                items.push(item);
            }
            if alone {
                break;
            }
        }
        if !items.is_empty() {
            self.current = Some(PendingPost {
                items: items.clone(),
                sequence: None,
            });
        }
        items
    }

    /// The sequence for the pending POST: its own if it already has one (an exact resend),
    /// else the next one, if the resource carries the header at all.
    pub fn sequence_for_current(&mut self) -> Option<u64> {
        let current = self.current.as_mut()?;
        if !current.resource().has_header(Header::Sequence) {
            return None;
        }
        if current.sequence.is_none() {
            current.sequence = Some(self.next_seq);
            self.next_seq += 1;
        }
        current.sequence
    }

    /// After a 503: the pending POST's items go back to the front of the queue (to be resent
    /// after the resync, as new requests); typing, sneak peek and old resyncs are dropped.
    pub fn requeue_for_reconnect(&mut self) {
        if let Some(post) = self.current.take() {
            for item in post.items.into_iter().rev() {
                self.queue.push_front(item);
            }
        }
        self.queue.retain(|i| !i.droppable());
        self.flight = None;
        self.retry_at = None;
        self.retry.succeed();
    }

    /// Forgets everything (the chat ended).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.current = None;
        self.flight = None;
        self.retry_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64) -> Outgoing {
        Outgoing::Message {
            local_id: id,
            text: format!("m{id}"),
        }
    }

    #[test]
    fn typing_and_sneak_peek_keep_only_the_latest() {
        let mut o = Outbox::default();
        o.push(Outgoing::Typing(true));
        o.push(msg(1));
        o.push(Outgoing::SneakPeek {
            position: 1,
            text: "a".into(),
        });
        o.push(Outgoing::Typing(false));
        o.push(Outgoing::SneakPeek {
            position: 2,
            text: "ab".into(),
        });
        assert_eq!(
            Vec::from(o.queue.clone()),
            vec![
                msg(1),
                Outgoing::Typing(false),
                Outgoing::SneakPeek {
                    position: 2,
                    text: "ab".into()
                },
            ]
        );
    }

    #[test]
    fn batches_stop_at_init_resync_and_gated_items() {
        let mut o = Outbox::default();
        o.push(Outgoing::Init { body: "{}".into() });
        o.push(msg(1));
        o.push(msg(2));
        o.push(Outgoing::End);
        assert_eq!(
            o.form_batch(|_| true),
            vec![Outgoing::Init { body: "{}".into() }]
        );
        assert_eq!(o.sequence_for_current(), Some(1));
        assert_eq!(
            o.sequence_for_current(),
            Some(1),
            "a resend keeps its sequence"
        );
        o.current = None;
        let gated = o.form_batch(|i| !matches!(i, Outgoing::End));
        assert_eq!(gated, vec![msg(1), msg(2)]);
        let post = o.current.clone().expect("a batch");
        assert_eq!(post.resource(), Resource::MultiNoun);
        assert_eq!(o.sequence_for_current(), Some(2));
        assert!(o.form_batch(|_| true).is_empty(), "one POST at a time");
    }

    #[test]
    fn resync_has_no_sequence_and_a_503_drops_only_droppables() {
        let mut o = Outbox::default();
        o.push_front(Outgoing::Resync);
        o.form_batch(|_| true);
        assert_eq!(o.sequence_for_current(), None);
        assert_eq!(o.next_seq, 1);
        o.current = Some(PendingPost {
            items: vec![msg(1), Outgoing::Typing(true)],
            sequence: Some(4),
        });
        o.push(msg(2));
        o.push(Outgoing::SneakPeek {
            position: 1,
            text: "x".into(),
        });
        o.requeue_for_reconnect();
        assert!(o.current.is_none());
        assert_eq!(Vec::from(o.queue.clone()), vec![msg(1), msg(2)]);
    }

    #[test]
    fn chat_end_body_is_exact() {
        let post = PendingPost {
            items: vec![Outgoing::End],
            sequence: None,
        };
        assert_eq!(
            post.body("org").as_deref(),
            Some(r#"{"type":"ChatEndReason","reason":"client"}"#)
        );
        let typing = PendingPost {
            items: vec![Outgoing::Typing(true)],
            sequence: None,
        };
        assert_eq!(typing.body("org"), None);
    }
}
