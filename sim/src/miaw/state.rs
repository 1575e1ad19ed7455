//! Enhanced Chat state: tokens, visitors (each with an append-only event log read by its event
//! streams) and conversations (each with its history). It lives inside the simulator's one
//! [`crate::state::State`], under the same lock; handlers call these methods and never mutate the
//! fields themselves.

use super::config::MiawDeployment;
use super::token::Signer;
use crate::config::same_id;
use crate::ids;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Events kept per visitor for resuming streams (the oldest go first).
pub const EVENT_LOG_CAP: usize = 10_000;
/// History entries, transcript lines and `received` entries kept per conversation.
pub const CONVERSATION_LOG_CAP: usize = 10_000;
/// Most entries one history page holds.
pub const HISTORY_PAGE_MAX: usize = 50;
/// Most conversations `conversation/list` returns.
pub const LIST_MAX: usize = 50;

/// A refused request: status and the `message` of the JSON error body.
#[derive(Debug)]
pub struct Reject {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

impl Reject {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Reject {
        Reject {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad(message: impl Into<String>) -> Reject {
        Reject::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> Reject {
        Reject::new(
            StatusCode::UNAUTHORIZED,
            "The access token is missing, invalid or expired",
        )
    }

    fn not_found() -> Reject {
        Reject::new(StatusCode::NOT_FOUND, "Conversation not found")
    }

    fn conflict(message: impl Into<String>) -> Reject {
        Reject::new(StatusCode::CONFLICT, message)
    }
}

/// `8-4-4-4-12` lowercase hex digits.
pub fn is_lowercase_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

struct TokenInfo {
    visitor: String,
    exp_ms: u64,
}

/// One event of a visitor's stream.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: u64,
    pub name: &'static str,
    pub data: String,
}

struct Visitor {
    dep: usize,
    device_id: String,
    events: VecDeque<Event>,
    last_event_id: u64,
    notify: watch::Sender<u64>,
    open_streams: u32,
    max_open_streams: u32,
    /// Arrival times of recent authenticated requests (rate limit window).
    recent: VecDeque<Instant>,
}

/// Where a conversation is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Created (or a new messaging session started): waiting for an agent.
    Routing,
    /// An agent accepted (it may have disconnected since: `agent_connected`).
    Agent,
    /// The messaging session ended; the conversation is open. The next message needs
    /// `isNewMessagingSession: true` (417 otherwise).
    Inactive,
    Closed,
}

/// A history entry (also the `conversationEntry` of its event).
#[derive(Clone, Debug)]
struct Entry {
    identifier: String,
    entry_type: &'static str,
    role: &'static str,
    subject: String,
    display_name: String,
    payload: Value,
    ts: u64,
    client_ts: u64,
    related: Vec<String>,
}

impl Entry {
    fn to_json(&self, payload_as_string: bool) -> Value {
        let payload = if payload_as_string {
            Value::String(self.payload.to_string())
        } else {
            self.payload.clone()
        };
        json!({
            "identifier": self.identifier,
            "entryType": self.entry_type,
            "senderDisplayName": self.display_name,
            "sender": {
                "role": self.role,
                "subject": self.subject,
                "appType": if self.role == "EndUser" { "iamessage" } else { "chasitor-sim" },
                "clientIdentifier": "",
            },
            "entryPayload": payload,
            "transcriptedTimestamp": self.ts,
            "clientTimestamp": self.client_ts,
            "relatedRecords": self.related,
        })
    }
}

/// A transcript line for the control API (the agent console's view).
#[derive(Clone, Debug)]
struct Line {
    kind: &'static str,
    name: String,
    content: String,
    timestamp: u64,
    message_id: Option<String>,
    delivered: bool,
    read: bool,
}

/// A visitor request the server processed.
#[derive(Clone, Debug)]
struct Received {
    kind: String,
    body: Value,
}

struct Conversation {
    id: String,
    visitor: String,
    channel: String,
    order: u64,
    created_ms: u64,
    closed_ms: Option<u64>,
    routing_attributes: Map<String, Value>,
    phase: Phase,
    agent_name: Option<String>,
    agent_connected: bool,
    ended_by: Option<&'static str>,
    end_reason: Option<String>,
    queue_position: Option<i64>,
    estimated_wait_time: i64,
    visitor_typing: bool,
    entries: Vec<Entry>,
    last_ts: u64,
    transcript: Vec<Line>,
    received: Vec<Received>,
}

impl Conversation {
    fn is_open(&self) -> bool {
        self.phase != Phase::Closed
    }

    /// Transcript timestamps rise strictly within a conversation, so paging by timestamp never
    /// skips an entry.
    fn next_ts(&mut self) -> u64 {
        self.last_ts = ids::now_ms().max(self.last_ts + 1);
        self.last_ts
    }

    fn visitor_name(&self) -> Option<String> {
        let part = |k: &str| {
            self.routing_attributes
                .get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match (part("_firstName"), part("_lastName")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n),
            (None, None) => None,
        }
    }

    fn record(&mut self, kind: &str, body: Value) {
        if self.received.len() < CONVERSATION_LOG_CAP {
            self.received.push(Received {
                kind: kind.to_string(),
                body,
            });
        }
    }

    fn add_line(&mut self, kind: &'static str, name: String, content: String, id: Option<String>) {
        if self.transcript.len() < CONVERSATION_LOG_CAP {
            self.transcript.push(Line {
                kind,
                name,
                content,
                timestamp: ids::now_ms(),
                message_id: id,
                delivered: false,
                read: false,
            });
        }
    }

    fn state_str(&self) -> &'static str {
        match self.phase {
            Phase::Routing => "queued",
            Phase::Agent => "established",
            Phase::Inactive => "inactive",
            Phase::Closed => "ended",
        }
    }

    fn require_open(&self) -> Result<(), Reject> {
        if self.is_open() {
            Ok(())
        } else {
            Err(Reject::bad("The conversation is closed"))
        }
    }

    fn list_json(&self, es_developer_name: &str) -> Value {
        json!({
            "conversationId": self.id,
            "status": if self.is_open() { "OPEN" } else { "CLOSED" },
            "startTimestamp": self.created_ms,
            "endTimestamp": self.closed_ms,
            "esDeveloperName": es_developer_name,
        })
    }
}

/// What the control API shows of a conversation, copied under the lock.
pub struct ConversationView(Value);

impl ConversationView {
    pub fn into_json(self) -> Value {
        self.0
    }
}

/// A history page request (`GET …/entries`).
pub struct HistoryQuery {
    pub limit: usize,
    pub start: Option<u64>,
    pub end: Option<u64>,
    pub from_start: bool,
    pub types: Option<Vec<String>>,
}

/// The token answer's facts.
pub struct Issued {
    pub token: String,
    pub last_event_id: u64,
    pub device_id: String,
    pub dep: usize,
}

/// Agent-side actions on a conversation (through the control API).
pub enum AgentAction<'a> {
    Accept(&'a str),
    Message(&'a str),
    Typing(bool),
    Transfer(&'a str),
    Disconnect,
    Queue {
        position: i64,
        estimated_wait_time: Option<i64>,
    },
    End(Option<&'a str>),
    EndSession,
    Receipt {
        read: bool,
        message_id: Option<&'a str>,
    },
    ExpireToken,
}

pub struct Miaw {
    deployments: Vec<MiawDeployment>,
    signer: Signer,
    tokens: HashMap<String, TokenInfo>,
    visitors: HashMap<String, Visitor>,
    conversations: HashMap<String, Conversation>,
}

fn agent_subject(name: &str) -> String {
    ids::sf_id("005", name)
}

impl Miaw {
    pub fn new(deployments: Vec<MiawDeployment>) -> Miaw {
        Miaw {
            deployments,
            signer: Signer::new(),
            tokens: HashMap::new(),
            visitors: HashMap::new(),
            conversations: HashMap::new(),
        }
    }

    pub fn deployments(&self) -> &[MiawDeployment] {
        &self.deployments
    }

    pub fn deployment(&self, index: usize) -> &MiawDeployment {
        &self.deployments[index]
    }

    // -----------------------------------------------------------------------------------------
    // Tokens and visitors

    /// `POST …/access-token`: a new visitor with a new token.
    pub fn issue_token(&mut self, body: &Value) -> Result<Issued, Reject> {
        for name in [
            "orgId",
            "esDeveloperName",
            "capabilitiesVersion",
            "platform",
        ] {
            if body.get(name).is_none_or(Value::is_null) {
                return Err(Reject::bad(format!("Missing required field {name}")));
            }
        }
        let (Some(org), Some(es)) = (str_field(body, "orgId"), str_field(body, "esDeveloperName"))
        else {
            return Err(Reject::bad("orgId and esDeveloperName must be strings"));
        };
        if !self.deployments.iter().any(|d| same_id(&d.org_id, org)) {
            return Err(Reject::bad(format!("Unknown organization {org}")));
        }
        let Some(dep) = self
            .deployments
            .iter()
            .position(|d| same_id(&d.org_id, org) && d.es_developer_name == es)
        else {
            return Err(Reject::bad(format!(
                "No Embedded Service deployment {es} in organization {org}"
            )));
        };
        let device_id = str_field(body, "deviceId")
            .map(str::to_string)
            .unwrap_or_else(ids::uuid);
        let visitor = ids::uuid();
        let (notify, _) = watch::channel(0u64);
        self.visitors.insert(
            visitor.clone(),
            Visitor {
                dep,
                device_id: device_id.clone(),
                events: VecDeque::new(),
                last_event_id: 0,
                notify,
                open_streams: 0,
                max_open_streams: 0,
                recent: VecDeque::new(),
            },
        );
        let lifetime_ms = (self.deployments[dep].token_lifetime_seconds.max(0.0) * 1000.0) as u64;
        let token = self.new_token(&visitor, ids::now_ms() + lifetime_ms);
        Ok(Issued {
            token,
            last_event_id: 0,
            device_id,
            dep,
        })
    }

    fn new_token(&mut self, visitor: &str, exp_ms: u64) -> String {
        let v = &self.visitors[visitor];
        let d = &self.deployments[v.dep];
        let now = ids::now_ms();
        let claims = json!({
            "iss": "chasitor-sim",
            "sub": format!("v2/iamessage/UNAUTH/NA/uid:{visitor}"),
            "aud": "iamessage",
            "orgId": d.org_id,
            "esDeveloperName": d.es_developer_name,
            "deviceId": v.device_id,
            "jti": ids::uuid(),
            "iat": now / 1000,
            "exp": exp_ms / 1000,
        });
        let token = self.signer.issue(&claims);
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                visitor: visitor.to_string(),
                exp_ms,
            },
        );
        token
    }

    /// `GET …/continuation-access-token`: another token for the same visitor, same expiry.
    pub fn continuation(&mut self, token: &str) -> Result<Issued, Reject> {
        let visitor = self.authenticate(Some(token))?;
        let exp_ms = self.tokens[token].exp_ms;
        let token = self.new_token(&visitor, exp_ms);
        let v = &self.visitors[&visitor];
        Ok(Issued {
            token,
            last_event_id: v.last_event_id,
            device_id: v.device_id.clone(),
            dep: v.dep,
        })
    }

    /// The visitor a bearer token names, if it is known and not expired.
    pub fn authenticate(&self, token: Option<&str>) -> Result<String, Reject> {
        let info = token
            .and_then(|t| self.tokens.get(t))
            .ok_or_else(Reject::unauthorized)?;
        if info.exp_ms <= ids::now_ms() || !self.visitors.contains_key(&info.visitor) {
            return Err(Reject::unauthorized());
        }
        Ok(info.visitor.clone())
    }

    /// The token's visitor, expired or not (for the token_expired fault).
    pub fn token_visitor(&self, token: &str) -> Option<String> {
        self.tokens.get(token).map(|t| t.visitor.clone())
    }

    /// Every token of the visitor expires now.
    pub fn expire_tokens(&mut self, visitor: &str) {
        let now = ids::now_ms();
        for t in self.tokens.values_mut().filter(|t| t.visitor == visitor) {
            t.exp_ms = t.exp_ms.min(now);
        }
    }

    pub fn visitor_org(&self, visitor: &str) -> &str {
        &self.deployments[self.visitors[visitor].dep].org_id
    }

    fn visitor_es_name(&self, visitor: &str) -> &str {
        &self.deployments[self.visitors[visitor].dep].es_developer_name
    }

    /// Counts an authenticated request against the deployment's rate limit.
    pub fn check_rate(&mut self, visitor: &str) -> Result<(), Reject> {
        let Some(v) = self.visitors.get_mut(visitor) else {
            return Err(Reject::unauthorized());
        };
        let Some(limit) = self.deployments[v.dep].rate_limit.clone() else {
            return Ok(());
        };
        let window = Duration::from_secs_f64(limit.per_seconds.max(0.001));
        let now = Instant::now();
        while v.recent.front().is_some_and(|t| now - *t >= window) {
            v.recent.pop_front();
        }
        if v.recent.len() >= limit.requests as usize {
            let wait = v
                .recent
                .front()
                .map(|t| window - (now - *t))
                .unwrap_or(window);
            let mut r = Reject::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            r.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
            return Err(r);
        }
        v.recent.push_back(now);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Event streams

    /// Registers an open stream; the receiver wakes on every new event (and errs when the visitor
    /// is gone, after a reset).
    pub fn open_stream(&mut self, visitor: &str) -> Option<watch::Receiver<u64>> {
        let v = self.visitors.get_mut(visitor)?;
        v.open_streams += 1;
        v.max_open_streams = v.max_open_streams.max(v.open_streams);
        Some(v.notify.subscribe())
    }

    pub fn close_stream(&mut self, visitor: &str) {
        if let Some(v) = self.visitors.get_mut(visitor) {
            v.open_streams = v.open_streams.saturating_sub(1);
        }
    }

    pub fn last_event_id(&self, visitor: &str) -> u64 {
        self.visitors.get(visitor).map_or(0, |v| v.last_event_id)
    }

    /// The visitor's events with an id above `after`, oldest first (`None`: the visitor is gone).
    pub fn events_after(&self, visitor: &str, after: u64) -> Option<Vec<Event>> {
        let v = self.visitors.get(visitor)?;
        let skip = v.events.partition_point(|e| e.id <= after);
        Some(v.events.iter().skip(skip).cloned().collect())
    }

    /// Appends an entry's event to its visitor's stream (and to the history when `keep`).
    fn publish(&mut self, conv: &str, event: &'static str, entry: Entry, keep: bool) {
        let Some(c) = self.conversations.get_mut(conv) else {
            return;
        };
        let data = json!({
            "channelPlatformKey": c.visitor,
            "channelType": "embedded_messaging",
            "channelAddressIdentifier": c.channel,
            "conversationId": c.id,
            "conversationEntry": entry.to_json(true),
        })
        .to_string();
        if keep && c.entries.len() < CONVERSATION_LOG_CAP {
            c.entries.push(entry);
        }
        let Some(v) = self.visitors.get_mut(&c.visitor) else {
            return;
        };
        v.last_event_id += 1;
        if v.events.len() >= EVENT_LOG_CAP {
            v.events.pop_front();
        }
        v.events.push_back(Event {
            id: v.last_event_id,
            name: event,
            data,
        });
        v.notify.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn entry(
        &mut self,
        conv: &str,
        entry_type: &'static str,
        sender: (&'static str, String, String),
        identifier: Option<String>,
        payload: Value,
    ) -> Entry {
        let ts = self
            .conversations
            .get_mut(conv)
            .map_or_else(ids::now_ms, Conversation::next_ts);
        let (role, subject, display_name) = sender;
        Entry {
            identifier: identifier.unwrap_or_else(ids::uuid),
            entry_type,
            role,
            subject,
            display_name,
            payload,
            ts,
            client_ts: ts,
            related: Vec::new(),
        }
    }

    fn agent_sender(c: &Conversation) -> (&'static str, String, String) {
        let name = c.agent_name.clone().unwrap_or_else(|| "Agent".to_string());
        ("Agent", agent_subject(&name), name)
    }

    fn system_sender() -> (&'static str, String, String) {
        ("System", "System".to_string(), "System".to_string())
    }

    fn routing_result(&mut self, conv: &str, routing_type: &str) {
        let ewt = self
            .conversations
            .get(conv)
            .map_or(-1, |c| c.estimated_wait_time);
        let payload = json!({
            "entryType": "RoutingResult",
            "routingType": routing_type,
            "failureType": "None",
            "failureReason": Value::Null,
            "estimatedWaitTime": {
                "estimatedWaitTimeInSeconds": ewt.max(0),
                "isEWTRequested": ewt >= 0,
            },
        });
        let sender = ("Router", "Router".to_string(), "Router".to_string());
        let e = self.entry(conv, "RoutingResult", sender, None, payload);
        self.publish(conv, "CONVERSATION_ROUTING_RESULT", e, true);
    }

    fn participant(&mut self, conv: &str, operation: &str, name: &str) {
        let payload = json!({
            "entryType": "ParticipantChanged",
            "entries": [{
                "operation": operation,
                "displayName": name,
                "participant": {"role": "Agent", "appType": "agent", "subject": agent_subject(name),
                                "clientIdentifier": ""},
            }],
        });
        let e = self.entry(
            conv,
            "ParticipantChanged",
            Self::system_sender(),
            None,
            payload,
        );
        self.publish(conv, "CONVERSATION_PARTICIPANT_CHANGED", e, true);
    }

    fn close_event(&mut self, conv: &str) {
        let payload = json!({"entryType": "CloseConversation"});
        let e = self.entry(
            conv,
            "CloseConversation",
            Self::system_sender(),
            None,
            payload,
        );
        self.publish(conv, "CONVERSATION_CLOSE_CONVERSATION", e, true);
    }

    // -----------------------------------------------------------------------------------------
    // Visitor requests

    fn check_es_name(&self, visitor: &str, es: Option<&str>) -> Result<(), Reject> {
        match es {
            None => Err(Reject::bad("Missing required field esDeveloperName")),
            Some(es) if es != self.visitor_es_name(visitor) => Err(Reject::bad(format!(
                "esDeveloperName {es} is not the deployment of this access token"
            ))),
            Some(_) => Ok(()),
        }
    }

    /// The visitor's conversation (404 for someone else's or an unknown one).
    fn own(&mut self, visitor: &str, id: &str) -> Result<&mut Conversation, Reject> {
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
        let dep = &self.deployments[self.visitors[visitor].dep];
        let now = ids::now_ms();
        let mut c = Conversation {
            id: id.to_string(),
            visitor: visitor.to_string(),
            channel: dep.channel_address(),
            order,
            created_ms: now,
            closed_ms: None,
            routing_attributes,
            phase: Phase::Routing,
            agent_name: None,
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
        };
        c.record("CreateConversation", body.clone());
        self.conversations.insert(id.to_string(), c);
        Ok(json!({"conversationId": id}))
    }

    /// `POST …/conversation/{id}/message`: recorded and echoed on the visitor's stream.
    pub fn visitor_message(
        &mut self,
        visitor: &str,
        id: &str,
        body: &Value,
    ) -> Result<Value, Reject> {
        let Some(msg) = body.get("message").filter(|m| m.is_object()) else {
            return Err(Reject::bad("Missing required field message"));
        };
        let Some(msg_id) = str_field(msg, "id") else {
            return Err(Reject::bad("Missing required field message.id"));
        };
        match str_field(msg, "messageType") {
            Some("StaticContentMessage") => {}
            Some(other) => return Err(Reject::bad(format!("Unsupported messageType {other}"))),
            None => return Err(Reject::bad("Missing required field message.messageType")),
        }
        let static_content = msg.get("staticContent").cloned().unwrap_or(Value::Null);
        if str_field(&static_content, "formatType") != Some("Text") {
            return Err(Reject::bad("staticContent.formatType must be Text"));
        }
        let Some(text) = static_content.get("text").and_then(Value::as_str) else {
            return Err(Reject::bad("Missing required field staticContent.text"));
        };
        let text = text.to_string();
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
        let c = self.own(visitor, id)?;
        c.require_open()?;
        // A message id already taken in this conversation: a retry. Answer it again, once.
        if let Some(e) = c.entries.iter().find(|e| e.identifier == msg_id) {
            return Ok(
                json!({"conversationEntries": [{"id": e.identifier, "clientTimestamp": e.client_ts}]}),
            );
        }
        if c.phase == Phase::Inactive && !new_session {
            return Err(Reject::new(
                StatusCode::EXPECTATION_FAILED,
                "The messaging session has ended: send the message with isNewMessagingSession true",
            ));
        }
        let restart = c.phase == Phase::Inactive;
        if restart {
            c.phase = Phase::Routing;
            c.routing_attributes.extend(attributes);
            c.queue_position = None;
        }
        c.record("Message", body.clone());
        c.visitor_typing = false;
        let name = c.visitor_name().unwrap_or_else(|| "Guest".to_string());
        c.add_line(
            "Chasitor",
            name.clone(),
            text.clone(),
            Some(msg_id.to_string()),
        );
        let mut abstract_message = msg.clone();
        abstract_message["staticContent"] = json!({"formatType": "Text", "text": text});
        let payload = json!({
            "entryType": "Message",
            "id": msg_id,
            "abstractMessage": abstract_message,
            "messageReason": Value::Null,
        });
        let sender = ("EndUser", visitor.to_string(), name);
        let mut e = self.entry(id, "Message", sender, Some(msg_id.to_string()), payload);
        e.client_ts = client_ts;
        self.publish(id, "CONVERSATION_MESSAGE", e, true);
        Ok(json!({"conversationEntries": [{"id": msg_id, "clientTimestamp": client_ts}]}))
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
        self.close(id, "visitor", None);
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
        self.end_session(id);
        Ok(())
    }

    fn end_session(&mut self, id: &str) {
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        if c.phase == Phase::Inactive {
            return;
        }
        let leaving = c.agent_connected.then(|| c.agent_name.clone()).flatten();
        c.phase = Phase::Inactive;
        c.agent_connected = false;
        c.visitor_typing = false;
        if let Some(name) = leaving {
            self.participant(id, "remove", &name);
        }
    }

    fn close(&mut self, id: &str, by: &'static str, reason: Option<String>) {
        let Some(c) = self.conversations.get_mut(id) else {
            return;
        };
        c.phase = Phase::Closed;
        c.agent_connected = false;
        c.visitor_typing = false;
        c.ended_by = Some(by);
        c.end_reason = reason;
        c.closed_ms = Some(ids::now_ms());
        c.queue_position = None;
        self.close_event(id);
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

    // -----------------------------------------------------------------------------------------
    // The agent's side (control API)

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
        let with_agent = c.phase == Phase::Agent && c.agent_connected;
        match action {
            AgentAction::Accept(name) => {
                let reconnecting = c.phase == Phase::Agent && !c.agent_connected;
                if c.phase != Phase::Routing && !reconnecting {
                    return conflict(format!("the conversation is {state}, not waiting"));
                }
                c.phase = Phase::Agent;
                c.agent_name = Some(name.to_string());
                c.agent_connected = true;
                c.queue_position = None;
                let routing = if reconnecting { "Transfer" } else { "Initial" };
                self.routing_result(id, routing);
                self.participant(id, "add", name);
            }
            AgentAction::Message(text) => {
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent"
                    ));
                }
                let sender = Self::agent_sender(c);
                let msg_id = ids::uuid();
                c.add_line(
                    "Agent",
                    sender.2.clone(),
                    text.to_string(),
                    Some(msg_id.clone()),
                );
                let payload = json!({
                    "entryType": "Message",
                    "id": msg_id,
                    "abstractMessage": {
                        "messageType": "StaticContentMessage",
                        "id": msg_id,
                        "staticContent": {"formatType": "Text", "text": text},
                    },
                    "messageReason": Value::Null,
                });
                let e = self.entry(id, "Message", sender, Some(msg_id), payload);
                self.publish(id, "CONVERSATION_MESSAGE", e, true);
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
            AgentAction::Transfer(name) => {
                if c.phase != Phase::Agent {
                    return conflict(format!("the conversation is {state}, not established"));
                }
                let leaving = c.agent_connected.then(|| c.agent_name.clone()).flatten();
                c.agent_name = Some(name.to_string());
                c.agent_connected = true;
                c.add_line(
                    "OperatorTransferred",
                    name.to_string(),
                    name.to_string(),
                    None,
                );
                self.routing_result(id, "Transfer");
                if let Some(old) = leaving {
                    self.participant(id, "remove", &old);
                }
                self.participant(id, "add", name);
            }
            AgentAction::Disconnect => {
                if !with_agent {
                    return conflict(format!(
                        "the conversation is {state} without a connected agent"
                    ));
                }
                c.agent_connected = false;
                let name = c.agent_name.clone().unwrap_or_default();
                self.participant(id, "remove", &name);
            }
            AgentAction::Queue {
                position,
                estimated_wait_time,
            } => {
                if c.phase != Phase::Routing {
                    return conflict(format!("the conversation is {state}, not queued"));
                }
                c.queue_position = Some(position);
                if let Some(ewt) = estimated_wait_time {
                    c.estimated_wait_time = ewt;
                }
                self.routing_result(id, "Initial");
            }
            AgentAction::End(reason) => {
                if !c.is_open() {
                    return conflict("the conversation has already ended".to_string());
                }
                let reason = reason.unwrap_or("agent").to_string();
                self.close(id, "agent", Some(reason));
            }
            AgentAction::EndSession => {
                if !matches!(c.phase, Phase::Routing | Phase::Agent) {
                    return conflict(format!("the conversation is {state}: no messaging session"));
                }
                self.end_session(id);
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
                json!({"type": l.kind, "name": l.name, "content": l.content,
                       "timestamp": l.timestamp, "sequence": i + 1, "messageId": l.message_id,
                       "delivered": l.delivered, "read": l.read})
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
            "routingAttributes": c.routing_attributes,
            "estimatedWaitTime": c.estimated_wait_time,
            "agentConnected": c.agent_connected,
            "messagingSession": if c.phase == Phase::Inactive || c.phase == Phase::Closed { "ended" } else { "active" },
            "endedBy": c.ended_by,
            "endReason": c.end_reason,
            "createdAtMs": c.created_ms,
            "visitorTyping": c.visitor_typing,
            "breadcrumbs": [],
            "transcript": transcript,
            "openStreams": v.map_or(0, |v| v.open_streams),
            "maxOpenStreams": v.map_or(0, |v| v.max_open_streams),
            "lastEventId": v.map_or(0, |v| v.last_event_id).to_string(),
        }))
    }
}
