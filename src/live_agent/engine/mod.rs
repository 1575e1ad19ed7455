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

mod answers;
mod inbound;
mod outbox;
mod poll;
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

    // ----- the visitor's network and page -----

    fn set_paused(&mut self, offline: bool, frozen: bool, now: Millis) {
        let was = self.suspended();
        self.offline = offline;
        self.frozen = frozen;
        if was && !self.suspended() {
            // Back: the failures meanwhile were the visitor's network, not the server's. A
            // fresh budget, and no waiting out a long backoff step.
            self.control.retry.succeed();
            self.poll.retry.succeed();
            self.outbox.retry.succeed();
            self.retry_now(now);
        }
    }

    /// Whatever waits out a backoff goes now.
    fn retry_now(&mut self, now: Millis) {
        for at in [
            &mut self.control.retry_at,
            &mut self.poll.retry_at,
            &mut self.outbox.retry_at,
        ] {
            if at.is_some() {
                *at = Some(now);
            }
        }
    }

    // ----- visitor intents -----

    fn start(&mut self, prechat: Prechat) {
        match self.base {
            ChatState::Idle => {}
            // A new chat after the last one ended: start afresh (request ids keep rising, so
            // late answers to the old chat are ignored).
            ChatState::Ended(_) => {
                let next_id = self.next_id;
                *self = Engine::new(self.cfg.clone());
                self.next_id = next_id;
            }
            _ => return,
        }
        self.prechat = Some(prechat);
        self.control.want = Some(Control::SessionId);
        self.set_base(ChatState::SessionRequested);
    }

    /// Whether the chat takes visitor input (started, not ended, no end requested).
    fn accepting(&self) -> bool {
        !matches!(self.base, ChatState::Idle | ChatState::Ended(_)) && !self.end_requested
    }

    fn send_text(&mut self, local_id: u64, text: String) {
        if !self.accepting() {
            return;
        }
        // A visitor message ends typing on the agent's side: typing and sneak peeks still
        // waiting (never sent, so without a sequence) would only delay it by a round trip.
        self.outbox.drop_typing();
        self.typing = false;
        self.outbox.push(Outgoing::Message { local_id, text });
        self.emit(Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        });
    }

    fn set_typing(&mut self, typing: bool) {
        if !self.accepting() || self.base != ChatState::Established || self.typing == typing {
            return;
        }
        self.typing = typing;
        self.outbox.push(Outgoing::Typing(typing));
    }

    fn sneak_peek(&mut self, text: String) {
        if !self.accepting() || self.base != ChatState::Established || !self.sneak_peek_enabled {
            return;
        }
        self.sneak_peek_position = self.sneak_peek_position.saturating_add(1);
        self.outbox.push(Outgoing::SneakPeek {
            position: self.sneak_peek_position,
            text,
        });
    }

    fn custom_event(&mut self, event_type: String, data: String) {
        if !self.accepting() {
            return;
        }
        self.outbox.push(Outgoing::CustomEvent { event_type, data });
    }

    fn end(&mut self) {
        if !self.accepting() {
            return;
        }
        if self.base == ChatState::SessionRequested {
            // No session yet: nothing to tell the server.
            self.finish(EndReason::Visitor);
            return;
        }
        self.end_requested = true;
        // Before ChatEstablished, waiting messages can never be sent: drop them with the chat.
        let established = self.base == ChatState::Established;
        self.outbox.queue.retain(|item| match item {
            Outgoing::Init { .. } | Outgoing::Resync => true,
            Outgoing::Message { .. } | Outgoing::CustomEvent { .. } => established,
            Outgoing::Typing(_) | Outgoing::SneakPeek { .. } | Outgoing::End => false,
        });
        self.outbox.push(Outgoing::End);
    }

    /// `POST Visitor/Breadcrumb` now, outside the sequenced outbox (it is a Visitor resource),
    /// with the session key so the server can show it to the chat's agent.
    fn breadcrumb(&mut self, location: String, now: Millis) {
        if !self.accepting() || self.reconnect.is_some() || self.suspended() || location.is_empty()
        {
            return;
        }
        let Some(key) = self.session.as_ref().map(|s| s.key.clone()) else {
            return;
        };
        let body = serde_json::to_string(&super::wire::Breadcrumb { location }).ok();
        let flight = self.issue(
            Resource::Breadcrumb,
            Vec::new(),
            body,
            None,
            REQUEST_TIMEOUT_MS,
            now,
        );
        if let Some(req) = self.requests.iter_mut().find(|r| r.id == flight.id) {
            req.headers.push((Header::SessionKey.name(), key));
        }
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

    // ----- issuing requests -----

    /// Issues whatever is due: the control GET, the poll, the next POST.
    fn pump(&mut self, now: Millis) {
        if self.base.is_ended() || self.suspended() {
            return;
        }
        if let Some(control) = self.control.want {
            if self.control.flight.is_none() && self.control.retry_at.is_none_or(|t| t <= now) {
                self.send_control(control, now);
            }
        }
        // While the visitor's ChatEnd is on its way the chat is over for this client: the server
        // answers the held poll as it ends the session, and a new poll would only get a 403.
        let ending = self
            .outbox
            .current
            .as_ref()
            .is_some_and(|p| p.contains_end());
        if self.poll.due(now) && self.reconnect != Some(Reconnect::Requesting) && !ending {
            self.send_poll(now);
        }
        if self.outbox.idle(now) {
            let established = self.base == ChatState::Established;
            let has_session = self.session.is_some();
            let reconnect = self.reconnect;
            let taken = self.outbox.form_batch(|item| match reconnect {
                Some(Reconnect::Resyncing) => matches!(item, Outgoing::Resync),
                Some(_) => false,
                None => match item {
                    Outgoing::Init { .. } => has_session,
                    Outgoing::Resync => false,
                    Outgoing::End => has_session,
                    Outgoing::Message { .. }
                    | Outgoing::CustomEvent { .. }
                    | Outgoing::Typing(_)
                    | Outgoing::SneakPeek { .. } => established,
                },
            });
            for item in taken {
                if let Outgoing::Message { local_id, .. } = item {
                    self.emit(Event::VisitorMessage {
                        local_id,
                        status: Delivery::Sending,
                    });
                }
            }
            if self.outbox.current.is_some() {
                self.send_post(now);
            }
        }
    }

    fn next_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Builds and queues a request to `resource`; returns its flight.
    fn issue(
        &mut self,
        resource: Resource,
        query: Vec<(String, String)>,
        body: Option<String>,
        sequence: Option<u64>,
        timeout_ms: u64,
        now: Millis,
    ) -> Flight {
        let id = self.next_request_id();
        let headers = resource
            .headers()
            .iter()
            .map(|h| {
                let value = match h {
                    Header::ApiVersion => self.cfg.api_version.clone(),
                    Header::Affinity => match (resource, &self.session) {
                        (Resource::SessionId | Resource::ReconnectSession, _) | (_, None) => {
                            "null".to_string()
                        }
                        (_, Some(s)) => s.affinity.clone(),
                    },
                    Header::SessionKey => self
                        .session
                        .as_ref()
                        .map(|s| s.key.clone())
                        .unwrap_or_default(),
                    Header::Sequence => sequence.map(|s| s.to_string()).unwrap_or_default(),
                };
                (h.name(), value)
            })
            .collect();
        let mut path = resource.path().to_string();
        if resource == Resource::DeleteSessionId {
            if let Some(s) = &self.session {
                path = format!("{path}/{}", s.key);
            }
        }
        self.requests.push_back(HttpRequest {
            id,
            resource,
            method: resource.method(),
            path,
            query,
            headers,
            body,
            timeout_ms: Some(timeout_ms),
        });
        Flight {
            id,
            deadline: now.saturating_add(timeout_ms),
        }
    }

    fn send_control(&mut self, control: Control, now: Millis) {
        let (resource, query) = match control {
            Control::SessionId => (Resource::SessionId, Vec::new()),
            Control::ReconnectSession => (
                Resource::ReconnectSession,
                ReconnectSessionQuery {
                    offset: self.poll.offset.unwrap_or(0),
                }
                .to_query(),
            ),
        };
        let flight = self.issue(resource, query, None, None, REQUEST_TIMEOUT_MS, now);
        self.control.flight = Some(flight);
        self.control.retry_at = None;
    }

    fn send_poll(&mut self, now: Millis) {
        let timeout = Poll::timeout_ms(
            self.session
                .as_ref()
                .map_or(super::wire::DEFAULT_CLIENT_POLL_TIMEOUT, |s| {
                    s.client_poll_timeout
                }),
        );
        let query = MessagesQuery { ack: self.poll.ack }.to_query();
        let flight = self.issue(Resource::Messages, query, None, None, timeout, now);
        self.poll.flight = Some(flight);
        self.poll.retry_at = None;
    }

    fn send_post(&mut self, now: Millis) {
        let sequence = self.outbox.sequence_for_current();
        let Some(post) = self.outbox.current.as_ref() else {
            return;
        };
        let resource = post.resource();
        let body = post.body(&self.cfg.org_id);
        let flight = self.issue(
            resource,
            Vec::new(),
            body,
            sequence,
            REQUEST_TIMEOUT_MS,
            now,
        );
        self.outbox.flight = Some(flight);
        self.outbox.retry_at = None;
    }

    /// The ChasitorInit body for the new session.
    fn init_body(&self, session_id: &str) -> String {
        let prechat = self.prechat.clone().unwrap_or_default();
        let init = ChasitorInit {
            organization_id: self.cfg.org_id.clone(),
            deployment_id: self.cfg.deployment_id.clone(),
            button_id: self.cfg.button_id.clone(),
            agent_id: None,
            do_fallback: None,
            session_id: session_id.to_string(),
            user_agent: self.cfg.user_agent.clone(),
            language: self.cfg.language.clone(),
            screen_resolution: self.cfg.screen_resolution.clone(),
            visitor_name: prechat.visitor_name,
            prechat_details: prechat.details,
            prechat_entities: prechat.entities,
            button_overrides: Vec::new(),
            receive_queue_updates: true,
            is_post: true,
        };
        serde_json::to_string(&init).unwrap_or_default()
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
