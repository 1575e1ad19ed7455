//! Enhanced Chat state: tokens, visitors (each with an append-only event log read by its event
//! streams) and conversations (each with its history). It lives inside the simulator's one
//! [`crate::state::State`], under the same lock; handlers call its methods (here, in `visitor.rs`
//! for the visitor's requests and in `agent.rs` for the agent's side) and never touch the fields.

use super::files::Files;
use super::token::Signer;
use crate::config::{same_id, MiawDeployment, SettingsPatch};
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

    pub(super) fn not_found() -> Reject {
        Reject::new(StatusCode::NOT_FOUND, "Conversation not found")
    }

    pub(super) fn conflict(message: impl Into<String>) -> Reject {
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

pub(super) fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An issued access token (`access.rs` issues them): its visitor, expiry and device.
pub(super) struct TokenInfo {
    pub(super) visitor: String,
    pub(super) exp_ms: u64,
    pub(super) device_id: String,
}

/// One event of a visitor's stream.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: u64,
    pub name: &'static str,
    pub data: String,
}

/// Whoever holds tokens: an anonymous visitor (one per anonymous token request, shared by its
/// continuation tokens) or a verified user (one per deployment and `sub`, shared by every token
/// issued for that subject, on any device).
pub(super) struct Visitor {
    pub(super) dep: usize,
    /// The verified subject (`sub` of the identity token); `None`: anonymous.
    pub(super) verified: Option<String>,
    pub(super) events: VecDeque<Event>,
    pub(super) last_event_id: u64,
    pub(super) notify: watch::Sender<u64>,
    pub(super) open_streams: u32,
    pub(super) max_open_streams: u32,
    /// Arrival times of recent authenticated requests (rate limit window).
    pub(super) recent: VecDeque<Instant>,
}

/// Where a conversation is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Phase {
    /// In the deployment's queue, waiting for an agent or a bot: the first routing, a new
    /// messaging session, after inactivity, or after a bot's transfer to the queue.
    Waiting,
    /// An agent or a bot accepted (it may have disconnected since: `agent_connected`).
    Active,
    /// The messaging session ended; the conversation is open. The next message needs
    /// `isNewMessagingSession: true` (417 otherwise).
    SessionEnded,
    /// The messaging session went inactive (customer inactivity); the next message routes it
    /// again (same session).
    Inactive,
    Closed,
}

/// A conversation's current messaging session (`CONVERSATION_SESSION_STATUS_CHANGED`).
#[derive(Clone, Debug)]
pub(super) struct Session {
    pub(super) id: String,
    /// New, Waiting, Active, Inactive or Ended.
    pub(super) status: &'static str,
    pub(super) start_ms: u64,
    pub(super) end_ms: Option<u64>,
    /// Agent, Chatbot, System or EndUser, once Ended.
    pub(super) ended_by_role: Option<&'static str>,
}

impl Session {
    pub(super) fn new() -> Session {
        Session {
            id: ids::uuid(),
            status: "New",
            start_ms: ids::now_ms(),
            end_ms: None,
            ended_by_role: None,
        }
    }
}

/// A history entry (also the `conversationEntry` of its event).
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) identifier: String,
    pub(super) entry_type: &'static str,
    pub(super) role: &'static str,
    pub(super) subject: String,
    pub(super) display_name: String,
    pub(super) payload: Value,
    pub(super) ts: u64,
    pub(super) client_ts: u64,
    pub(super) related: Vec<String>,
}

impl Entry {
    pub(super) fn to_json(&self, payload_as_string: bool) -> Value {
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
pub(super) struct Line {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) content: String,
    pub(super) timestamp: u64,
    pub(super) message_id: Option<String>,
    pub(super) delivered: bool,
    pub(super) read: bool,
    /// A message's `kind` and details (`rich::describe`), merged into the line's JSON; null for
    /// a line that is not a message (a transfer).
    pub(super) detail: Value,
}

/// A visitor request the server processed.
#[derive(Clone, Debug)]
pub(super) struct Received {
    pub(super) kind: String,
    pub(super) body: Value,
}

pub(super) struct Conversation {
    pub(super) id: String,
    pub(super) visitor: String,
    /// The deployment (index) of the visitor.
    pub(super) dep: usize,
    pub(super) channel: String,
    pub(super) order: u64,
    pub(super) created_ms: u64,
    pub(super) closed_ms: Option<u64>,
    pub(super) routing_attributes: Map<String, Value>,
    pub(super) phase: Phase,
    pub(super) session: Session,
    /// INITIAL, ROUTED, TRANSFER or NEEDS_ROUTING (`GET …/conversation/{id}`).
    pub(super) routing_status: &'static str,
    /// The order in which waiting conversations entered the queue (position = rank among the
    /// deployment's waiting conversations).
    pub(super) queue_seq: u64,
    /// The `pendingServiceRoutingId` of the current routing (a new one each time it is queued).
    pub(super) routing_id: String,
    /// When the session last became Active, and the visitor's last message: customer
    /// inactivity counts from the later of the two.
    pub(super) active_since: Instant,
    pub(super) last_visitor_message: Instant,
    pub(super) agent_name: Option<String>,
    /// The connected (or last) participant's role: Agent or Chatbot.
    pub(super) participant_role: &'static str,
    pub(super) agent_connected: bool,
    pub(super) ended_by: Option<&'static str>,
    pub(super) end_reason: Option<String>,
    pub(super) queue_position: Option<i64>,
    pub(super) estimated_wait_time: i64,
    pub(super) visitor_typing: bool,
    pub(super) entries: Vec<Entry>,
    pub(super) last_ts: u64,
    pub(super) transcript: Vec<Line>,
    pub(super) received: Vec<Received>,
    /// The `errorType` the next upload's processing ends with (`upload-error`), once.
    pub(super) upload_error: Option<String>,
}

impl Conversation {
    pub(super) fn is_open(&self) -> bool {
        self.phase != Phase::Closed
    }

    /// Transcript timestamps rise strictly within a conversation, so paging by timestamp never
    /// skips an entry.
    pub(super) fn next_ts(&mut self) -> u64 {
        self.last_ts = ids::now_ms().max(self.last_ts + 1);
        self.last_ts
    }

    pub(super) fn visitor_name(&self) -> Option<String> {
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

    pub(super) fn record(&mut self, kind: &str, body: Value) {
        if self.received.len() < CONVERSATION_LOG_CAP {
            self.received.push(Received {
                kind: kind.to_string(),
                body,
            });
        }
    }

    pub(super) fn add_line(
        &mut self,
        kind: &'static str,
        name: String,
        content: String,
        id: Option<String>,
        detail: Value,
    ) {
        if self.transcript.len() < CONVERSATION_LOG_CAP {
            self.transcript.push(Line {
                kind,
                name,
                content,
                timestamp: ids::now_ms(),
                message_id: id,
                delivered: false,
                read: false,
                detail,
            });
        }
    }

    pub(super) fn state_str(&self) -> &'static str {
        match self.phase {
            Phase::Waiting => "queued",
            Phase::Active => "established",
            Phase::SessionEnded => "session-ended",
            Phase::Inactive => "inactive",
            Phase::Closed => "ended",
        }
    }

    pub(super) fn require_open(&self) -> Result<(), Reject> {
        if self.is_open() {
            Ok(())
        } else {
            Err(Reject::bad("The conversation is closed"))
        }
    }

    pub(super) fn list_json(&self, es_developer_name: &str) -> Value {
        json!({
            "conversationId": self.id,
            "status": if self.is_open() { "OPEN" } else { "CLOSED" },
            "startTimestamp": self.created_ms,
            "endTimestamp": self.closed_ms,
            "esDeveloperName": es_developer_name,
        })
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

pub struct Miaw {
    pub(super) deployments: Vec<MiawDeployment>,
    pub(super) signer: Signer,
    pub(super) tokens: HashMap<String, TokenInfo>,
    pub(super) visitors: HashMap<String, Visitor>,
    /// The visitor of each verified subject: `(deployment, sub)` → visitor id.
    pub(super) subjects: HashMap<(usize, String), String>,
    /// Recent token requests per org (15-character id), for the per-org token rate limit.
    pub(super) token_requests: HashMap<String, VecDeque<Instant>>,
    pub(super) conversations: HashMap<String, Conversation>,
    /// The last `queue_seq` given.
    pub(super) queue_counter: u64,
    /// Uploads and the files of rich messages (`GET /_sim/files/{id}`).
    pub(super) files: Files,
}

pub(super) fn agent_subject(name: &str) -> String {
    ids::sf_id("005", name)
}

/// A user id (`005…`) for an agent, a bot id (`0Xx…`) for a bot.
pub(super) fn participant_subject(role: &str, name: &str) -> String {
    if role == "Chatbot" {
        ids::sf_id("0Xx", name)
    } else {
        agent_subject(name)
    }
}

/// An 18-character Salesforce id with this 3-character prefix: 15 characters and the 3-character
/// case checksum.
pub(super) fn sf_id18(prefix: &str) -> String {
    const ALPHANUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut id = prefix.to_string();
    let mut r = ids::random_u64();
    while id.len() < 15 {
        if r < 62 {
            r = ids::random_u64();
        }
        id.push(ALPHANUM[(r % 62) as usize] as char);
        r /= 62;
    }
    let bytes = id.as_bytes().to_vec();
    for chunk in bytes.chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        id.push(SUFFIX[bits] as char);
    }
    id
}

/// A sliding-window rate limit: forgets the arrivals older than `window`, refuses (429 with
/// `Retry-After`: seconds until the oldest leaves the window) when `limit` remain, else records
/// this one. `None`: no limit (the arrival is still recorded).
pub(super) fn admit(
    recent: &mut VecDeque<Instant>,
    limit: Option<u32>,
    window: Duration,
) -> Result<(), Reject> {
    let now = Instant::now();
    while recent.front().is_some_and(|t| now - *t >= window) {
        recent.pop_front();
    }
    if limit.is_some_and(|l| recent.len() >= l as usize) {
        let wait = recent
            .front()
            .map(|t| window - (now - *t))
            .unwrap_or(window);
        let mut r = Reject::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        r.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        return Err(r);
    }
    recent.push_back(now);
    Ok(())
}

impl Miaw {
    pub fn new(deployments: Vec<MiawDeployment>) -> Miaw {
        Miaw {
            deployments,
            signer: Signer::new(),
            tokens: HashMap::new(),
            visitors: HashMap::new(),
            subjects: HashMap::new(),
            token_requests: HashMap::new(),
            conversations: HashMap::new(),
            queue_counter: 0,
            files: Files::default(),
        }
    }

    pub fn deployments(&self) -> &[MiawDeployment] {
        &self.deployments
    }

    pub fn deployment(&self, index: usize) -> &MiawDeployment {
        &self.deployments[index]
    }

    /// `POST /_sim/enhanced-chat/settings`: changes the named deployment (for the tokens issued
    /// from now on); its summary. `Ok(None)`: no such deployment; `Err`: a bad value.
    pub fn change_settings(&mut self, patch: &SettingsPatch) -> Result<Option<Value>, String> {
        let Some(d) = self.deployments.iter_mut().find(|d| {
            d.es_developer_name == patch.es_developer_name
                && patch
                    .org_id
                    .as_deref()
                    .is_none_or(|o| same_id(o, &d.org_id))
        }) else {
            return Ok(None);
        };
        patch.apply(d)?;
        Ok(Some(d.summary()))
    }

    /// A stored file (`GET /_sim/files/{id}`).
    pub fn file(&self, id: &str) -> Option<super::files::StoredFile> {
        self.files.get(id).cloned()
    }

    // -----------------------------------------------------------------------------------------
    // Visitors (tokens: `access.rs`)

    pub fn visitor_org(&self, visitor: &str) -> &str {
        &self.deployments[self.visitors[visitor].dep].org_id
    }

    pub(super) fn visitor_es_name(&self, visitor: &str) -> &str {
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
        admit(&mut v.recent, Some(limit.requests), window)
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
    pub(super) fn publish(&mut self, conv: &str, event: &'static str, entry: Entry, keep: bool) {
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

    pub(super) fn entry(
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

    pub(super) fn agent_sender(c: &Conversation) -> (&'static str, String, String) {
        let name = c.agent_name.clone().unwrap_or_else(|| "Agent".to_string());
        let subject = participant_subject(c.participant_role, &name);
        (c.participant_role, subject, name)
    }

    pub(super) fn system_sender() -> (&'static str, String, String) {
        ("System", "System".to_string(), "System".to_string())
    }

    pub(super) fn routing_result(&mut self, conv: &str, routing_type: &str) {
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

    /// `ParticipantChanged` for an agent or a bot (`role`: Agent or Chatbot).
    pub(super) fn participant(&mut self, conv: &str, operation: &str, name: &str, role: &str) {
        let app_type = if role == "Chatbot" {
            "chatbot"
        } else {
            "agent"
        };
        let payload = json!({
            "entryType": "ParticipantChanged",
            "entries": [{
                "operation": operation,
                "displayName": name,
                "participant": {"role": role, "appType": app_type,
                                "subject": participant_subject(role, name), "clientIdentifier": ""},
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

    pub(super) fn close_event(&mut self, conv: &str) {
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
}
