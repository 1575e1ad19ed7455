//! The simulator's state: sessions, their message queues, buttons, faults and the request log.
//!
//! One mutex guards everything; critical sections are short and never await. Long polls wait on a
//! per-session `watch` channel that is bumped whenever something a poll cares about changes.
//!
//! Handlers never touch a session's fields: they call its intent-named methods (the visitor's
//! requests, the agent's actions, the poll) and, for what reaches beyond one session (queue
//! positions on a button, the end of a chat, routing), the [`State`]'s.

use crate::config::{same_id, ButtonConfig, OrgConfig, SimConfig};
use crate::faults::{FaultAction, Faults};
use crate::ids;
use crate::miaw::config::MiawDeployment;
use crate::miaw::state::Miaw;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
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
enum Phase {
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
struct OutMsg {
    seq: i64,
    offset: u64,
    kind: String,
    body: Value,
}

/// The event offsets of poll messages: one counter for the whole server, shared by every
/// session's outbox. They look like the real server's large event offsets.
#[derive(Clone)]
struct Offsets(Arc<AtomicU64>);

impl Offsets {
    fn new() -> Offsets {
        Offsets(Arc::new(AtomicU64::new(
            54_000_000 + (ids::random_u64() % 1_000_000),
        )))
    }

    /// The next offset (every access is under the state lock: the order is the lock's).
    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
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
struct Received {
    sequence: Option<i64>,
    kind: String,
    body: Value,
}

#[derive(Clone, Debug)]
struct TranscriptEntry {
    kind: &'static str,
    name: String,
    content: String,
    timestamp: u64,
    sequence: usize,
}

#[derive(Clone, Debug)]
struct Breadcrumb {
    location: String,
    at_ms: u64,
}

impl Breadcrumb {
    fn new(location: String) -> Breadcrumb {
        Breadcrumb {
            location,
            at_ms: ids::now_ms(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"location": self.location, "atMs": self.at_ms})
    }
}

/// What a poll answers (the handler turns it into the HTTP answer).
pub enum PollAnswer {
    /// 403: the session is unknown, or ended and drained.
    Forbidden,
    /// 503: the affinity is not the session's current one.
    StaleAffinity,
    /// 409: a second poll ended the chat.
    DuplicatePoll,
    /// 409 with this text: the ack is neither the last `sequence` sent nor the previous ack.
    OutOfSync(String),
    /// A raw answer queued by the control API.
    Raw(RawAnswer),
    /// 200 with this body: every message after the ack.
    Messages(Value),
    /// 204: the hold is over, or the chat ended, or a ReconnectSession made the poll stale.
    NoContent,
}

/// A poll with nothing to answer yet: it waits for `changed`, then asks
/// [`State::poll_wake`].
pub struct HeldPoll {
    pub epoch: u64,
    pub changed: watch::Receiver<u64>,
}

/// A control action the session's state does not allow (409 with this text).
#[derive(Debug)]
pub struct Conflict(pub String);

/// What a ChasitorInit asks for.
pub struct ChasitorInit {
    pub visitor_name: Option<String>,
    /// An array.
    pub prechat_details: Value,
    pub receive_queue_updates: bool,
    pub org_id: String,
    pub deployment_id: String,
    pub button_id: String,
    /// `buttonOverrides`: `buttonId`, `agentId` or `agentId_buttonId`, in order.
    pub overrides: Vec<String>,
    pub is_post: bool,
    pub session_id: String,
}

/// A Live Agent session. Handlers change it only through its methods: the visitor's requests
/// (`chat_api`), the agent's actions (`control_api`) and, for what spans sessions (queue
/// positions, ends), through [`State`].
pub struct Session {
    id: String,
    key: String,
    affinity: String,
    /// Creation order.
    order: u64,
    created_at_ms: u64,
    phase: Phase,
    ended_by: Option<EndedBy>,
    ended_at: Option<Instant>,
    end_reason: Option<String>,
    org_id: Option<String>,
    deployment_id: Option<String>,
    button_id: Option<String>,
    visitor_name: Option<String>,
    visitor_id: String,
    prechat_details: Value,
    receive_queue_updates: bool,
    queue_position: Option<i64>,
    /// The control API set the position: no automatic recomputation any more.
    manual_position: bool,
    estimated_wait_time: i64,
    agent_name: Option<String>,
    agent_connected: bool,
    received: Vec<Received>,
    transcript: Vec<TranscriptEntry>,
    breadcrumbs: Vec<Breadcrumb>,
    visitor_typing: bool,
    sneak_peek: Option<String>,
    /// Highest X-LIVEAGENT-SEQUENCE processed (0 = none; reset by ReconnectSession).
    last_visitor_seq: i64,
    /// Messages for the visitor not yet acknowledged.
    outbox: VecDeque<OutMsg>,
    offsets: Offsets,
    next_msg_seq: i64,
    /// The ack the visitor last sent (messages up to it are gone).
    acked: i64,
    /// The `sequence` of the last 200 answer.
    sent_upto: i64,
    /// After ReconnectSession the next poll's ack is accepted whatever it is (a new server).
    ack_free: bool,
    /// Counts ReconnectSession requests: a poll held from before one answers 204 without taking
    /// messages (they belong to the new server's stream).
    epoch: u64,
    open_polls: u32,
    max_open_polls: u32,
    last_poll_activity: Instant,
    /// Set when a duplicate poll ended the chat: held polls answer 409.
    poll_killed: bool,
    dropped_messages: u64,
    /// Raw poll answers queued by the control API (`POST /_sim/sessions/{id}/raw`): the next
    /// polls answer exactly these, before any message.
    raw_answers: VecDeque<RawAnswer>,
    notify: watch::Sender<u64>,
}

fn agent_user_id(name: &str) -> String {
    ids::sf_id("005", name)
}

impl Session {
    fn new(order: u64, offsets: Offsets) -> Session {
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
            offsets,
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

    // -----------------------------------------------------------------------------------------
    // Reading

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn affinity(&self) -> &str {
        &self.affinity
    }

    pub fn is_live(&self) -> bool {
        self.phase != Phase::Ended
    }

    /// An agent accepted the chat (it may have disconnected since) and it has not ended.
    pub fn is_established(&self) -> bool {
        self.phase == Phase::Established
    }

    fn state_str(&self) -> &'static str {
        match self.phase {
            Phase::New => "new",
            Phase::Queued => "queued",
            Phase::Established => "established",
            Phase::Ended => "ended",
        }
    }

    /// Refuses a control action on an ended chat.
    fn require_live(&self) -> Result<(), Conflict> {
        if self.is_live() {
            Ok(())
        } else {
            Err(Conflict("the chat has ended".into()))
        }
    }

    /// Refuses an agent action without an agent in the chat.
    fn require_agent(&self) -> Result<(), Conflict> {
        if self.phase == Phase::Established && self.agent_connected {
            Ok(())
        } else {
            Err(Conflict(format!(
                "the chat is {} without a connected agent",
                self.state_str()
            )))
        }
    }

    /// Waiting for an agent on this button.
    fn waiting_on(&self, button_id: &str) -> bool {
        self.phase == Phase::Queued
            && self
                .button_id
                .as_deref()
                .is_some_and(|b| same_id(b, button_id))
    }

    // -----------------------------------------------------------------------------------------
    // Messages for the visitor's poll

    /// Queues a message for the visitor's poll (dropped, and counted, when the outbox is full).
    pub fn queue_message(&mut self, kind: &str, body: Value) {
        if self.outbox.len() >= OUTBOX_CAP {
            self.dropped_messages += 1;
            return;
        }
        let seq = self.next_msg_seq;
        self.next_msg_seq += 1;
        self.outbox.push_back(OutMsg {
            seq,
            offset: self.offsets.next(),
            kind: kind.to_string(),
            body,
        });
        self.bump();
    }

    /// Wakes every poll held on this session.
    fn bump(&self) {
        self.notify.send_modify(|v| *v = v.wrapping_add(1));
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

    /// Ends the session; the button whose queue moves up, if it was waiting on one.
    fn end(&mut self, by: EndedBy) -> Option<String> {
        if !self.is_live() {
            return None;
        }
        let was_queued = self.phase == Phase::Queued;
        self.phase = Phase::Ended;
        self.ended_by = Some(by);
        self.ended_at = Some(Instant::now());
        self.visitor_typing = false;
        if by == EndedBy::DuplicatePoll {
            self.poll_killed = true;
        }
        self.bump();
        if was_queued {
            self.button_id.clone()
        } else {
            None
        }
    }

    // -----------------------------------------------------------------------------------------
    // The visitor's requests

    /// Whether a POST with this X-LIVEAGENT-SEQUENCE was already processed (a repeat or an older
    /// one).
    pub fn already_processed(&self, sequence: i64) -> bool {
        sequence <= self.last_visitor_seq
    }

    pub fn mark_processed(&mut self, sequence: i64) {
        self.last_visitor_seq = sequence;
    }

    /// Records a processed visitor POST (`received` in the control API).
    pub fn record_received(&mut self, sequence: Option<i64>, kind: &str, body: Value) {
        if self.received.len() < PER_SESSION_LOG_CAP {
            self.received.push(Received {
                sequence,
                kind: kind.to_string(),
                body,
            });
        }
    }

    fn add_transcript(&mut self, kind: &'static str, name: String, content: String) {
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
            self.breadcrumbs.push(Breadcrumb::new(location));
        }
    }

    pub fn set_visitor_typing(&mut self, typing: bool) {
        self.visitor_typing = typing;
    }

    pub fn sneak_peek(&mut self, text: String) {
        self.sneak_peek = Some(text);
    }

    /// The visitor's ChatMessage: in the transcript; typing and sneak peek are over.
    pub fn visitor_message(&mut self, text: String) {
        let name = self
            .visitor_name
            .clone()
            .unwrap_or_else(|| "Visitor".into());
        self.add_transcript("Chasitor", name, text);
        self.visitor_typing = false;
        self.sneak_peek = None;
    }

    /// Takes the visitor details of a ChasitorInit; false if the session already had one.
    fn begin_init(&mut self, init: &ChasitorInit) -> bool {
        if self.phase != Phase::New {
            return false;
        }
        self.visitor_name = init.visitor_name.clone();
        self.prechat_details = init.prechat_details.clone();
        self.receive_queue_updates = init.receive_queue_updates;
        self.org_id = Some(init.org_id.clone());
        self.deployment_id = Some(init.deployment_id.clone());
        true
    }

    /// Routed: waiting on `button` at `position`; ChatRequestSuccess for the visitor.
    fn enqueue(&mut self, button: &ButtonConfig, position: i64) {
        self.phase = Phase::Queued;
        self.button_id = Some(button.id.clone());
        self.queue_position = Some(position);
        self.estimated_wait_time = button.estimated_wait_time;
        let custom_details: Vec<Value> = self
            .prechat_details
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        json!({
                            "label": d.get("label").cloned().unwrap_or(Value::Null),
                            "value": d.get("value").cloned().unwrap_or(Value::Null),
                            "transcriptFields": d.get("transcriptFields").cloned().unwrap_or_else(|| json!([])),
                            "displayToAgent": d.get("displayToAgent").cloned().unwrap_or(json!(true)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut msg = json!({
            "queuePosition": self.queue_position.unwrap_or(0),
            "geoLocation": geo_location(),
            "url": "",
            "oref": "",
            "postChatUrl": "",
            "customDetails": custom_details,
            "visitorId": self.visitor_id,
        });
        if self.receive_queue_updates {
            msg["estimatedWaitTime"] = json!(self.estimated_wait_time);
        }
        self.queue_message("ChatRequestSuccess", msg);
    }

    /// A chat ahead on the button was accepted or ended: the new position (QueueUpdate for a
    /// visitor that asked), unless the control API fixed the position.
    fn move_in_queue(&mut self, position: i64) {
        if self.manual_position || self.queue_position == Some(position) {
            return;
        }
        self.queue_position = Some(position);
        if self.receive_queue_updates {
            let ewt = self.estimated_wait_time;
            self.queue_message(
                "QueueUpdate",
                json!({"position": position, "estimatedWaitTime": ewt}),
            );
        }
    }

    /// ReconnectSession: a new server takes the session over. The visitor's outgoing sequence
    /// starts again at 1, and the first message of the next poll is ChasitorSessionData,
    /// followed by whatever the visitor had not received yet (messages after the offset it
    /// reports). Answers the affinity token.
    pub fn reconnect(&mut self, offset: u64) -> String {
        self.last_visitor_seq = 0;
        let pending: Vec<(String, Value)> = self
            .outbox
            .drain(..)
            .filter(|m| m.offset > offset)
            .map(|m| (m.kind, m.body))
            .collect();
        let data = self.chasitor_session_data();
        self.ack_free = true;
        self.epoch += 1;
        self.queue_message("ChasitorSessionData", data);
        for (kind, body) in pending {
            self.queue_message(&kind, body);
        }
        self.affinity.clone()
    }

    fn chasitor_session_data(&self) -> Value {
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

    /// A poll arrives with `ack`: its answer now, or the poll is held. A second poll while one
    /// is held answers [`PollAnswer::DuplicatePoll`] and the caller ends the chat
    /// ([`State::take_poll`]).
    fn take_poll(&mut self, affinity: &str, ack: i64) -> Result<HeldPoll, PollAnswer> {
        self.last_poll_activity = Instant::now();
        let drainable = self.ended_by.is_some_and(EndedBy::drainable);
        if !self.is_live() && !drainable {
            return Err(PollAnswer::Forbidden);
        }
        if self.affinity != affinity {
            return Err(PollAnswer::StaleAffinity);
        }
        if self.open_polls > 0 {
            return Err(PollAnswer::DuplicatePoll);
        }
        self.apply_ack(ack).map_err(PollAnswer::OutOfSync)?;
        if let Some(raw) = self.raw_answers.pop_front() {
            return Err(PollAnswer::Raw(raw));
        }
        if let Some(batch) = self.take_batch() {
            return Err(PollAnswer::Messages(batch));
        }
        if !self.is_live() {
            // Ended and everything delivered.
            return Err(PollAnswer::Forbidden);
        }
        self.open_polls += 1;
        self.max_open_polls = self.max_open_polls.max(self.open_polls);
        Ok(HeldPoll {
            epoch: self.epoch,
            changed: self.notify.subscribe(),
        })
    }

    /// What a held poll answers when woken (or at the end of the hold), if anything.
    fn poll_wake(&mut self, affinity: &str, epoch: u64, hold_over: bool) -> Option<PollAnswer> {
        if self.poll_killed {
            return Some(PollAnswer::DuplicatePoll);
        }
        if self.affinity != affinity {
            return Some(PollAnswer::StaleAffinity);
        }
        if self.epoch != epoch {
            return Some(PollAnswer::NoContent);
        }
        if let Some(raw) = self.raw_answers.pop_front() {
            return Some(PollAnswer::Raw(raw));
        }
        if let Some(batch) = self.take_batch() {
            return Some(PollAnswer::Messages(batch));
        }
        if !self.is_live() || hold_over {
            return Some(PollAnswer::NoContent);
        }
        None
    }

    /// A held poll answered or its connection went away.
    pub fn poll_closed(&mut self) {
        self.open_polls = self.open_polls.saturating_sub(1);
        self.last_poll_activity = Instant::now();
    }

    /// Applies the `ack` of a poll. Valid acks: the `sequence` of the last 200 answer (the
    /// visitor has everything up to it) or the previous ack again (the last 200 answer was lost:
    /// it is delivered again). Anything else is out of sync.
    fn apply_ack(&mut self, ack: i64) -> Result<(), String> {
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
    fn take_batch(&mut self) -> Option<Value> {
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

    // -----------------------------------------------------------------------------------------
    // The agent's actions (control API)

    /// An agent takes the chat, while it is queued or after a disconnect (ChatEstablished).
    /// Answers whether it was queued (the chats behind it move up).
    fn accept(&mut self, name: String) -> Result<bool, Conflict> {
        let reconnecting = self.phase == Phase::Established && !self.agent_connected;
        if self.phase != Phase::Queued && !reconnecting {
            return Err(Conflict(format!(
                "the chat is {}, not waiting",
                self.state_str()
            )));
        }
        let was_queued = self.phase == Phase::Queued;
        self.phase = Phase::Established;
        self.agent_name = Some(name.clone());
        self.agent_connected = true;
        self.queue_position = None;
        self.queue_message(
            "ChatEstablished",
            json!({"name": name, "userId": agent_user_id(&name), "sneakPeekEnabled": true}),
        );
        Ok(was_queued)
    }

    pub fn agent_message(&mut self, text: String) -> Result<(), Conflict> {
        self.require_agent()?;
        let name = self.agent_name.clone().unwrap_or_default();
        self.add_transcript("Agent", name.clone(), text.clone());
        self.queue_message("ChatMessage", json!({"name": name, "text": text}));
        Ok(())
    }

    pub fn agent_typing(&mut self, typing: bool) -> Result<(), Conflict> {
        self.require_agent()?;
        let kind = if typing {
            "AgentTyping"
        } else {
            "AgentNotTyping"
        };
        self.queue_message(kind, json!({}));
        Ok(())
    }

    /// Another agent takes over the established chat (ChatTransferred).
    pub fn transfer(&mut self, name: String) -> Result<(), Conflict> {
        if self.phase != Phase::Established {
            return Err(Conflict(format!(
                "the chat is {}, not established",
                self.state_str()
            )));
        }
        self.agent_name = Some(name.clone());
        self.agent_connected = true;
        self.add_transcript("OperatorTransferred", name.clone(), name.clone());
        self.queue_message(
            "ChatTransferred",
            json!({"name": name, "userId": agent_user_id(&name), "sneakPeekEnabled": true}),
        );
        Ok(())
    }

    /// The agent leaves; the chat stays open: another agent may accept it.
    pub fn disconnect_agent(&mut self) -> Result<(), Conflict> {
        self.require_agent()?;
        self.agent_connected = false;
        self.queue_message("AgentDisconnect", json!({}));
        Ok(())
    }

    /// The control API sets the queue position (no automatic recomputation after that).
    pub fn set_queue_position(
        &mut self,
        position: i64,
        estimated_wait_time: Option<i64>,
    ) -> Result<(), Conflict> {
        if self.phase != Phase::Queued {
            return Err(Conflict(format!(
                "the chat is {}, not queued",
                self.state_str()
            )));
        }
        self.queue_position = Some(position);
        self.manual_position = true;
        if let Some(ewt) = estimated_wait_time {
            self.estimated_wait_time = ewt;
        }
        let ewt = self.estimated_wait_time;
        self.queue_message(
            "QueueUpdate",
            json!({"position": position, "estimatedWaitTime": ewt}),
        );
        Ok(())
    }

    pub fn agent_custom_event(&mut self, kind: String, data: String) -> Result<(), Conflict> {
        self.require_live()?;
        self.queue_message("CustomEvent", json!({"type": kind, "data": data}));
        Ok(())
    }

    /// ChasitorIdleTimeoutWarningEvent (`triggered` or `cleared`).
    pub fn idle_warning(&mut self, event: &str) -> Result<(), Conflict> {
        self.require_live()?;
        self.queue_message(
            "ChasitorIdleTimeoutWarningEvent",
            json!({"idleTimeoutWarningEvent": event}),
        );
        Ok(())
    }

    /// The control API's affinity change (see [`Session::change_affinity`]).
    pub fn move_affinity(&mut self) -> Result<(), Conflict> {
        self.require_live()?;
        self.change_affinity();
        Ok(())
    }

    /// Queues a raw answer for the next poll (a held one answers it at once); answers how many
    /// are queued.
    pub fn queue_raw_answer(&mut self, raw: RawAnswer) -> Result<usize, Conflict> {
        self.require_live()?;
        if self.raw_answers.len() >= RAW_ANSWERS_CAP {
            return Err(Conflict("too many raw answers queued".into()));
        }
        self.raw_answers.push_back(raw);
        self.bump();
        Ok(self.raw_answers.len())
    }

    // -----------------------------------------------------------------------------------------
    // The control API's view

    /// The control API's view of the session, copied: cheap to take under the state lock (the lists
    /// are cloned, not turned into JSON), turned into JSON after it is released, so a control
    /// call on a long chat does not hold up the chat's own requests.
    pub fn view(&self) -> SessionView {
        let breadcrumbs: Vec<Value> = self.breadcrumbs.iter().map(Breadcrumb::to_json).collect();
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

fn geo_location() -> Value {
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
    sessions: HashMap<String, Session>,
    by_key: HashMap<String, String>,
    next_order: u64,
    offsets: Offsets,
    orgs: Vec<OrgConfig>,
    pub faults: Faults,
    requests: VecDeque<RequestLogEntry>,
    orphan_breadcrumbs: VecDeque<Breadcrumb>,
    /// Enhanced Chat visitors and conversations.
    pub miaw: Miaw,
}

impl State {
    fn new(orgs: Vec<OrgConfig>, deployments: Vec<MiawDeployment>) -> State {
        State {
            sessions: HashMap::new(),
            by_key: HashMap::new(),
            next_order: 0,
            offsets: Offsets::new(),
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

    // -----------------------------------------------------------------------------------------
    // Sessions

    pub fn live_sessions(&self) -> usize {
        self.sessions.values().filter(|s| s.is_live()).count()
    }

    pub fn create_session(&mut self) -> &Session {
        let order = self.next_order();
        let s = Session::new(order, self.offsets.clone());
        let id = s.id.clone();
        self.by_key.insert(s.key.clone(), id.clone());
        self.sessions.entry(id).or_insert(s)
    }

    pub fn id_for_key(&self, key: &str) -> Option<&String> {
        self.by_key.get(key)
    }

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    pub fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.sessions.get_mut(id)
    }

    pub fn session_by_key(&mut self, key: &str) -> Option<&mut Session> {
        let id = self.by_key.get(key)?;
        self.sessions.get_mut(id)
    }

    /// By id, or by key (the control API takes either).
    pub fn find_session(&self, id_or_key: &str) -> Option<&Session> {
        self.sessions.get(id_or_key).or_else(|| {
            self.id_for_key(id_or_key)
                .and_then(|id| self.sessions.get(id))
        })
    }

    /// The control API's views of the chats (sessions that sent ChasitorInit; `GET
    /// /_sim/sessions/{id}` still shows the others, with state "new"), with their creation order.
    pub fn chat_views(&self) -> Vec<(u64, SessionView)> {
        self.sessions
            .values()
            .filter(|s| s.org_id.is_some())
            .map(|s| (s.order, s.view()))
            .collect()
    }

    /// Ends a session; chats waiting behind it on its button move up.
    pub fn end_session(&mut self, id: &str, by: EndedBy) {
        let button = self.sessions.get_mut(id).and_then(|s| s.end(by));
        if let Some(button) = button {
            self.requeue(&button);
        }
    }

    /// Recomputes the positions of the chats waiting on a button (unless the button reports a
    /// fixed position or the control API set one) and sends QueueUpdate to those that asked.
    fn requeue(&mut self, button_id: &str) {
        let Some(button) = self.find_button(button_id) else {
            return;
        };
        if button.queue_position.is_some() {
            return;
        }
        let mut waiting: Vec<(u64, String)> = self
            .sessions
            .values()
            .filter(|s| s.waiting_on(button_id))
            .map(|s| (s.order, s.id.clone()))
            .collect();
        waiting.sort();
        for (i, (_, id)) in waiting.into_iter().enumerate() {
            if let Some(s) = self.sessions.get_mut(&id) {
                s.move_in_queue(i as i64 + 1);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // The visitor's requests that reach beyond its session

    /// ChasitorInit for session `id`: queued on a button (ChatRequestSuccess), or failed
    /// (ChatRequestFail, and the session ends). Ignored if the session already had one.
    pub fn chasitor_init(&mut self, id: &str, init: ChasitorInit) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        if !s.begin_init(&init) {
            return;
        }
        match self.route(id, &init) {
            Ok((button, position)) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.enqueue(&button, position);
                }
            }
            Err(reason) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.queue_message(
                        "ChatRequestFail",
                        json!({"reason": reason, "postChatUrl": ""}),
                    );
                }
                self.end_session(id, EndedBy::RequestFailed);
            }
        }
    }

    /// Where a ChasitorInit for session `id` goes: the button and the chat's position on it, or
    /// the ChatRequestFail reason.
    fn route(&self, id: &str, req: &ChasitorInit) -> Result<(ButtonConfig, i64), &'static str> {
        if !req.is_post {
            return Err("NoPost");
        }
        let org = self.find_org(&req.org_id).ok_or("InternalFailure")?;
        if !org
            .deployments
            .iter()
            .any(|d| same_id(d, &req.deployment_id))
            || req.session_id != id
        {
            return Err("InternalFailure");
        }
        // Routing targets: the overrides in order (`buttonId`, `agentId`, `agentId_buttonId`),
        // else the button. The simulator has no individually routable agents, so only the
        // button part of a target can succeed.
        let mut targets: Vec<&str> = Vec::new();
        if req.overrides.is_empty() {
            targets.push(&req.button_id);
        } else {
            for o in &req.overrides {
                match o.split_once('_') {
                    Some((_agent, button)) => targets.push(button),
                    None => targets.push(o),
                }
            }
        }
        let button = targets
            .into_iter()
            .find_map(|t| {
                org.buttons
                    .iter()
                    .find(|b| same_id(&b.id, t) && b.available)
                    .cloned()
            })
            .ok_or("Unavailable")?;
        let waiting_ahead = self
            .sessions
            .values()
            .filter(|s| s.waiting_on(&button.id))
            .count() as i64;
        let position = button.queue_position.unwrap_or(waiting_ahead + 1);
        Ok((button, position))
    }

    /// The visitor's ChatEnd.
    pub fn visitor_end(&mut self, id: &str, reason: String) {
        if let Some(s) = self.sessions.get_mut(id) {
            s.end_reason = Some(reason);
        }
        self.end_session(id, EndedBy::Visitor);
    }

    /// A poll for session `id` arrives (see [`Session::take_poll`]); a second poll while one is
    /// held ends the chat.
    pub fn take_poll(
        &mut self,
        id: &str,
        affinity: &str,
        ack: i64,
    ) -> Result<HeldPoll, PollAnswer> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Err(PollAnswer::Forbidden);
        };
        let taken = s.take_poll(affinity, ack);
        if let Err(PollAnswer::DuplicatePoll) = taken {
            // Both polls get 409.
            self.end_session(id, EndedBy::DuplicatePoll);
        }
        taken
    }

    /// What a held poll answers when woken (or at the end of the hold), if anything.
    pub fn poll_wake(
        &mut self,
        id: &str,
        affinity: &str,
        epoch: u64,
        hold_over: bool,
    ) -> Option<PollAnswer> {
        match self.sessions.get_mut(id) {
            Some(s) => s.poll_wake(affinity, epoch, hold_over),
            None => Some(PollAnswer::Forbidden),
        }
    }

    /// A breadcrumb posted without a (live) session, kept for `GET /_sim/breadcrumbs`.
    pub fn add_orphan_breadcrumb(&mut self, location: String) {
        if self.orphan_breadcrumbs.len() >= ORPHAN_BREADCRUMB_CAP {
            self.orphan_breadcrumbs.pop_front();
        }
        self.orphan_breadcrumbs.push_back(Breadcrumb::new(location));
    }

    pub fn orphan_breadcrumbs_json(&self) -> Value {
        Value::Array(
            self.orphan_breadcrumbs
                .iter()
                .map(Breadcrumb::to_json)
                .collect(),
        )
    }

    // -----------------------------------------------------------------------------------------
    // The agent's actions that reach beyond the session

    /// An agent accepts the chat (see [`Session::accept`]); the chats behind it move up.
    pub fn accept(&mut self, id: &str, agent_name: String) -> Result<(), Conflict> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Ok(());
        };
        let was_queued = s.accept(agent_name)?;
        if was_queued {
            if let Some(button) = s.button_id.clone() {
                self.requeue(&button);
            }
        }
        Ok(())
    }

    /// The agent ends the chat (ChatEnded; `reason` defaults to `agent`).
    pub fn agent_end(&mut self, id: &str, reason: Option<String>) -> Result<(), Conflict> {
        let Some(s) = self.sessions.get_mut(id) else {
            return Ok(());
        };
        if !s.is_live() {
            return Err(Conflict("the chat has already ended".into()));
        }
        let reason = reason.unwrap_or_else(|| "agent".to_string());
        s.end_reason = Some(reason.clone());
        s.queue_message(
            "ChatEnded",
            json!({"reason": reason, "attachedRecords": []}),
        );
        self.end_session(id, EndedBy::Agent);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Orgs and buttons

    pub fn orgs(&self) -> &[OrgConfig] {
        &self.orgs
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

    // -----------------------------------------------------------------------------------------
    // Faults, the request log, housekeeping

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

    pub fn requests_json(&self) -> Value {
        Value::Array(self.requests.iter().map(RequestLogEntry::to_json).collect())
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
