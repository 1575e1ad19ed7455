//! The agent's side of conversations (the control API calls these) and the control API's view.

use super::rich::{self, CAROUSEL_MAX, PRESETS};
use super::state::{Conversation, Miaw, Phase};
use crate::ids;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// The agent's rich message (`POST /_sim/sessions/{id}/rich`).
pub enum RichMessage {
    /// A preset by name (`buttons`, `carousel`, …); `count`: a carousel's cards.
    Preset { kind: String, count: Option<u64> },
    /// An `abstractMessage` sent as given (an `id` is added when it has none).
    Message(Value),
}

/// Agent-side actions on a conversation (through the control API).
pub enum AgentAction<'a> {
    /// An agent (`bot: false`) or a bot (`bot: true`) accepts, by name.
    Accept {
        name: &'a str,
        bot: bool,
    },
    Message(&'a str),
    /// A rich message; `base`: the server's base URL, for the URLs of the files it holds.
    Rich {
        message: RichMessage,
        base: &'a str,
    },
    /// The next upload's processing ends with this `errorType`.
    UploadError(&'a str),
    Typing(bool),
    /// To a named agent at once; `None` (a bot only): back to the queue.
    Transfer(Option<&'a str>),
    Disconnect,
    Queue {
        position: i64,
        estimated_wait_time: Option<i64>,
    },
    /// The agent's End: the messaging session ends (by the connected participant's role), the
    /// conversation stays open.
    End(Option<&'a str>),
    /// The messaging session ends by the system.
    EndSession,
    /// The org closes the conversation for good.
    CloseConversation,
    /// Customer inactivity now.
    Inactivate,
    /// An agent declines the waiting work item.
    Decline,
    Receipt {
        read: bool,
        message_id: Option<&'a str>,
    },
    ExpireToken,
}

/// What the control API shows of a conversation, copied under the lock.
pub struct ConversationView(Value);

impl ConversationView {
    pub fn into_json(self) -> Value {
        self.0
    }
}

impl Miaw {
    pub fn has_conversation(&self, id: &str) -> bool {
        self.conversations.contains_key(id)
    }

    /// Applies an agent action; `Err((status, message))` when the conversation is not in a state
    /// for it.
    pub fn agent_action(
        &mut self,
        id: &str,
        action: AgentAction<'_>,
    ) -> Result<(), (StatusCode, String)> {
        let conflict = |m: String| Err((StatusCode::CONFLICT, m));
        let Some(c) = self.conversations.get_mut(id) else {
            return Err((StatusCode::NOT_FOUND, "no such session".to_string()));
        };
        let state = c.state_str();
        let with_agent = c.phase == Phase::Active && c.agent_connected;
        match action {
            AgentAction::Accept { name, bot } => {
                let reconnecting = c.phase == Phase::Active && !c.agent_connected;
                if c.phase != Phase::Waiting && !reconnecting {
                    return conflict(format!("the conversation is {state}, not waiting"));
                }
                let role = if bot { "Chatbot" } else { "Agent" };
                let (dep, seq) = (c.dep, c.queue_seq);
                c.phase = Phase::Active;
                c.agent_name = Some(name.to_string());
                c.participant_role = role;
                c.agent_connected = true;
                c.queue_position = None;
                c.routing_status = "ROUTED";
                if reconnecting {
                    self.routing_result(id, "Transfer");
                    self.participant(id, "add", name, role);
                } else {
                    let session_waiting = c.session.status != "Active";
                    self.work_result(id, "Assigned");
                    self.work_result(id, "Accepted");
                    self.participant(id, "add", name, role);
                    if session_waiting {
                        self.set_session_status(id, "Active", None);
                    }
                    self.dequeued(dep, seq);
                }
            }
            AgentAction::Message(text) => {
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent"
                    ));
                }
                self.agent_send(id, rich::text(text));
            }
            AgentAction::Rich { message, base } => {
                let bad = |m: String| Err((StatusCode::BAD_REQUEST, m));
                match &message {
                    RichMessage::Preset { kind, .. } if !PRESETS.contains(&kind.as_str()) => {
                        return bad(format!(
                            "unknown kind {kind:?}: one of {}",
                            PRESETS.join(", ")
                        ))
                    }
                    RichMessage::Preset { count: Some(n), .. }
                        if !(1..=CAROUSEL_MAX).contains(n) =>
                    {
                        return bad(format!("count must be from 1 to {CAROUSEL_MAX}"))
                    }
                    RichMessage::Message(m)
                        if m.get("messageType")
                            .and_then(Value::as_str)
                            .is_none_or(str::is_empty) =>
                    {
                        return bad("message must be an object with a messageType".to_string())
                    }
                    _ => {}
                }
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent or bot"
                    ));
                }
                let m = match message {
                    RichMessage::Preset { kind, count } => {
                        rich::preset(&kind, count, &mut self.files, base)
                            .map_err(|e| (StatusCode::BAD_REQUEST, e))?
                    }
                    RichMessage::Message(mut m) => {
                        if m.get("id").is_none_or(Value::is_null) {
                            m["id"] = json!(ids::uuid());
                        }
                        m
                    }
                };
                self.agent_send(id, m);
            }
            AgentAction::UploadError(error_type) => {
                if !c.is_open() {
                    return conflict("the conversation has ended".to_string());
                }
                c.upload_error = Some(error_type.to_string());
            }
            AgentAction::Typing(on) => {
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent"
                    ));
                }
                let sender = Self::agent_sender(c);
                let (kind, event) = if on {
                    (
                        "TypingStartedIndicator",
                        "CONVERSATION_TYPING_STARTED_INDICATOR",
                    )
                } else {
                    (
                        "TypingStoppedIndicator",
                        "CONVERSATION_TYPING_STOPPED_INDICATOR",
                    )
                };
                let e = self.entry(id, kind, sender, None, json!({"entryType": kind}));
                self.publish(id, event, e, false);
            }
            AgentAction::Transfer(Some(name)) => {
                if c.phase != Phase::Active {
                    return conflict(format!("the conversation is {state}, not established"));
                }
                let leaving = c
                    .agent_connected
                    .then(|| c.agent_name.clone())
                    .flatten()
                    .map(|n| (n, c.participant_role));
                c.agent_name = Some(name.to_string());
                c.participant_role = "Agent";
                c.agent_connected = true;
                c.routing_status = "ROUTED";
                c.add_line(
                    "OperatorTransferred",
                    name.to_string(),
                    name.to_string(),
                    None,
                    Value::Null,
                );
                self.routing_result(id, "Transfer");
                self.work_result(id, "Transferred");
                if let Some((old, role)) = leaving {
                    self.participant(id, "remove", &old, role);
                }
                self.participant(id, "add", name, "Agent");
            }
            AgentAction::Transfer(None) => {
                if !(with_agent && c.participant_role == "Chatbot") {
                    return Err((
                        StatusCode::BAD_REQUEST,
                        "agentName is required unless a bot transfers to the queue".to_string(),
                    ));
                }
                let bot = c.agent_name.take().unwrap_or_default();
                c.agent_connected = false;
                c.participant_role = "Agent";
                c.routing_status = "TRANSFER";
                self.participant(id, "remove", &bot, "Chatbot");
                self.routing_result(id, "Transfer");
                self.work_result(id, "Transferred");
                self.enqueue(id);
            }
            AgentAction::Disconnect => {
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent"
                    ));
                }
                c.agent_connected = false;
                let name = c.agent_name.clone().unwrap_or_default();
                let role = c.participant_role;
                self.participant(id, "remove", &name, role);
            }
            AgentAction::Queue {
                position,
                estimated_wait_time,
            } => {
                if c.phase != Phase::Waiting {
                    return conflict(format!("the conversation is {state}, not queued"));
                }
                if let Some(ewt) = estimated_wait_time {
                    c.estimated_wait_time = ewt;
                }
                let routing = if c.routing_status == "TRANSFER" {
                    "Transfer"
                } else {
                    "Initial"
                };
                self.routing_result(id, routing);
                self.queue_position_event(id, position);
            }
            AgentAction::End(reason) => {
                if !c.is_open() {
                    return conflict("the conversation has already ended".to_string());
                }
                if c.phase == Phase::SessionEnded {
                    return conflict("the messaging session has already ended".to_string());
                }
                let role = if c.agent_connected {
                    c.participant_role
                } else {
                    "System"
                };
                let reason = reason.unwrap_or("agent").to_string();
                self.end_session_by(id, role, Some(reason));
            }
            AgentAction::EndSession => {
                if !matches!(c.phase, Phase::Waiting | Phase::Active | Phase::Inactive) {
                    return conflict(format!("the conversation is {state}: no messaging session"));
                }
                self.end_session_by(id, "System", Some("system".to_string()));
            }
            AgentAction::CloseConversation => {
                if !c.is_open() {
                    return conflict("the conversation has already ended".to_string());
                }
                // How the real server tells an org-side close is not documented (its
                // CONVERSATION_CLOSE_CONVERSATION is documented for the end user's close only):
                // the simulator ends the session by System, then sends the close. A client must
                // end the chat on either.
                self.close(id, "System", Some("closed".to_string()));
            }
            AgentAction::Inactivate => {
                if !self.inactivate(id) {
                    return conflict(format!(
                        "the conversation is {state}: no active messaging session"
                    ));
                }
            }
            AgentAction::Decline => {
                if c.phase != Phase::Waiting {
                    return conflict(format!("the conversation is {state}, not queued"));
                }
                self.work_result(id, "Declined");
            }
            AgentAction::Receipt { read, message_id } => {
                if !c.is_open() {
                    return conflict("the conversation has ended".to_string());
                }
                let targets: Vec<String> = c
                    .transcript
                    .iter()
                    .filter(|l| l.kind == "Chasitor" && if read { !l.read } else { !l.delivered })
                    .filter_map(|l| l.message_id.clone())
                    .filter(|m| message_id.is_none_or(|want| want == m))
                    .collect();
                if let Some(want) = message_id {
                    let known = c
                        .transcript
                        .iter()
                        .any(|l| l.kind == "Chasitor" && l.message_id.as_deref() == Some(want));
                    if !known {
                        return Err((
                            StatusCode::BAD_REQUEST,
                            format!("no message {want} from the visitor"),
                        ));
                    }
                }
                for l in c.transcript.iter_mut() {
                    if l.message_id.as_ref().is_some_and(|m| targets.contains(m)) {
                        l.delivered = true;
                        l.read |= read;
                    }
                }
                let sender = Self::agent_sender(c);
                let (kind, event) = if read {
                    ("ReadAcknowledgement", "CONVERSATION_READ_ACKNOWLEDGEMENT")
                } else {
                    (
                        "DeliveryAcknowledgement",
                        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
                    )
                };
                for m in targets {
                    let payload = json!({
                        "entryType": kind,
                        "acknowledgementTimestamp": ids::now_ms(),
                        "acknowledgedConversationEntryIdentifier": m,
                    });
                    let mut e = self.entry(id, kind, sender.clone(), None, payload);
                    e.related = vec![m];
                    self.publish(id, event, e, true);
                }
            }
            AgentAction::ExpireToken => {
                let visitor = c.visitor.clone();
                self.expire_tokens(&visitor);
            }
        }
        Ok(())
    }

    /// The connected agent's or bot's message (an `abstractMessage` with its `id`): a transcript
    /// line, `CONVERSATION_MESSAGE` (kept in history). The caller checks that one is connected.
    pub(super) fn agent_send(&mut self, id: &str, message: Value) {
        let line = rich::describe(&message, false, &self.files);
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        let sender = Self::agent_sender(c);
        let msg_id = message["id"]
            .as_str()
            .map_or_else(ids::uuid, str::to_string);
        c.add_line(
            "Agent",
            sender.2.clone(),
            line.content,
            Some(msg_id.clone()),
            line.detail,
        );
        let payload = json!({
            "entryType": "Message",
            "id": msg_id,
            "abstractMessage": message,
            "messageReason": Value::Null,
        });
        let e = self.entry(id, "Message", sender, Some(msg_id), payload);
        self.publish(id, "CONVERSATION_MESSAGE", e, true);
    }

    /// Every conversation as `(order, view)`.
    pub fn views(&self) -> Vec<(u64, ConversationView)> {
        self.conversations
            .values()
            .map(|c| (c.order, self.view_of(c)))
            .collect()
    }

    pub fn view(&self, id: &str) -> Option<ConversationView> {
        self.conversations.get(id).map(|c| self.view_of(c))
    }

    fn view_of(&self, c: &Conversation) -> ConversationView {
        let v = self.visitors.get(&c.visitor);
        let dep = v.map(|v| &self.deployments[v.dep]);
        // Pre-chat details in the form's order, with the form's labels.
        let fields = dep
            .and_then(|d| d.pre_chat.as_ref())
            .map_or(&[][..], |f| &f.fields[..]);
        let prechat: Vec<Value> = fields
            .iter()
            .filter_map(|f| {
                let value = match c.routing_attributes.get(&f.name)? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let label = f.label.clone().unwrap_or_else(|| f.name.clone());
                Some(
                    json!({"label": label, "name": f.name, "value": value, "displayToAgent": true}),
                )
            })
            .collect();
        let received: Vec<Value> = c
            .received
            .iter()
            .map(|r| json!({"sequence": Value::Null, "type": r.kind, "body": r.body}))
            .collect();
        let transcript: Vec<Value> = c
            .transcript
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut line = json!({"type": l.kind, "name": l.name, "content": l.content,
                       "timestamp": l.timestamp, "sequence": i + 1, "messageId": l.message_id,
                       "delivered": l.delivered, "read": l.read});
                if let (Some(line), Some(detail)) = (line.as_object_mut(), l.detail.as_object()) {
                    for (k, v) in detail {
                        line.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                line
            })
            .collect();
        ConversationView(json!({
            "api": "miaw",
            "id": c.id,
            "state": c.state_str(),
            "visitorName": c.visitor_name(),
            "prechatDetails": prechat,
            "queuePosition": c.queue_position,
            "agentName": c.agent_name,
            "received": received,
            "orgId": dep.map(|d| d.org_id.clone()),
            "esDeveloperName": dep.map(|d| d.es_developer_name.clone()),
            "visitorId": c.visitor,
            "verified": v.and_then(|v| v.verified.clone()),
            "routingAttributes": c.routing_attributes,
            "estimatedWaitTime": c.estimated_wait_time,
            "agentConnected": c.agent_connected,
            "messagingSession": match c.phase {
                Phase::SessionEnded | Phase::Closed => "ended",
                Phase::Inactive => "inactive",
                Phase::Waiting | Phase::Active => "active",
            },
            "sessionId": c.session.id,
            "sessionStatus": c.session.status,
            "sessionEndedByRole": c.session.ended_by_role,
            "participantRole": c.agent_connected.then_some(c.participant_role),
            "routingStatus": c.routing_status,
            "endedBy": c.ended_by,
            "endReason": c.end_reason,
            "createdAtMs": c.created_ms,
            "visitorTyping": c.visitor_typing,
            "breadcrumbs": [],
            "transcript": transcript,
            "openStreams": v.map_or(0, |v| v.open_streams),
            "maxOpenStreams": v.map_or(0, |v| v.max_open_streams),
            "lastEventId": v.map_or(0, |v| v.last_event_id).to_string(),
            "pendingUploadError": c.upload_error,
        }))
    }
}
