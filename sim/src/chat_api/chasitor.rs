//! The visitor's POSTs: `Chasitor/{noun}` (ChasitorInit, ChatMessage, typing, sneak peek,
//! CustomEvent, ChatEnd, ChasitorResyncState) and `System/MultiNoun`, which carries several of
//! them. The sequence check and the order of the checks are shared by both.

use super::{
    bad_request, check_headers, forbidden, json_body, live_session, not_found, ok, str_field, text,
    Answer, Need, CHATEND_INVALID,
};
use crate::state::{AppState, ChasitorInit, State};
use axum::body::Bytes;
use axum::extract::{Path, State as St};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// A visitor POST, validated.
enum Noun {
    Init(Box<ChasitorInit>),
    Resync,
    Typing,
    NotTyping,
    SneakPeek(String),
    Message(String),
    CustomEvent,
    End(String),
}

const NOUNS: [&str; 8] = [
    "ChasitorInit",
    "ChasitorResyncState",
    "ChasitorTyping",
    "ChasitorNotTyping",
    "ChasitorSneakPeek",
    "ChatMessage",
    "CustomEvent",
    "ChatEnd",
];

fn parse_noun(name: &str, body: Option<&Value>) -> Result<Noun, Response> {
    let invalid = |what: &str| {
        bad_request(&format!(
            "Request is not a valid {name} - {name} requires {what}"
        ))
    };
    let obj = body.filter(|b| b.is_object());
    match name {
        "ChasitorInit" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let field = |f: &str| {
                str_field(b, f)
                    .map(str::to_string)
                    .ok_or_else(|| invalid(&format!("a non-null value on the {f} property")))
            };
            let (org_id, deployment_id, button_id, session_id) = (
                field("organizationId")?,
                field("deploymentId")?,
                field("buttonId")?,
                field("sessionId")?,
            );
            Ok(Noun::Init(Box::new(ChasitorInit {
                visitor_name: str_field(b, "visitorName").map(str::to_string),
                prechat_details: b
                    .get("prechatDetails")
                    .filter(|v| v.is_array())
                    .cloned()
                    .unwrap_or_else(|| json!([])),
                receive_queue_updates: b
                    .get("receiveQueueUpdates")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                org_id,
                deployment_id,
                button_id,
                overrides: b
                    .get("buttonOverrides")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                is_post: b.get("isPost").and_then(Value::as_bool).unwrap_or(false),
                session_id,
            })))
        }
        "ChasitorResyncState" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            str_field(b, "organizationId")
                .ok_or_else(|| invalid("a non-null value on the organizationId property"))?;
            Ok(Noun::Resync)
        }
        "ChasitorTyping" => Ok(Noun::Typing),
        "ChasitorNotTyping" => Ok(Noun::NotTyping),
        "ChasitorSneakPeek" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let t = str_field(b, "text")
                .ok_or_else(|| invalid("a non-null value on the text property"))?;
            Ok(Noun::SneakPeek(t.to_string()))
        }
        "ChatMessage" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            let t = str_field(b, "text")
                .ok_or_else(|| invalid("a non-null value on the text property"))?;
            Ok(Noun::Message(t.to_string()))
        }
        "CustomEvent" => {
            let b = obj.ok_or_else(|| invalid("a JSON object body"))?;
            str_field(b, "type").ok_or_else(|| invalid("a non-null value on the type property"))?;
            Ok(Noun::CustomEvent)
        }
        "ChatEnd" => {
            let b = obj.ok_or_else(|| bad_request(CHATEND_INVALID))?;
            match (str_field(b, "type"), str_field(b, "reason")) {
                (Some("ChatEndReason"), Some(reason)) => Ok(Noun::End(reason.to_string())),
                _ => Err(bad_request(CHATEND_INVALID)),
            }
        }
        _ => Err(text(StatusCode::NOT_FOUND, "Not Found")),
    }
}

/// Applies validated nouns of one request (a single POST or a MultiNoun) in order.
fn process(
    st: &mut State,
    id: &str,
    sequence: Option<i64>,
    nouns: Vec<(String, Value, Noun)>,
) -> Answer {
    let Some(s) = st.session_mut(id) else {
        return Err(forbidden());
    };
    let resync_only = nouns.iter().all(|(_, _, n)| matches!(n, Noun::Resync));
    if !resync_only {
        if let Some(seq) = sequence {
            if s.already_processed(seq) {
                // Already processed: acknowledged, not processed twice.
                return Ok(ok());
            }
        }
        let needs_agent = nouns
            .iter()
            .any(|(_, _, n)| matches!(n, Noun::Message(_) | Noun::CustomEvent));
        if needs_agent && !s.is_established() {
            return Err(text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "java.lang.NullPointerException: the chat is not established",
            ));
        }
        if let Some(seq) = sequence {
            s.mark_processed(seq);
        }
    }
    for (kind, body, noun) in nouns {
        let live = st.session(id).is_some_and(|s| s.is_live());
        if !live {
            break;
        }
        apply_noun(st, id, sequence, kind, body, noun);
    }
    Ok(ok())
}

fn apply_noun(
    st: &mut State,
    id: &str,
    sequence: Option<i64>,
    kind: String,
    body: Value,
    noun: Noun,
) {
    let Some(s) = st.session_mut(id) else {
        return;
    };
    s.record_received(sequence, &kind, body);
    match noun {
        Noun::Init(init) => st.chasitor_init(id, *init),
        Noun::Resync => {}
        Noun::Typing => s.set_visitor_typing(true),
        Noun::NotTyping => s.set_visitor_typing(false),
        Noun::SneakPeek(t) => s.sneak_peek(t),
        Noun::Message(t) => s.visitor_message(t),
        Noun::CustomEvent => {}
        Noun::End(reason) => st.visitor_end(id, reason),
    }
}

pub(super) async fn chasitor(
    St(sh): St<AppState>,
    Path(noun): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    if !NOUNS.contains(&noun.as_str()) {
        return Err(not_found().await);
    }
    let need = if noun == "ChasitorResyncState" {
        Need::SessionGet
    } else {
        Need::SessionPost
    };
    let hdrs = check_headers(&headers, need)?;
    let mut st = sh.lock();
    let id = live_session(&mut st, &hdrs.key, &hdrs.affinity)?;
    let body = json_body(&body)?;
    let parsed = parse_noun(&noun, body.as_ref())?;
    process(
        &mut st,
        &id,
        hdrs.sequence,
        vec![(noun, body.unwrap_or(Value::Null), parsed)],
    )
}

pub(super) async fn multi_noun(St(sh): St<AppState>, headers: HeaderMap, body: Bytes) -> Answer {
    let hdrs = check_headers(&headers, Need::SessionPost)?;
    let mut st = sh.lock();
    let id = live_session(&mut st, &hdrs.key, &hdrs.affinity)?;
    let body = match json_body(&body) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(bad_request(
                "Request is not a valid MultiNoun - MultiNoun requires a body",
            ))
        }
        Err(r) => return Err(r),
    };
    let Some(list) = body.get("nouns").and_then(Value::as_array) else {
        return Err(bad_request(
            "Request is not a valid MultiNoun - MultiNoun requires a non-null value on the nouns property",
        ));
    };
    // Every noun is validated before any is applied: a bad noun rejects the whole batch.
    let mut nouns = Vec::with_capacity(list.len());
    for wrapper in list {
        let Some(noun) = str_field(wrapper, "noun") else {
            return Err(bad_request(
                "Request is not a valid MultiNoun - each noun requires a noun property",
            ));
        };
        let prefix = str_field(wrapper, "prefix").unwrap_or("Chasitor");
        if prefix != "Chasitor" || noun == "ChasitorInit" || !NOUNS.contains(&noun) {
            return Err(bad_request(&format!(
                "Request is not a valid MultiNoun - unsupported noun {prefix}/{noun}"
            )));
        }
        // The guide's example calls the payload `object`; its NounWrapper type calls it `data`
        // (possibly a JSON string).
        let payload = match (wrapper.get("object"), wrapper.get("data")) {
            (Some(o), _) if !o.is_null() => Some(o.clone()),
            (_, Some(Value::String(s))) => match serde_json::from_str::<Value>(s) {
                Ok(v) => Some(v),
                Err(e) => return Err(bad_request(&format!("Noun data is not valid JSON: {e}"))),
            },
            (_, Some(d)) if !d.is_null() => Some(d.clone()),
            _ => None,
        };
        let parsed = parse_noun(noun, payload.as_ref())?;
        nouns.push((noun.to_string(), payload.unwrap_or(Value::Null), parsed));
    }
    process(&mut st, &id, hdrs.sequence, nouns)
}
