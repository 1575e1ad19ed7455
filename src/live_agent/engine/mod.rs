//! The chat session as a pure state machine ("sans-IO"): it never fetches, sleeps or reads a
//! clock. The driver feeds it what happened ([`Engine::handle`] with an [`Input`], the time and a
//! random number) and asks it what to do next ([`Engine::poll_request`], [`Engine::poll_abort`],
//! [`Engine::poll_event`], [`Engine::next_deadline`]).
//!
//! The session, as the engine runs it:
//! 1. `GET System/SessionId` (affinity "null"), then `POST Chasitor/ChasitorInit` (sequence 1),
//!    then the `System/Messages` long poll from `ack=-1`: exactly one poll outstanding while the
//!    session lives, each replaced at once when answered (200: new ack and offset; 204: same ack)
//!    and abandoned after `clientPollTimeout` seconds plus [`POLL_MARGIN_MS`].
//! 2. POSTs go one at a time, in order ([`outbox`]), each with the next `X-LIVEAGENT-SEQUENCE`.
//!    Several waiting ones go as one MultiNoun. Visitor messages and custom events wait for
//!    ChatEstablished. A resend after an unknown outcome (network error, timeout) keeps its
//!    sequence, so the server drops it if it already had it.
//! 3. 503 anywhere: abort what is in flight, `GET System/ReconnectSession` with the last offset,
//!    adopt the new affinity (and sequence 1 when `resetSequence`), poll from `ack=-1`, wait for
//!    ChasitorSessionData, `POST ChasitorResyncState`, then resend what was cancelled.
//! 4. 403 and 409 end the chat at once; network errors, timeouts and other 5xx retry with capped
//!    exponential backoff ([`crate::session::backoff_delay`]) until `retry_budget_ms` has passed.
//!
//! [`Snapshot`] holds what is needed to resume after a page reload.
//!
//! Here: the engine, its surface and its state changes. Beside it: the visitor's intents and the
//! page's network (`intents.rs`), what goes out (`requests.rs`), the answers to the control GETs
//! and the POSTs (`answers.rs`), the long poll's messages (`inbound.rs`), the POST queue
//! (`outbox.rs`), the poll (`poll.rs`), the snapshot (`snapshot.rs`), the configuration and the
//! request type (`types.rs`).

mod answers;
mod inbound;
mod intents;
mod outbox;
mod poll;
mod requests;
mod snapshot;
mod types;

pub use outbox::{Outgoing, PendingPost, MAX_BATCH};
pub use poll::{ABANDON_PAUSE_MS, POLL_MARGIN_MS};
pub use snapshot::{SessionInfo, Snapshot};
pub use types::{EngineConfig, HttpRequest};

use super::wire::{ChasitorInit, Header, MessagesQuery, ReconnectSessionQuery, Resource};
use crate::prechat::Prechat;
use crate::session::{
    ChatState, Delivery, EndReason, EngineError, Event, Input, Millis, Outcome, RequestId, Retry,
    REQUEST_TIMEOUT_MS,
};
use outbox::Outbox;
use poll::Poll;
use std::collections::VecDeque;
use types::Flight;

/// Where a reconnect after a 503 is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reconnect {
    /// `GET ReconnectSession` on its way (or waiting to be retried); nothing else goes out.
    Requesting,
    /// New affinity adopted, polling: waiting for ChasitorSessionData.
    AwaitingSessionData,
    /// ChasitorResyncState on its way; the cancelled POSTs wait for it.
    Resyncing,
}

/// The GET that creates or re-attaches the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Control {
    SessionId,
    ReconnectSession,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ControlChannel {
    /// The control request wanted, if any.
    want: Option<Control>,
    flight: Option<Flight>,
    retry_at: Option<Millis>,
    retry: Retry,
}

/// The chat engine. See the module documentation.
#[derive(Clone, Debug)]
pub struct Engine {
    cfg: EngineConfig,
    /// The state without the reconnect overlay (never `Reconnecting`).
    base: ChatState,
    /// What the UI sees: `base`, or `Reconnecting` while a reconnect runs.
    state: ChatState,
    reconnect: Option<Reconnect>,
    session: Option<SessionInfo>,
    prechat: Option<Prechat>,
    control: ControlChannel,
    poll: Poll,
    outbox: Outbox,
    agent_name: Option<String>,
    sneak_peek_enabled: bool,
    sneak_peek_position: u32,
    /// The visitor's typing state as last queued.
    typing: bool,
    end_requested: bool,
    /// The browser is offline / the page is frozen: nothing goes out, no budget is spent.
    offline: bool,
    frozen: bool,
    /// Visitor messages the server confirmed (to skip resending ones a lost answer hid).
    confirmed_messages: u64,
    post_chat_url: Option<String>,
    next_id: u64,
    requests: VecDeque<HttpRequest>,
    aborts: VecDeque<RequestId>,
    events: VecDeque<Event>,
}

impl Engine {
    /// A new engine, idle until [`Input::Start`].
    pub fn new(cfg: EngineConfig) -> Engine {
        Engine {
            cfg,
            base: ChatState::Idle,
            state: ChatState::Idle,
            reconnect: None,
            session: None,
            prechat: None,
            control: ControlChannel::default(),
            poll: Poll::default(),
            outbox: Outbox::default(),
            agent_name: None,
            sneak_peek_enabled: false,
            sneak_peek_position: 0,
            typing: false,
            end_requested: false,
            offline: false,
            frozen: false,
            confirmed_messages: 0,
            post_chat_url: None,
            next_id: 1,
            requests: VecDeque::new(),
            aborts: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Something happened at `now`. `rand` is a random number for backoff jitter (an input, so
    /// tests are deterministic).
    pub fn handle(&mut self, input: Input, now: Millis, rand: u32) {
        match input {
            Input::Start(prechat) => self.start(prechat),
            Input::SendText { local_id, text } => self.send_text(local_id, text),
            Input::Typing(typing) => self.set_typing(typing),
            Input::SneakPeek(text) => self.sneak_peek(text),
            Input::CustomEvent { event_type, data } => self.custom_event(event_type, data),
            Input::End => self.end(),
            Input::Breadcrumb(location) => self.breadcrumb(location, now),
            Input::Online(online) => self.set_paused(!online, self.frozen, now),
            Input::Frozen(frozen) => self.set_paused(self.offline, frozen, now),
            Input::Wake => self.retry_now(now),
            Input::Response { id, outcome } => self.response(id, outcome, now, rand),
            Input::Tick => self.tick(now, rand),
            // Live Agent has no streamed answers, and nothing to prepare.
            Input::Chunk { .. } | Input::Prepare => {}
            // Menus and files are Enhanced Chat's.
            #[cfg(feature = "miaw")]
            Input::Choose { .. }
            | Input::SendFile { .. }
            | Input::CancelUpload { .. }
            | Input::Identify(_)
            | Input::Logout => {}
        }
        self.pump(now);
    }

    /// The next request to issue.
    pub fn poll_request(&mut self) -> Option<HttpRequest> {
        self.requests.pop_front()
    }

    /// A request the engine abandoned: the driver aborts its fetch (and reports nothing more).
    pub fn poll_abort(&mut self) -> Option<RequestId> {
        self.aborts.pop_front()
    }

    /// The next thing the UI should learn.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call `handle(Input::Tick, ..)` next, if ever.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.base.is_ended() {
            return None;
        }
        [
            self.control.flight.map(|f| f.deadline),
            self.control.retry_at,
            self.poll.flight.map(|f| f.deadline),
            self.poll.retry_at,
            self.outbox.flight.map(|f| f.deadline),
            self.outbox.retry_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether the browser is offline or the page frozen (nothing goes out meanwhile).
    pub fn suspended(&self) -> bool {
        self.offline || self.frozen
    }

    /// Whether requests are failing and being retried (or the affinity is being re-found), with
    /// no success since: what the window shows as "reconnecting".
    pub fn retrying(&self) -> bool {
        !self.base.is_ended()
            && (self.reconnect.is_some()
                || self.control.retry.failing()
                || self.poll.retry.failing()
                || self.outbox.retry.failing())
    }

    /// The chat's state.
    pub fn state(&self) -> &ChatState {
        &self.state
    }

    /// How many long polls are on their way: never more than one.
    pub fn outstanding_polls(&self) -> usize {
        usize::from(self.poll.flight.is_some())
    }

    /// The session's id (SessionId `id`), once the server gave one.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }

    /// The current agent's name, once one joined.
    pub fn agent_name(&self) -> Option<&str> {
        self.agent_name.as_deref()
    }

    /// Whether the current agent sees what the visitor types (sneak peek).
    pub fn sneak_peek_enabled(&self) -> bool {
        self.sneak_peek_enabled
    }

    /// The post-chat page, when the server named one.
    pub fn post_chat_url(&self) -> Option<&str> {
        self.post_chat_url.as_deref()
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    // ----- timers -----

    fn tick(&mut self, now: Millis, rand: u32) {
        if let Some(f) = self.control.flight.filter(|f| f.deadline <= now) {
            self.control.flight = None;
            self.aborts.push_back(f.id);
            self.control_answer(Outcome::TimedOut, now, rand);
        }
        if let Some(f) = self.poll.flight.filter(|f| f.deadline <= now) {
            self.poll.flight = None;
            self.aborts.push_back(f.id);
            self.poll_answer(Outcome::TimedOut, now, rand);
            if self.poll.flight.is_none() && self.poll.retry_at.is_none() {
                self.poll.retry_at = Some(now.saturating_add(poll::ABANDON_PAUSE_MS));
            }
        }
        if let Some(f) = self.outbox.flight.filter(|f| f.deadline <= now) {
            self.outbox.flight = None;
            self.aborts.push_back(f.id);
            self.post_answer(Outcome::TimedOut, now, rand);
        }
    }

    fn response(&mut self, id: RequestId, outcome: Outcome, now: Millis, rand: u32) {
        if self.control.flight.is_some_and(|f| f.id == id) {
            self.control.flight = None;
            self.control_answer(outcome, now, rand);
        } else if self.poll.flight.is_some_and(|f| f.id == id) {
            self.poll.flight = None;
            self.poll_answer(outcome, now, rand);
        } else if self.outbox.flight.is_some_and(|f| f.id == id) {
            self.outbox.flight = None;
            self.post_answer(outcome, now, rand);
        }
        // Anything else answers a request the engine already gave up on: ignored.
    }

    // ----- state -----

    fn emit(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// Moves the base state (never out of Ended) and tells the UI if what it sees changed.
    fn set_base(&mut self, state: ChatState) {
        if self.base.is_ended() {
            return;
        }
        self.base = state;
        self.sync_state();
    }

    fn sync_state(&mut self) {
        let seen = match (&self.base, self.reconnect) {
            (ChatState::Ended(_), _) | (_, None) => self.base.clone(),
            (_, Some(_)) => ChatState::Reconnecting,
        };
        if seen != self.state {
            self.state = seen.clone();
            self.emit(Event::State(seen));
        }
    }

    /// Ends the chat: aborts everything on its way, issues nothing more.
    fn finish(&mut self, reason: EndReason) {
        if self.base.is_ended() {
            return;
        }
        for flight in [
            self.control.flight.take(),
            self.poll.flight.take(),
            self.outbox.flight.take(),
        ]
        .into_iter()
        .flatten()
        {
            self.aborts.push_back(flight.id);
        }
        self.control = ControlChannel::default();
        self.poll.active = false;
        self.poll.retry_at = None;
        self.outbox.clear();
        self.reconnect = None;
        self.base = ChatState::Ended(reason);
        self.sync_state();
    }

    /// The retry budget is spent with the server reachable and failing: the chat ends here, and
    /// the server is told too, best effort (one ChatEnd whose answer nobody waits for), so no
    /// agent waits for a visitor who is gone.
    fn give_up(&mut self, detail: String, now: Millis) {
        self.finish(EndReason::Error(detail));
        let Some(sequence) = self.session.as_ref().map(|_| self.outbox.next_seq) else {
            return;
        };
        let body = serde_json::to_string(&super::wire::ChatEndReason::client()).ok();
        let _ = self.issue(
            Resource::ChatEnd,
            Vec::new(),
            body,
            Some(sequence),
            REQUEST_TIMEOUT_MS,
            now,
        );
    }

    fn learn_post_chat_url(&mut self, url: Option<String>) {
        if let Some(url) = url.filter(|u| !u.is_empty()) {
            if self.post_chat_url.as_deref() != Some(url.as_str()) {
                self.post_chat_url = Some(url.clone());
                self.emit(Event::PostChatUrl(url));
            }
        }
    }

    /// 503: the affinity changed. Cancel what is in flight and ask for the new one.
    fn start_reconnect(&mut self) {
        if self.reconnect == Some(Reconnect::Requesting) {
            return;
        }
        for flight in [self.poll.flight.take(), self.outbox.flight.take()]
            .into_iter()
            .flatten()
        {
            self.aborts.push_back(flight.id);
        }
        self.poll.retry_at = None;
        self.poll.retry.succeed();
        self.outbox.requeue_for_reconnect();
        // The server forgets typing state with the old affinity.
        self.typing = false;
        if let Some(f) = self.control.flight.take() {
            self.aborts.push_back(f.id);
        }
        self.control = ControlChannel {
            want: Some(Control::ReconnectSession),
            ..ControlChannel::default()
        };
        self.reconnect = Some(Reconnect::Requesting);
        self.sync_state();
    }
}
