//! The visitor's requests on conversations (the REST routes call these).

use super::rich;
use super::state::{
    is_lowercase_uuid, str_field, Conversation, Entry, HistoryQuery, Miaw, Phase, Reject, Session,
};
use crate::ids;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use std::time::Instant;

/// A checked visitor message about to be posted.
pub(super) struct Post {
    pub(super) msg_id: String,
    /// As echoed on the stream and kept in history.
    pub(super) abstract_message: Value,
    /// The `received` entry's type: `Message` or `File`.
    pub(super) received_kind: &'static str,
    /// What the request sent (recorded in `received`).
    pub(super) body: Value,
    pub(super) new_session: bool,
    pub(super) attributes: Map<String, Value>,
    pub(super) client_ts: u64,
}

/// A `ChoicesResponseMessage`'s `inReplyToMessageId` and selected `optionIdentifier`s (400 when
/// one is missing, the format is not `Selections` or nothing is selected).
fn parse_choice(msg: &Value) -> Result<(String, Vec<String>), Reject> {
    let Some(in_reply_to) = str_field(msg, "inReplyToMessageId") else {
        return Err(Reject::bad(
            "Missing required field message.inReplyToMessageId",
        ));
    };
    let Some(response) = msg.get("choicesResponse").filter(|r| r.is_object()) else {
        return Err(Reject::bad(
            "Missing required field message.choicesResponse",
        ));
    };
    if str_field(response, "formatType") != Some("Selections") {
        return Err(Reject::bad("choicesResponse.formatType must be Selections"));
    }
    let selected = response
        .get("selectedOptions")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| Reject::bad("choicesResponse.selectedOptions must not be empty"))?;
    let ids = selected
        .iter()
        .map(|o| {
            str_field(o, "optionIdentifier")
                .map(str::to_string)
                .ok_or_else(|| {
                    Reject::bad("Missing required field selectedOptions[].optionIdentifier")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((in_reply_to.to_string(), ids))
}

impl Miaw {
    pub(super) fn check_es_name(&self, visitor: &str, es: Option<&str>) -> Result<(), Reject> {
        match es {
            None => Err(Reject::bad("Missing required field esDeveloperName")),
            Some(es) if es != self.visitor_es_name(visitor) => Err(Reject::bad(format!(
                "esDeveloperName {es} is not the deployment of this access token"
            ))),
            Some(_) => Ok(()),
        }
    }

    /// The visitor's conversation (404 for someone else's or an unknown one).
    pub(super) fn own(&mut self, visitor: &str, id: &str) -> Result<&mut Conversation, Reject> {
        if !is_lowercase_uuid(id) {
            return Err(Reject::bad("The conversation id must be a lowercase UUID"));
        }
        match self.conversations.get_mut(id) {
            Some(c) if c.visitor == visitor => Ok(c),
            _ => Err(Reject::not_found()),
        }
    }

    fn routing_attributes(
        &self,
        visitor: &str,
        body: &Value,
    ) -> Result<Map<String, Value>, Reject> {
        let dep = &self.deployments[self.visitors[visitor].dep];
        match body.get("routingAttributes") {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m
                .iter()
                .filter(|(k, _)| dep.has_field(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()),
            Some(_) => Err(Reject::bad("routingAttributes must be an object")),
        }
    }

    /// `POST …/conversation`.
    pub fn create_conversation(
        &mut self,
        visitor: &str,
        order: u64,
        body: &Value,
    ) -> Result<Value, Reject> {
        let Some(id) = str_field(body, "conversationId") else {
            return Err(Reject::bad("Missing required field conversationId"));
        };
        if !is_lowercase_uuid(id) {
            return Err(Reject::bad("conversationId must be a lowercase UUID"));
        }
        self.check_es_name(visitor, str_field(body, "esDeveloperName"))?;
        if self.conversations.contains_key(id) {
            return Err(Reject::conflict(format!(
                "Conversation {id} already exists"
            )));
        }
        let routing_attributes = self.routing_attributes(visitor, body)?;
        let dep_index = self.visitors[visitor].dep;
        let dep = &self.deployments[dep_index];
        let now = ids::now_ms();
        let mut c = Conversation {
            id: id.to_string(),
            visitor: visitor.to_string(),
            dep: dep_index,
            channel: dep.channel_address(),
            order,
            created_ms: now,
            closed_ms: None,
            routing_attributes,
            phase: Phase::Waiting,
            session: Session::new(),
            routing_status: "INITIAL",
            queue_seq: 0,
            routing_id: String::new(),
            active_since: Instant::now(),
            last_visitor_message: Instant::now(),
            agent_name: None,
            participant_role: "Agent",
            agent_connected: false,
            ended_by: None,
            end_reason: None,
            queue_position: None,
            estimated_wait_time: dep.estimated_wait_time,
            visitor_typing: false,
            entries: Vec::new(),
            last_ts: 0,
            transcript: Vec::new(),
            received: Vec::new(),
            upload_error: None,
        };
        c.record("CreateConversation", body.clone());
        self.conversations.insert(id.to_string(), c);
        // A messaging session starts (New → Waiting) and is routed to the deployment's queue
        // (where a scripted bot takes it at once).
        self.start_routing(id);
        self.bot_take(id);
        Ok(json!({"conversationId": id}))
    }

    /// The fields every visitor message shares (`/message` and `/file`): `isNewMessagingSession`,
    /// `esDeveloperName` (required, the token's), the routing attributes kept and the client
    /// timestamp.
    pub(super) fn message_envelope(
        &self,
        visitor: &str,
        body: &Value,
    ) -> Result<(bool, Map<String, Value>, u64), Reject> {
        let new_session = match body.get("isNewMessagingSession") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Reject::bad("isNewMessagingSession must be a boolean")),
        };
        self.check_es_name(visitor, str_field(body, "esDeveloperName"))?;
        let attributes = self.routing_attributes(visitor, body)?;
        let client_ts = body
            .get("clientTimestamp")
            .and_then(Value::as_u64)
            .unwrap_or_else(ids::now_ms);
        Ok((new_session, attributes, client_ts))
    }

    /// The visitor's open conversation, and the answer to a retry: a message id the conversation
    /// already has is answered again and not repeated.
    pub(super) fn open_conversation(
        &mut self,
        visitor: &str,
        id: &str,
        msg_id: &str,
    ) -> Result<Option<Value>, Reject> {
        let c = self.own(visitor, id)?;
        c.require_open()?;
        Ok(c.entries.iter().find(|e| e.identifier == msg_id).map(|e| {
            json!({"conversationEntries": [{"id": e.identifier, "clientTimestamp": e.client_ts}]})
        }))
    }

    /// `POST …/conversation/{id}/message`: a text or the answer to a menu
    /// (`ChoicesResponseMessage`), recorded and echoed on the visitor's stream; a scripted bot
    /// answers it. `base`: the server's base URL (for the files of the bot's answers).
    pub fn visitor_message(
        &mut self,
        visitor: &str,
        id: &str,
        body: &Value,
        base: &str,
    ) -> Result<Value, Reject> {
        let Some(msg) = body.get("message").filter(|m| m.is_object()) else {
            return Err(Reject::bad("Missing required field message"));
        };
        let Some(msg_id) = str_field(msg, "id") else {
            return Err(Reject::bad("Missing required field message.id"));
        };
        let mut abstract_message = msg.clone();
        let choice = match str_field(msg, "messageType") {
            Some("StaticContentMessage") => {
                let static_content = msg.get("staticContent").cloned().unwrap_or(Value::Null);
                if str_field(&static_content, "formatType") != Some("Text") {
                    return Err(Reject::bad("staticContent.formatType must be Text"));
                }
                let Some(text) = static_content.get("text").and_then(Value::as_str) else {
                    return Err(Reject::bad("Missing required field staticContent.text"));
                };
                abstract_message["staticContent"] = json!({"formatType": "Text", "text": text});
                None
            }
            Some("ChoicesResponseMessage") => Some(parse_choice(msg)?),
            Some(other) => return Err(Reject::bad(format!("Unsupported messageType {other}"))),
            None => return Err(Reject::bad("Missing required field message.messageType")),
        };
        let (new_session, attributes, client_ts) = self.message_envelope(visitor, body)?;
        if let Some(answer) = self.open_conversation(visitor, id, msg_id)? {
            return Ok(answer);
        }
        // The visitor's words, for a scripted bot: the text, or the title of the option chosen.
        let said = match choice {
            Some((in_reply_to, selected)) => {
                let titled = self.title_choice(id, &in_reply_to, &selected)?;
                let first = titled[0]["title"].as_str().unwrap_or_default().to_string();
                abstract_message["choicesResponse"]["selectedOptions"] = Value::Array(titled);
                first
            }
            None => abstract_message["staticContent"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        };
        let post = Post {
            msg_id: msg_id.to_string(),
            abstract_message,
            received_kind: "Message",
            body: body.clone(),
            new_session,
            attributes,
            client_ts,
        };
        let (answer, routed_again) = self.post_visitor_message(visitor, id, post)?;
        if !routed_again {
            self.bot_answer(id, &said, base);
        }
        Ok(answer)
    }

    /// The selected options of an answer to the menu `in_reply_to` of conversation `id`, each
    /// with its `title` from the menu. 400 when no menu of the conversation has that id, or an
    /// option is not one of it.
    fn title_choice(
        &self,
        id: &str,
        in_reply_to: &str,
        selected: &[String],
    ) -> Result<Vec<Value>, Reject> {
        let menu = self.conversations.get(id).and_then(|c| {
            c.entries
                .iter()
                .filter(|e| e.entry_type == "Message")
                .map(|e| &e.payload["abstractMessage"])
                .find(|m| m["id"].as_str() == Some(in_reply_to))
                .and_then(rich::menu_options)
        });
        let Some(options) = menu else {
            return Err(Reject::bad(format!(
                "inReplyToMessageId {in_reply_to} is not a ChoicesMessage of this conversation"
            )));
        };
        selected
            .iter()
            .map(|want| {
                options
                    .iter()
                    .find(|(option, _)| option == want)
                    .map(|(option, title)| json!({"optionIdentifier": option, "title": title}))
                    .ok_or_else(|| {
                        Reject::bad(format!(
                            "optionIdentifier {want} is not an option of message {in_reply_to}"
                        ))
                    })
            })
            .collect()
    }

    /// Posts a checked visitor message (text, choice or file) on an open conversation: 417 while
    /// the messaging session has ended (unless it starts a new one), routing again after an end or
    /// inactivity, recorded, a transcript line, echoed. The answer, and whether the conversation
    /// was routed again (a scripted bot then took it and greeted).
    pub(super) fn post_visitor_message(
        &mut self,
        visitor: &str,
        id: &str,
        p: Post,
    ) -> Result<(Value, bool), Reject> {
        let line = rich::describe(&p.abstract_message, true, &self.files);
        let c = self.own(visitor, id)?;
        if c.phase == Phase::SessionEnded && !p.new_session {
            return Err(Reject::new(
                StatusCode::EXPECTATION_FAILED,
                "The messaging session has ended: send the message with isNewMessagingSession true",
            ));
        }
        // After the end of a session: a new one (new sessionId). After inactivity: the same
        // session, Waiting again. Either way routed again, to whichever agent or bot accepts it.
        let routing_again = match c.phase {
            Phase::SessionEnded => {
                c.session = Session::new();
                true
            }
            Phase::Inactive => true,
            _ => false,
        };
        if routing_again {
            c.routing_attributes.extend(p.attributes);
            c.agent_name = None;
            c.participant_role = "Agent";
            c.queue_position = None;
            c.routing_status = "NEEDS_ROUTING";
            c.ended_by = None;
            c.end_reason = None;
        }
        c.last_visitor_message = Instant::now();
        c.record(p.received_kind, p.body);
        c.visitor_typing = false;
        let name = c.visitor_name().unwrap_or_else(|| "Guest".to_string());
        c.add_line(
            "Chasitor",
            name.clone(),
            line.content,
            Some(p.msg_id.clone()),
            line.detail,
        );
        let payload = json!({
            "entryType": "Message",
            "id": p.msg_id,
            "abstractMessage": p.abstract_message,
            "messageReason": Value::Null,
        });
        let sender = ("EndUser", visitor.to_string(), name);
        let mut e = self.entry(id, "Message", sender, Some(p.msg_id.clone()), payload);
        e.client_ts = p.client_ts;
        if routing_again {
            self.set_session_status(id, "Waiting", None);
        }
        self.publish(id, "CONVERSATION_MESSAGE", e, true);
        if routing_again {
            self.routing_result(id, "Initial");
            self.enqueue(id);
            self.bot_take(id);
        }
        let answer =
            json!({"conversationEntries": [{"id": p.msg_id, "clientTimestamp": p.client_ts}]});
        Ok((answer, routing_again))
    }

    /// `POST …/conversation/{id}/entry`: typing started or stopped (not echoed).
    pub fn visitor_entry(&mut self, visitor: &str, id: &str, body: &Value) -> Result<(), Reject> {
        let typing = match str_field(body, "entryType") {
            Some("TypingStartedIndicator") => true,
            Some("TypingStoppedIndicator") => false,
            Some(other) => return Err(Reject::bad(format!("Unsupported entryType {other}"))),
            None => return Err(Reject::bad("Missing required field entryType")),
        };
        let c = self.own(visitor, id)?;
        c.require_open()?;
        c.visitor_typing = typing;
        let kind = str_field(body, "entryType").unwrap_or_default().to_string();
        c.record(&kind, body.clone());
        Ok(())
    }

    /// `POST …/conversation/{id}/acknowledge-entries`: the visitor's delivery and read receipts
    /// for the agent's messages.
    pub fn visitor_acks(&mut self, visitor: &str, id: &str, body: &Value) -> Result<(), Reject> {
        let Some(acks) = body.get("acks").and_then(Value::as_array) else {
            return Err(Reject::bad("Missing required field acks"));
        };
        let mut parsed = Vec::new();
        for a in acks {
            let read = match str_field(a, "entryType") {
                Some("Delivery") => false,
                Some("Read") => true,
                _ => return Err(Reject::bad("acks[].entryType must be Delivery or Read")),
            };
            let Some(entry_id) = str_field(a, "conversationEntryId") else {
                return Err(Reject::bad(
                    "Missing required field acks[].conversationEntryId",
                ));
            };
            parsed.push((read, entry_id.to_string()));
        }
        let c = self.own(visitor, id)?;
        c.require_open()?;
        for (read, entry_id) in parsed {
            for l in c
                .transcript
                .iter_mut()
                .filter(|l| l.kind == "Agent" && l.message_id.as_deref() == Some(entry_id.as_str()))
            {
                l.delivered = true;
                l.read |= read;
            }
        }
        c.record("AcknowledgeEntries", body.clone());
        Ok(())
    }

    /// `DELETE …/conversation/{id}`: closes the conversation (again: no effect).
    pub fn visitor_close(
        &mut self,
        visitor: &str,
        id: &str,
        es: Option<&str>,
    ) -> Result<(), Reject> {
        self.check_es_name(visitor, es)?;
        let c = self.own(visitor, id)?;
        if !c.is_open() {
            return Ok(());
        }
        c.record("CloseConversation", json!({"esDeveloperName": es}));
        self.close(id, "EndUser", None);
        Ok(())
    }

    /// `DELETE …/conversation/{id}/session`: ends the messaging session; the conversation stays.
    pub fn visitor_end_session(
        &mut self,
        visitor: &str,
        id: &str,
        es: Option<&str>,
    ) -> Result<(), Reject> {
        self.check_es_name(visitor, es)?;
        let c = self.own(visitor, id)?;
        c.require_open()?;
        c.record("EndMessagingSession", json!({"esDeveloperName": es}));
        self.end_session_by(id, "EndUser", None);
        Ok(())
    }

    /// `GET …/conversation/{id}`: `{conversationId, routingStatus}`.
    pub fn routing_status(&mut self, visitor: &str, id: &str) -> Result<Value, Reject> {
        let c = self.own(visitor, id)?;
        Ok(Miaw::routing_status_json(c))
    }

    /// `GET …/conversation/list`: the visitor's conversations, newest first.
    pub fn list(&self, visitor: &str, include_closed: bool, limit: usize) -> Value {
        let mut mine: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.visitor == visitor)
            .collect();
        mine.sort_by_key(|c| std::cmp::Reverse(c.order));
        let open = mine.iter().filter(|c| c.is_open()).count();
        let closed = mine.len() - open;
        let es = self.visitor_es_name(visitor);
        let list: Vec<Value> = mine
            .iter()
            .filter(|c| include_closed || c.is_open())
            .take(limit)
            .map(|c| c.list_json(es))
            .collect();
        json!({
            "openConversationsFound": open,
            "closedConversationsFound": closed,
            "conversations": list,
        })
    }

    /// `GET …/conversation/{id}/entries`.
    pub fn history(&mut self, visitor: &str, id: &str, q: &HistoryQuery) -> Result<Value, Reject> {
        let c = self.own(visitor, id)?;
        let fits = |e: &&Entry| {
            q.start.is_none_or(|s| e.ts > s)
                && q.end.is_none_or(|end| e.ts < end)
                && q.types
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|t| t == e.entry_type))
        };
        let page: Vec<Value> = if q.from_start {
            c.entries
                .iter()
                .filter(fits)
                .take(q.limit)
                .map(|e| e.to_json(false))
                .collect()
        } else {
            c.entries
                .iter()
                .rev()
                .filter(fits)
                .take(q.limit)
                .map(|e| e.to_json(false))
                .collect()
        };
        Ok(json!({"conversationEntries": page}))
    }
}
