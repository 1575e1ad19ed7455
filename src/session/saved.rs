//! Reading the saved state back: the widget keeps each engine's snapshot and the transcript in
//! sessionStorage as JSON (their derived `Serialize`), and reads it by hand with these readers
//! (no derived `Deserialize`: each one costs its own serde code in the wasm). The value readers
//! every snapshot uses, and the readers of the session's own types.
//!
//! `Serialize` writes (and the derived `Deserialize` reads, kept for tools and tests): field
//! names as in Rust, enums externally tagged. Reading is as strict as serde's: a missing required
//! field or a value of the wrong type makes the whole snapshot unreadable (the chat is then not
//! resumed); an absent or null `Option` is `None`.

use super::{ChatState, Delivery, EndReason};
use serde_json::{Map, Value};

pub(crate) type Obj = Map<String, Value>;

pub(crate) fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

pub(crate) fn flag(v: &Value) -> Option<bool> {
    v.as_bool()
}

pub(crate) fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

pub(crate) fn uint(v: &Value) -> Option<u64> {
    v.as_u64()
}

pub(crate) fn small(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}

/// A required field.
pub(crate) fn req<T>(o: &Obj, key: &str, read: fn(&Value) -> Option<T>) -> Option<T> {
    o.get(key).and_then(read)
}

/// An optional field: absent or null is `Some(None)`, a value that does not fit is `None`.
pub(crate) fn opt<T>(o: &Obj, key: &str, read: fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match o.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

/// A list whose every element fits.
pub(crate) fn list<T>(v: &Value, read: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for item in v.as_array()? {
        out.push(read(item)?);
    }
    Some(out)
}

/// An externally tagged enum value: a unit variant's name, or `{name: content}`.
pub(crate) fn variant(v: &Value) -> Option<(&str, Option<&Value>)> {
    match v {
        Value::String(name) => Some((name, None)),
        Value::Object(map) if map.len() == 1 => {
            map.iter().next().map(|(k, c)| (k.as_str(), Some(c)))
        }
        _ => None,
    }
}

pub(crate) fn end_reason(v: &Value) -> Option<EndReason> {
    Some(match variant(v)? {
        ("Visitor", None) => EndReason::Visitor,
        ("Agent", None) => EndReason::Agent,
        ("RequestFailed", Some(c)) => EndReason::RequestFailed {
            reason: req(c.as_object()?, "reason", text)?,
        },
        ("SessionInvalid", None) => EndReason::SessionInvalid,
        ("DuplicatePoll", None) => EndReason::DuplicatePoll,
        ("Error", Some(c)) => EndReason::Error(text(c)?),
        _ => return None,
    })
}

/// A [`Delivery`] as the derived `Serialize` writes it (its variant's name).
pub(crate) fn delivery(v: &Value) -> Option<Delivery> {
    Some(match v.as_str()? {
        "Queued" => Delivery::Queued,
        "Sending" => Delivery::Sending,
        "Sent" => Delivery::Sent,
        "Delivered" => Delivery::Delivered,
        "Read" => Delivery::Read,
        "Failed" => Delivery::Failed,
        _ => return None,
    })
}

pub(crate) fn chat_state(v: &Value) -> Option<ChatState> {
    Some(match variant(v)? {
        ("Idle", None) => ChatState::Idle,
        ("SessionRequested", None) => ChatState::SessionRequested,
        ("Initialising", None) => ChatState::Initialising,
        ("Queued", None) => ChatState::Queued,
        ("Established", None) => ChatState::Established,
        ("Reconnecting", None) => ChatState::Reconnecting,
        ("Ended", Some(c)) => ChatState::Ended(end_reason(c)?),
        #[cfg(feature = "miaw")]
        ("SessionEnded", Some(c)) => {
            let o = c.as_object()?;
            ChatState::SessionEnded {
                by: req(o, "by", |v| {
                    Some(match v.as_str()? {
                        "Agent" => super::Ender::Agent,
                        "Bot" => super::Ender::Bot,
                        "System" => super::Ender::System,
                        _ => return None,
                    })
                })?,
                form: req(o, "form", flag)?,
            }
        }
        _ => return None,
    })
}

pub(crate) fn answer(v: &Value) -> Option<(String, String)> {
    match v.as_array()?.as_slice() {
        [k, v] => Some((text(k)?, text(v)?)),
        _ => None,
    }
}
