//! A Live Agent session: its life (phase, end), the visitor's requests, the poll (outbox, acks,
//! held polls, ReconnectSession), the agent's actions and the control API's view. Its fields are
//! private to this file: handlers and [`super::State`] use its methods.

use crate::config::{same_id, ButtonConfig};
use crate::ids;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Undelivered messages kept per session (a session that never polls ends at the idle timeout).
pub const OUTBOX_CAP: usize = 10_000;
/// `received` entries, transcript lines and breadcrumbs kept per session.
pub const PER_SESSION_LOG_CAP: usize = 10_000;

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
pub(super) struct Offsets(Arc<AtomicU64>);

impl Offsets {
    pub(super) fn new() -> Offsets {
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
pub(super) struct Breadcrumb {
    location: String,
    at_ms: u64,
}

impl Breadcrumb {
    pub(super) fn new(location: String) -> Breadcrumb {
        Breadcrumb {
            location,
            at_ms: ids::now_ms(),
        }
    }

    pub(super) fn to_json(&self) -> Value {
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
/// [`super::State::poll_wake`].
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
/// positions, ends), through [`super::State`].
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
    pub(super) fn new(order: u64, offsets: Offsets) -> Session {
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

    /// Creation order.
    pub(super) fn order(&self) -> u64 {
        self.order
    }

    /// The session sent ChasitorInit: it is a chat (`GET /_sim/sessions` lists it).
    pub(super) fn sent_init(&self) -> bool {
        self.org_id.is_some()
    }

    /// Live, no poll held and none for longer than `idle`: the idle timeout ends it.
    pub(super) fn is_idle(&self, idle: Duration) -> bool {
        self.is_live() && self.open_polls == 0 && self.last_poll_activity.elapsed() > idle
    }

    /// When an ended session without a held poll ended (it may be forgotten); `None` while it is
    /// live or polled.
    pub(super) fn forgettable_since(&self) -> Option<Instant> {
        if self.is_live() || self.open_polls != 0 {
            return None;
        }
        Some(self.ended_at.unwrap_or_else(Instant::now))
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
    pub(super) fn waiting_on(&self, button_id: &str) -> bool {
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
    pub(super) fn end(&mut self, by: EndedBy) -> Option<String> {
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

    /// The visitor's ChatEnd: its reason; the caller ends the session
    /// ([`super::State::visitor_end`]).
    pub(super) fn visitor_ends(&mut self, reason: String) {
        self.end_reason = Some(reason);
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
    pub(super) fn begin_init(&mut self, init: &ChasitorInit) -> bool {
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
    pub(super) fn enqueue(&mut self, button: &ButtonConfig, position: i64) {
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
    pub(super) fn move_in_queue(&mut self, position: i64) {
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
    /// ([`super::State::take_poll`]).
    pub(super) fn take_poll(&mut self, affinity: &str, ack: i64) -> Result<HeldPoll, PollAnswer> {
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
    pub(super) fn poll_wake(
        &mut self,
        affinity: &str,
        epoch: u64,
        hold_over: bool,
    ) -> Option<PollAnswer> {
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
    /// Answers the button whose queue moves up, if it was waiting on one.
    pub(super) fn accept(&mut self, name: String) -> Result<Option<String>, Conflict> {
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
        Ok(if was_queued {
            self.button_id.clone()
        } else {
            None
        })
    }

    /// The agent ends the chat: ChatEnded (`reason` defaults to `agent`); the caller ends the
    /// session ([`super::State::agent_end`]).
    pub(super) fn agent_ends(&mut self, reason: Option<String>) -> Result<(), Conflict> {
        if !self.is_live() {
            return Err(Conflict("the chat has already ended".into()));
        }
        let reason = reason.unwrap_or_else(|| "agent".to_string());
        self.end_reason = Some(reason.clone());
        self.queue_message(
            "ChatEnded",
            json!({"reason": reason, "attachedRecords": []}),
        );
        Ok(())
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
