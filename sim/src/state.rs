//! The simulator's state: sessions, their message queues, buttons, faults and the request log.
//!
//! One mutex guards everything; critical sections are short and never await. Long polls wait on a
//! per-session `watch` channel that is bumped whenever something a poll cares about changes.

use crate::config::{same_id, ButtonConfig, OrgConfig, SimConfig};
use crate::faults::{FaultAction, Faults};
use crate::ids;
use crate::miaw::config::MiawDeployment;
use crate::miaw::state::Miaw;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Most recent /chat/rest requests kept for `GET /_sim/requests`.
pub const REQUEST_LOG_CAP: usize = 10_000;
/// Ended sessions kept for inspection; older ones are forgotten (their key then gets 403 anyway).
pub const ENDED_SESSIONS_CAP: usize = 1_000;
/// Undelivered messages kept per session (a session that never polls ends at the idle timeout).
pub const OUTBOX_CAP: usize = 10_000;
/// `received` entries, transcript lines and breadcrumbs kept per session.
pub const PER_SESSION_LOG_CAP: usize = 10_000;
/// Breadcrumbs posted without a session key.
pub const ORPHAN_BREADCRUMB_CAP: usize = 100;

/// Where a session is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    /// SessionId answered, no ChasitorInit yet.
    New,
    /// ChasitorInit succeeded, waiting for an agent.
    Queued,
    /// An agent accepted the chat.
    Established,
    Ended,
}

/// Who or what ended a session.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EndedBy {
    /// Visitor ChatEnd.
    Visitor,
    /// Agent ended it (ChatEnded on the poll).
    Agent,
    /// ChasitorInit failed (ChatRequestFail on the poll).
    RequestFailed,
    /// `DELETE System/SessionId/{key}`.
    Deleted,
    /// No poll for the idle timeout.
    Timeout,
    /// A second long poll (or the duplicate_poll fault).
    DuplicatePoll,
}

impl EndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Visitor => "visitor",
            EndedBy::Agent => "agent",
            EndedBy::RequestFailed => "request_failed",
            EndedBy::Deleted => "deleted",
            EndedBy::Timeout => "timeout",
            EndedBy::DuplicatePoll => "duplicate_poll",
        }
    }

    /// Whether the visitor may still poll to collect the last messages (ChatEnded,
    /// ChatRequestFail) after the end.
    pub fn drainable(self) -> bool {
        matches!(self, EndedBy::Agent | EndedBy::RequestFailed)
    }
}

/// A message waiting on the server side for the visitor's poll.
#[derive(Clone, Debug)]
pub struct OutMsg {
    pub seq: i64,
    pub offset: u64,
    pub kind: String,
    pub body: Value,
}

/// A poll answer given verbatim (a test's bad answer: not JSON, truncated, the wrong shape...).
#[derive(Clone, Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// Raw answers queued per session.
pub const RAW_ANSWERS_CAP: usize = 100;

/// A visitor POST the server processed.
#[derive(Clone, Debug)]
pub struct Received {
    pub sequence: Option<i64>,
    pub kind: String,
    pub body: Value,
}

#[derive(Clone, Debug)]
pub struct TranscriptEntry {
    pub kind: &'static str,
    pub name: String,
    pub content: String,
    pub timestamp: u64,
    pub sequence: usize,
}

#[derive(Clone, Debug)]
pub struct Breadcrumb {
    pub location: String,
    pub at_ms: u64,
}

pub struct Session {
    pub id: String,
    pub key: String,
    pub affinity: String,
    /// Creation order.
    pub order: u64,
    pub created_at_ms: u64,
    pub phase: Phase,
    pub ended_by: Option<EndedBy>,
    pub ended_at: Option<Instant>,
    pub end_reason: Option<String>,
    pub org_id: Option<String>,
    pub deployment_id: Option<String>,
    pub button_id: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_id: String,
    pub prechat_details: Value,
    pub receive_queue_updates: bool,
    pub queue_position: Option<i64>,
    /// The control API set the position: no automatic recomputation any more.
    pub manual_position: bool,
    pub estimated_wait_time: i64,
    pub agent_name: Option<String>,
    pub agent_connected: bool,
    pub received: Vec<Received>,
    pub transcript: Vec<TranscriptEntry>,
    pub breadcrumbs: Vec<Breadcrumb>,
    pub visitor_typing: bool,
    pub sneak_peek: Option<String>,
    /// Highest X-LIVEAGENT-SEQUENCE processed (0 = none; reset by ReconnectSession).
    pub last_visitor_seq: i64,
    /// Messages for the visitor not yet acknowledged.
    pub outbox: VecDeque<OutMsg>,
    pub next_msg_seq: i64,
    /// The ack the visitor last sent (messages up to it are gone).
    pub acked: i64,
    /// The `sequence` of the last 200 answer.
    pub sent_upto: i64,
    /// After ReconnectSession the next poll's ack is accepted whatever it is (a new server).
    pub ack_free: bool,
    /// Counts ReconnectSession requests: a poll held from before one answers 204 without taking
    /// messages (they belong to the new server's stream).
    pub epoch: u64,
    pub open_polls: u32,
    pub max_open_polls: u32,
    pub last_poll_activity: Instant,
    /// Set when a duplicate poll ended the chat: held polls answer 409.
    pub poll_killed: bool,
    pub dropped_messages: u64,
    /// Raw poll answers queued by the control API (`POST /_sim/sessions/{id}/raw`): the next
    /// polls answer exactly these, before any message.
    pub raw_answers: VecDeque<RawAnswer>,
    pub notify: watch::Sender<u64>,
}

impl Session {
    fn new(order: u64) -> Session {
        let id = ids::uuid();
        let key = ids::session_key(&id);
        let (notify, _) = watch::channel(0u64);
        Session {
            affinity: ids::affinity_token(),
            visitor_id: ids::uuid(),
            id,
            key,
            order,
            created_at_ms: ids::now_ms(),
            phase: Phase::New,
            ended_by: None,
            ended_at: None,
            end_reason: None,
            org_id: None,
            deployment_id: None,
            button_id: None,
            visitor_name: None,
            prechat_details: json!([]),
            receive_queue_updates: false,
            queue_position: None,
            manual_position: false,
            estimated_wait_time: -1,
            agent_name: None,
            agent_connected: false,
            received: Vec::new(),
            transcript: Vec::new(),
            breadcrumbs: Vec::new(),
            visitor_typing: false,
            sneak_peek: None,
            last_visitor_seq: 0,
            outbox: VecDeque::new(),
            next_msg_seq: 1,
            acked: -1,
            sent_upto: -1,
            ack_free: false,
            epoch: 0,
            open_polls: 0,
            max_open_polls: 0,
            last_poll_activity: Instant::now(),
            poll_killed: false,
            dropped_messages: 0,
            raw_answers: VecDeque::new(),
            notify,
        }
    }

    pub fn is_live(&self) -> bool {
        self.phase != Phase::Ended
    }

    /// Moves the session to a new affinity token: every request with the old one (held polls
    /// too) gets 503 until the client reconnects.
    pub fn change_affinity(&mut self) {
        let mut token = ids::affinity_token();
        while token == self.affinity {
            token = ids::affinity_token();
        }
        self.affinity = token;
        self.bump();
    }

    /// Wakes every poll held on this session.
    pub fn bump(&self) {
        self.notify.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub fn record(&mut self, sequence: Option<i64>, kind: &str, body: Value) {
        if self.received.len() < PER_SESSION_LOG_CAP {
            self.received.push(Received {
                sequence,
                kind: kind.to_string(),
                body,
            });
        }
    }

    pub fn add_transcript(&mut self, kind: &'static str, name: String, content: String) {
        if self.transcript.len() < PER_SESSION_LOG_CAP {
            let sequence = self.transcript.len() + 1;
            self.transcript.push(TranscriptEntry {
                kind,
                name,
                content,
                timestamp: ids::now_ms(),
                sequence,
            });
        }
    }

    pub fn add_breadcrumb(&mut self, location: String) {
        if self.breadcrumbs.len() < PER_SESSION_LOG_CAP {
            self.breadcrumbs.push(Breadcrumb {
                location,
                at_ms: ids::now_ms(),
            });
        }
    }

    /// Applies the `ack` of a poll. Valid acks: the `sequence` of the last 200 answer (the
    /// visitor has everything up to it) or the previous ack again (the last 200 answer was lost:
    /// it is delivered again). Anything else is out of sync.
    pub fn apply_ack(&mut self, ack: i64) -> Result<(), String> {
        if self.ack_free {
            self.ack_free = false;
            let base = self
                .outbox
                .front()
                .map(|m| m.seq - 1)
                .unwrap_or(self.next_msg_seq - 1);
            self.acked = base;
            self.sent_upto = base;
            return Ok(());
        }
        if ack == self.sent_upto {
            self.acked = ack;
            self.outbox.retain(|m| m.seq > ack);
            Ok(())
        } else if ack == self.acked {
            Ok(())
        } else {
            Err(format!(
                "Out of sync Ack. Expected {}. Actual {}",
                self.sent_upto, ack
            ))
        }
    }

    /// The 200 answer with every message after the ack, if there is one.
    pub fn take_batch(&mut self) -> Option<Value> {
        let last = self.outbox.back()?;
        let (seq, offset) = (last.seq, last.offset);
        let messages: Vec<Value> = self
            .outbox
            .iter()
            .map(|m| json!({"type": m.kind, "message": m.body}))
            .collect();
        self.sent_upto = seq;
        Some(json!({"messages": messages, "sequence": seq, "offset": offset}))
    }

    pub fn chasitor_session_data(&self) -> Value {
        let chat_messages: Vec<Value> = self.transcript.iter().map(transcript_json).collect();
        json!({
            "queuePosition": self.queue_position.unwrap_or(0),
            "geoLocation": geo_location(),
            "url": self.breadcrumbs.last().map(|b| b.location.clone()).unwrap_or_default(),
            "oref": "",
            "postChatUrl": "",
            "sneakPeekEnabled": true,
            "chatMessages": chat_messages,
        })
    }

    pub fn state_str(&self) -> &'static str {
        match self.phase {
            Phase::New => "new",
            Phase::Queued => "queued",
            Phase::Established => "established",
            Phase::Ended => "ended",
        }
    }

    /// The control API's view of the session, copied: cheap to take under the state lock (the lists
    /// are cloned, not turned into JSON), turned into JSON after it is released, so a control
    /// call on a long chat does not hold up the chat's own requests.
    pub fn view(&self) -> SessionView {
        let breadcrumbs: Vec<Value> = self
            .breadcrumbs
            .iter()
            .map(|b| json!({"location": b.location, "atMs": b.at_ms}))
            .collect();
        SessionView {
            head: json!({
                "api": "liveagent",
                "id": self.id,
                "key": self.key,
                "state": self.state_str(),
                "visitorName": self.visitor_name,
                "prechatDetails": self.prechat_details,
                "queuePosition": self.queue_position,
                "agentName": self.agent_name,
                // Extras.
                "orgId": self.org_id,
                "deploymentId": self.deployment_id,
                "buttonId": self.button_id,
                "estimatedWaitTime": self.estimated_wait_time,
                "agentConnected": self.agent_connected,
                "endedBy": self.ended_by.map(EndedBy::as_str),
                "endReason": self.end_reason,
                "affinityToken": self.affinity,
                "createdAtMs": self.created_at_ms,
                "visitorTyping": self.visitor_typing,
                "sneakPeek": self.sneak_peek,
                "breadcrumbs": breadcrumbs,
                "openPolls": self.open_polls,
                "maxOpenPolls": self.max_open_polls,
                "pendingMessages": self.outbox.len(),
                "lastSequence": self.last_visitor_seq,
                "ack": self.acked,
            }),
            received: self.received.clone(),
            transcript: self.transcript.clone(),
        }
    }
}

/// A copy of a session for the control API (see [`Session::view`]).
pub struct SessionView {
    head: Value,
    received: Vec<Received>,
    transcript: Vec<TranscriptEntry>,
}

impl SessionView {
    pub fn into_json(self) -> Value {
        let mut v = self.head;
        let received: Vec<Value> = self
            .received
            .iter()
            .map(|r| json!({"sequence": r.sequence, "type": r.kind, "body": r.body}))
            .collect();
        let transcript: Vec<Value> = self.transcript.iter().map(transcript_json).collect();
        v["received"] = Value::Array(received);
        v["transcript"] = Value::Array(transcript);
        v
    }
}

fn transcript_json(t: &TranscriptEntry) -> Value {
    json!({
        "type": t.kind,
        "name": t.name,
        "content": t.content,
        "timestamp": t.timestamp,
        "sequence": t.sequence,
    })
}

pub fn geo_location() -> Value {
    json!({
        "countryCode": "US",
        "countryName": "United States of America",
        "region": "CA",
        "city": "San Francisco",
        "organization": "Simulated ISP",
        "latitude": 37.79388,
        "longitude": -122.395114
    })
}

/// One /chat/rest request, for `GET /_sim/requests`.
#[derive(Clone, Debug)]
pub struct RequestLogEntry {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 = the connection closed without an answer (drop fault, or the client went away).
    pub status: u16,
    pub session: Option<String>,
    pub at_ms: u64,
}

impl RequestLogEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "session": self.session,
            "atMs": self.at_ms,
        })
    }
}

pub struct State {
    pub sessions: HashMap<String, Session>,
    pub by_key: HashMap<String, String>,
    next_order: u64,
    next_offset: u64,
    pub orgs: Vec<OrgConfig>,
    pub faults: Faults,
    pub requests: VecDeque<RequestLogEntry>,
    pub orphan_breadcrumbs: VecDeque<Breadcrumb>,
    /// Enhanced Chat visitors and conversations.
    pub miaw: Miaw,
}

/// The routing-relevant part of a ChasitorInit body.
pub struct InitRequest<'a> {
    pub org_id: &'a str,
    pub deployment_id: &'a str,
    pub button_id: &'a str,
    pub overrides: Vec<String>,
    pub is_post: bool,
    pub session_id: &'a str,
}

/// Why a ChasitorInit did not queue the chat.
pub enum InitOutcome {
    Queued,
    Failed(&'static str),
}

impl State {
    fn new(orgs: Vec<OrgConfig>, deployments: Vec<MiawDeployment>) -> State {
        State {
            sessions: HashMap::new(),
            by_key: HashMap::new(),
            next_order: 0,
            // Offsets look like the real server's large event offsets.
            next_offset: 54_000_000 + (ids::random_u64() % 1_000_000),
            orgs,
            faults: Faults::default(),
            requests: VecDeque::new(),
            orphan_breadcrumbs: VecDeque::new(),
            miaw: Miaw::new(deployments),
        }
    }

    /// The next creation order (shared by Live Agent sessions and Enhanced Chat conversations).
    pub fn next_order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    pub fn live_sessions(&self) -> usize {
        self.sessions.values().filter(|s| s.is_live()).count()
    }

    pub fn create_session(&mut self) -> &Session {
        let s = Session::new(self.next_order());
        let id = s.id.clone();
        self.by_key.insert(s.key.clone(), id.clone());
        self.sessions.entry(id).or_insert(s)
    }

    pub fn id_for_key(&self, key: &str) -> Option<&String> {
        self.by_key.get(key)
    }

    pub fn session_by_key(&mut self, key: &str) -> Option<&mut Session> {
        let id = self.by_key.get(key)?;
        self.sessions.get_mut(id)
    }

    /// Queues a message for the visitor's poll.
    pub fn push(&mut self, id: &str, kind: &str, body: Value) {
        let offset = self.next_offset;
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if s.outbox.len() >= OUTBOX_CAP {
            s.dropped_messages += 1;
            return;
        }
        self.next_offset += 1;
        let seq = s.next_msg_seq;
        s.next_msg_seq += 1;
        s.outbox.push_back(OutMsg {
            seq,
            offset,
            kind: kind.to_string(),
            body,
        });
        s.bump();
    }

    /// Ends a session; chats waiting behind it on its button move up.
    pub fn end_session(&mut self, id: &str, by: EndedBy) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if !s.is_live() {
            return;
        }
        let was_queued = s.phase == Phase::Queued;
        s.phase = Phase::Ended;
        s.ended_by = Some(by);
        s.ended_at = Some(Instant::now());
        s.visitor_typing = false;
        if by == EndedBy::DuplicatePoll {
            s.poll_killed = true;
        }
        s.bump();
        let button = s.button_id.clone();
        if was_queued {
            if let Some(button) = button {
                self.requeue(&button);
            }
        }
    }

    /// Recomputes the positions of the chats waiting on a button (unless the button reports a
    /// fixed position or the control API set one) and sends QueueUpdate to those that asked.
    pub fn requeue(&mut self, button_id: &str) {
        let Some(button) = self.find_button(button_id).cloned() else {
            return;
        };
        if button.queue_position.is_some() {
            return;
        }
        let mut waiting: Vec<(u64, String)> = self
            .sessions
            .values()
            .filter(|s| {
                s.phase == Phase::Queued
                    && s.button_id
                        .as_deref()
                        .is_some_and(|b| same_id(b, button_id))
            })
            .map(|s| (s.order, s.id.clone()))
            .collect();
        waiting.sort();
        for (i, (_, id)) in waiting.into_iter().enumerate() {
            let position = i as i64 + 1;
            let Some(s) = self.sessions.get_mut(&id) else {
                continue;
            };
            if s.manual_position || s.queue_position == Some(position) {
                continue;
            }
            s.queue_position = Some(position);
            if s.receive_queue_updates {
                let ewt = s.estimated_wait_time;
                self.push(
                    &id,
                    "QueueUpdate",
                    json!({"position": position, "estimatedWaitTime": ewt}),
                );
            }
        }
    }

    pub fn find_org(&self, org_id: &str) -> Option<&OrgConfig> {
        self.orgs.iter().find(|o| same_id(&o.id, org_id))
    }

    pub fn find_button(&self, button_id: &str) -> Option<&ButtonConfig> {
        self.orgs
            .iter()
            .flat_map(|o| o.buttons.iter())
            .find(|b| same_id(&b.id, button_id))
    }

    pub fn find_button_mut(&mut self, button_id: &str) -> Option<&mut ButtonConfig> {
        self.orgs
            .iter_mut()
            .flat_map(|o| o.buttons.iter_mut())
            .find(|b| same_id(&b.id, button_id))
    }

    /// Routes a ChasitorInit for session `id`.
    pub fn route_init(&mut self, id: &str, req: &InitRequest<'_>) -> InitOutcome {
        if !req.is_post {
            return InitOutcome::Failed("NoPost");
        }
        let Some(org) = self.find_org(req.org_id) else {
            return InitOutcome::Failed("InternalFailure");
        };
        if !org
            .deployments
            .iter()
            .any(|d| same_id(d, req.deployment_id))
            || req.session_id != id
        {
            return InitOutcome::Failed("InternalFailure");
        }
        // Routing targets: the overrides in order (`buttonId`, `agentId`, `agentId_buttonId`),
        // else the button. The simulator has no individually routable agents, so only the
        // button part of a target can succeed.
        let mut targets: Vec<&str> = Vec::new();
        if req.overrides.is_empty() {
            targets.push(req.button_id);
        } else {
            for o in &req.overrides {
                match o.split_once('_') {
                    Some((_agent, button)) => targets.push(button),
                    None => targets.push(o),
                }
            }
        }
        let chosen = targets.into_iter().find_map(|t| {
            org.buttons
                .iter()
                .find(|b| same_id(&b.id, t) && b.available)
                .cloned()
        });
        let Some(button) = chosen else {
            return InitOutcome::Failed("Unavailable");
        };
        let waiting_ahead = self
            .sessions
            .values()
            .filter(|s| {
                s.phase == Phase::Queued
                    && s.button_id
                        .as_deref()
                        .is_some_and(|b| same_id(b, &button.id))
            })
            .count() as i64;
        let Some(s) = self.sessions.get_mut(id) else {
            return InitOutcome::Failed("InternalFailure");
        };
        s.phase = Phase::Queued;
        s.button_id = Some(button.id.clone());
        s.queue_position = Some(button.queue_position.unwrap_or(waiting_ahead + 1));
        s.estimated_wait_time = button.estimated_wait_time;
        InitOutcome::Queued
    }

    /// Takes the first pending fault matching a /chat/rest request and applies its effect on the
    /// request's session (`session`: its id, when the request names a known session).
    pub fn take_fault(&mut self, rel_path: &str, session: Option<&str>) -> FaultAction {
        let live = session
            .and_then(|id| self.sessions.get(id))
            .is_some_and(|s| s.is_live());
        let action = self.faults.take(rel_path, live);
        match (&action, session) {
            (FaultAction::AffinityChanged, Some(id)) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.change_affinity();
                }
            }
            (FaultAction::DuplicatePoll, Some(id)) => self.end_session(id, EndedBy::DuplicatePoll),
            _ => {}
        }
        action
    }

    pub fn log_request(&mut self, entry: RequestLogEntry) {
        if self.requests.len() >= REQUEST_LOG_CAP {
            self.requests.pop_front();
        }
        self.requests.push_back(entry);
    }

    /// Ends idle sessions and forgets the oldest ended ones beyond the cap.
    pub fn reap(&mut self, idle: Duration) {
        let idle_ids: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.is_live() && s.open_polls == 0 && s.last_poll_activity.elapsed() > idle)
            .map(|s| s.id.clone())
            .collect();
        for id in idle_ids {
            self.end_session(&id, EndedBy::Timeout);
        }
        let ended = self.sessions.values().filter(|s| !s.is_live()).count();
        if ended > ENDED_SESSIONS_CAP {
            let mut old: Vec<(Instant, String, String)> = self
                .sessions
                .values()
                .filter(|s| !s.is_live() && s.open_polls == 0)
                .map(|s| {
                    (
                        s.ended_at.unwrap_or_else(Instant::now),
                        s.id.clone(),
                        s.key.clone(),
                    )
                })
                .collect();
            old.sort();
            for (_, id, key) in old.into_iter().take(ended - ENDED_SESSIONS_CAP) {
                self.sessions.remove(&id);
                self.by_key.remove(&key);
            }
        }
    }

    pub fn reset(&mut self, orgs: Vec<OrgConfig>, deployments: Vec<MiawDeployment>) {
        // Dropping the sessions drops their watch senders: held polls wake up and answer 403.
        self.sessions.clear();
        self.by_key.clear();
        self.faults.clear();
        self.requests.clear();
        self.orphan_breadcrumbs.clear();
        self.orgs = orgs;
        // Dropping the visitors drops their watch senders: open event streams end.
        self.miaw = Miaw::new(deployments);
    }
}

/// Shared by every handler.
pub struct Shared {
    pub cfg: SimConfig,
    state: Mutex<State>,
}

pub type AppState = Arc<Shared>;

impl Shared {
    pub fn new(cfg: SimConfig) -> AppState {
        let orgs = cfg.orgs.clone();
        let deployments = cfg.miaw.clone();
        Arc::new(Shared {
            cfg,
            state: Mutex::new(State::new(orgs, deployments)),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
