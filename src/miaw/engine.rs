//! The Enhanced Chat conversation as a pure state machine ("sans-IO"), beside the Live Agent one
//! ([`crate::engine::Engine`]) and with the same surface: the same inputs
//! ([`crate::engine::Input`]), the same events for the view ([`crate::engine::Event`]), requests
//! to issue ([`Engine::poll_request`]) and to abort, and the next deadline. It never fetches,
//! sleeps or reads a clock.
//!
//! The conversation, as the engine runs it:
//! 1. `POST …/authorization/unauthenticated/access-token`, then the event stream
//!    (`GET /eventrouter/v1/sse`, read as it arrives: [`Input::Chunk`]) and
//!    `POST …/conversation` with a lowercase UUID the engine makes and the pre-chat answers as
//!    `routingAttributes`.
//! 2. Visitor messages, typing on/off, delivery receipts and the close go one at a time, in
//!    order; each message has its own UUID, so a resend after an unknown outcome is recognised by
//!    the server (and the echo on the stream is matched to its row: sent, delivered, read).
//! 3. The stream is reconnected with `Last-Event-Id` after a drop, an end, or
//!    [`STREAM_IDLE_MS`] without a byte; entries are deduplicated by their identifier.
//! 4. 401: the token is gone and an anonymous conversation cannot go on: the chat ends
//!    ([`EndReason::SessionInvalid`]). 417 on a send: the messaging session ended, the message is
//!    sent again with `isNewMessagingSession`. 429, 5xx, network errors and timeouts: backoff
//!    within the retry budget, as the Live Agent engine does.
//! 5. After a reload ([`Engine::restore`]): continuation token → open conversations → history
//!    (what was missed while away) → the stream from the saved event id.

use super::sse::SseParser;
use super::wire::jwt_expiry_secs;
use super::wire::{
    AccessTokenAnswer, Ack, AckType, AcknowledgeEntriesRequest, ConversationEntry,
    CreateConversationRequest, EntriesAnswer, EntryPayload, ListConversationsAnswer,
    RoutingAttributes, SendMessageRequest, ServerEvent, TypingEntry, TypingRequest,
};
use crate::config::PrechatField;
use crate::engine::{
    ChatState, Delivery, EndReason, EngineError, Event, Input, Millis, Outcome, Prechat, RequestId,
    Retry, REQUEST_TIMEOUT_MS,
};
use crate::protocol::Method;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The API's path prefix.
pub const API: &str = "/iamessage/api/v2";
/// The event stream's path.
pub const STREAM_PATH: &str = "/eventrouter/v1/sse";
/// A stream that brings no byte (not even a keep-alive comment) for this long is dead.
pub const STREAM_IDLE_MS: u64 = 90_000;
/// The agent's typing indicator ends after this long without a new "typing started" (the agent
/// may never send "stopped").
pub const AGENT_TYPING_MS: u64 = 5_000;
/// While the visitor types, "typing started" is sent again this often (the server lets it expire
/// after about 5 seconds).
pub const TYPING_REFRESH_MS: u64 = 4_000;
/// Entry identifiers remembered to drop what the stream or history brings twice.
const SEEN_MAX: usize = 256;
/// The default pre-chat form's fields and Salesforce's standard pre-chat fields they fill
/// (other field names go as they are).
const STANDARD_FIELDS: [(&str, &str); 3] = [
    ("firstName", "_firstName"),
    ("lastName", "_lastName"),
    ("email", "_email"),
];
/// History entries asked for at once (the API's page size).
const HISTORY_LIMIT: u32 = 50;

/// What the engine needs to know about the deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The org's id (15 or 18 characters; `X-Org-Id` takes the first 15).
    pub org_id: String,
    /// The Custom Client deployment's API name.
    pub es_developer_name: String,
    /// The visitor's language, e.g. "en-US" (sent with messages).
    pub language: String,
    /// Retries give up after this long since the first failure of a run of failures.
    pub retry_budget_ms: u64,
}

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    Token,
    Continuation,
    Create,
    List,
    History,
    Stream,
    Message,
    Typing,
    Acknowledge,
    Close,
}

/// A request for the driver: `path` after the SCRT2 URL, `query` not yet percent-encoded, JSON
/// `body`. A `stream` request's body is read as it arrives and reported in
/// [`Input::Chunk`]s (an empty one as soon as a 200 answer's headers are in); its end comes as
/// [`Input::Response`]. Other answers come whole, as [`Input::Response`].
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub call: Call,
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    /// Abort after this long and report [`Outcome::TimedOut`] (none for the stream: the engine
    /// watches its bytes).
    pub timeout_ms: Option<u64>,
    pub stream: bool,
}

impl Request {
    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Something for the server, sent one at a time in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outgoing {
    /// A visitor message, with the UUID it goes by.
    Message {
        local_id: u64,
        id: String,
        text: String,
    },
    Typing(bool),
    /// Delivery receipts for these entries.
    Delivered(Vec<String>),
    /// Close the conversation.
    Close,
}

/// A visitor message the engine tracks: its row, its UUID, how far it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub local_id: u64,
    pub id: String,
    pub status: Delivery,
}

/// A step of setting the conversation up (one at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Step {
    Token,
    Continuation,
    List,
    History,
    Create,
}

/// A request on its way and when it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flight {
    id: RequestId,
    deadline: Option<Millis>,
}

/// One channel: at most one request on its way, retried after `retry_at`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Channel {
    flight: Option<Flight>,
    retry_at: Option<Millis>,
    retry: Retry,
}

impl Channel {
    fn due(&self, now: Millis) -> bool {
        self.flight.is_none() && self.retry_at.is_none_or(|t| t <= now)
    }
}

/// All the engine needs to resume after a page reload (kept in sessionStorage as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub state: ChatState,
    /// The access token. Secret: never log it.
    pub token: Option<String>,
    pub conversation_id: Option<String>,
    /// The server confirmed the conversation.
    pub created: bool,
    pub last_event_id: Option<String>,
    /// The pre-chat answers, while the conversation is not created yet.
    pub attributes: Vec<(String, String)>,
    /// What waits for the server, the request on its way first.
    pub outbox: Vec<Outgoing>,
    pub sent: Vec<Sent>,
    pub seen: Vec<String>,
    pub agent_name: Option<String>,
    pub new_session: bool,
    pub end_requested: bool,
    pub next_request_id: u64,
    pub rng: u64,
}

/// The Enhanced Chat engine. See the module documentation.
#[derive(Clone, Debug)]
pub struct Engine {
    cfg: Config,
    base: ChatState,
    token: Option<String>,
    conversation_id: Option<String>,
    created: bool,
    last_event_id: Option<String>,
    attributes: Vec<(String, String)>,
    /// The set-up step wanted, and its channel.
    step: Option<Step>,
    setup: Channel,
    /// The stream runs (a token is there and the chat is live).
    streaming: bool,
    stream: Channel,
    parser: SseParser,
    /// When the stream last brought a byte (or opened).
    stream_alive_at: Millis,
    outbox: VecDeque<Outgoing>,
    /// The outgoing item on its way (or waiting to be retried).
    current: Option<Outgoing>,
    post: Channel,
    sent: Vec<Sent>,
    seen: VecDeque<String>,
    agent_name: Option<String>,
    /// Routing said "Transfer": the agent leaving and the next one joining are one transfer.
    transferring: bool,
    agent_typing_until: Option<Millis>,
    typing: bool,
    typing_refresh_at: Option<Millis>,
    new_session: bool,
    end_requested: bool,
    offline: bool,
    frozen: bool,
    rng: u64,
    /// The deployment's pre-chat form, for the view, once the token brought it.
    form: Option<Vec<PrechatField>>,
    next_id: u64,
    requests: VecDeque<Request>,
    aborts: VecDeque<RequestId>,
    events: VecDeque<Event>,
}

impl Engine {
    /// A new engine, idle until [`Input::Start`].
    pub fn new(cfg: Config) -> Engine {
        Engine {
            cfg,
            base: ChatState::Idle,
            token: None,
            conversation_id: None,
            created: false,
            last_event_id: None,
            attributes: Vec::new(),
            step: None,
            setup: Channel::default(),
            streaming: false,
            stream: Channel::default(),
            parser: SseParser::default(),
            stream_alive_at: 0,
            outbox: VecDeque::new(),
            current: None,
            post: Channel::default(),
            sent: Vec::new(),
            seen: VecDeque::new(),
            agent_name: None,
            transferring: false,
            agent_typing_until: None,
            typing: false,
            typing_refresh_at: None,
            new_session: false,
            end_requested: false,
            offline: false,
            frozen: false,
            rng: 0x9e37_79b9_7f4a_7c15,
            form: None,
            next_id: 1,
            requests: VecDeque::new(),
            aborts: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Something happened at `now`; `rand` is a random number (backoff jitter, and the
    /// randomness of the UUIDs the engine makes).
    pub fn handle(&mut self, input: Input, now: Millis, rand: u32) {
        self.rng ^= u64::from(rand).rotate_left(17) ^ now;
        match input {
            Input::Prepare => self.prepare(),
            Input::Start(prechat) => self.start(prechat, now),
            Input::SendText { local_id, text } => self.send_text(local_id, text),
            Input::Typing(typing) => self.set_typing(typing, now),
            Input::End => self.end(),
            Input::Online(online) => self.set_paused(!online, self.frozen, now),
            Input::Frozen(frozen) => self.set_paused(self.offline, frozen, now),
            Input::Wake => self.retry_now(now),
            Input::Response { id, outcome } => self.response(id, outcome, now, rand),
            Input::Chunk { id, bytes } => self.chunk(id, &bytes, now),
            Input::Tick => self.tick(now, rand),
            // No counterpart in Enhanced Chat.
            Input::SneakPeek(_) | Input::CustomEvent { .. } | Input::Breadcrumb(_) => {}
        }
        self.pump(now);
    }

    /// The next request to issue.
    pub fn poll_request(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// The deployment's pre-chat form, once, when the token's answer carried one.
    pub fn poll_form(&mut self) -> Option<Vec<PrechatField>> {
        self.form.take()
    }

    /// A request the engine abandoned: the driver aborts its fetch.
    pub fn poll_abort(&mut self) -> Option<RequestId> {
        self.aborts.pop_front()
    }

    /// The next thing the view should learn.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call `handle(Input::Tick, ..)` next, if ever.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.base.is_ended() {
            return None;
        }
        let stream_idle = self
            .stream
            .flight
            .map(|_| self.stream_alive_at.saturating_add(STREAM_IDLE_MS));
        [
            self.setup.flight.and_then(|f| f.deadline),
            self.setup.retry_at,
            stream_idle,
            self.stream.retry_at,
            self.post.flight.and_then(|f| f.deadline),
            self.post.retry_at,
            self.agent_typing_until,
            self.typing_refresh_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The chat's state.
    pub fn state(&self) -> &ChatState {
        &self.base
    }

    /// The conversation's id, once the visitor has a token for it.
    pub fn session_id(&self) -> Option<&str> {
        self.token.as_ref()?;
        self.conversation_id.as_deref()
    }

    /// The current agent's name, once one joined.
    pub fn agent_name(&self) -> Option<&str> {
        self.agent_name.as_deref()
    }

    /// Whether the browser is offline or the page frozen.
    pub fn suspended(&self) -> bool {
        self.offline || self.frozen
    }

    /// Whether requests are failing and being retried, with no success since.
    pub fn retrying(&self) -> bool {
        !self.base.is_ended()
            && (self.setup.retry.failing()
                || self.stream.retry.failing()
                || self.post.retry.failing())
    }

    /// How many event streams are open or opening: never more than one.
    pub fn open_streams(&self) -> usize {
        usize::from(self.stream.flight.is_some())
    }

    /// The visitor messages the engine tracks, with how far each got.
    pub fn sent(&self) -> &[Sent] {
        &self.sent
    }

    // ----- the visitor's network and page -----

    fn set_paused(&mut self, offline: bool, frozen: bool, now: Millis) {
        let was = self.suspended();
        self.offline = offline;
        self.frozen = frozen;
        if was && !self.suspended() {
            for channel in [&mut self.setup, &mut self.stream, &mut self.post] {
                channel.retry.succeed();
            }
            self.retry_now(now);
        }
    }

    fn retry_now(&mut self, now: Millis) {
        for channel in [&mut self.setup, &mut self.stream, &mut self.post] {
            if channel.retry_at.is_some() {
                channel.retry_at = Some(now);
            }
        }
    }

    // ----- visitor intents -----

    /// Before a chat: a token (and the deployment's pre-chat form with it), once.
    fn prepare(&mut self) {
        if self.base == ChatState::Idle && self.token.is_none() && self.step.is_none() {
            self.step = Some(Step::Token);
        }
    }

    fn start(&mut self, prechat: Prechat, now: Millis) {
        match self.base {
            ChatState::Idle => {}
            ChatState::Ended(_) => {
                let (next_id, rng) = (self.next_id, self.rng);
                *self = Engine::new(self.cfg.clone());
                self.next_id = next_id;
                self.rng = rng;
            }
            _ => return,
        }
        self.attributes = prechat
            .answers
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        self.conversation_id = Some(self.uuid());
        // A token from before the form is used while it has a minute left.
        let fresh = self.token.as_deref().is_some_and(|t| {
            jwt_expiry_secs(t).is_none_or(|exp| exp.saturating_mul(1000) > now + 60_000)
        });
        if fresh {
            self.streaming = true;
            self.step = Some(Step::Create);
            self.set_state(ChatState::Initialising);
        } else {
            self.token = None;
            // A token on its way (from `prepare`) is answered into this chat.
            if self.step != Some(Step::Token) {
                self.step = Some(Step::Token);
            }
            self.set_state(ChatState::SessionRequested);
        }
    }

    fn accepting(&self) -> bool {
        !matches!(self.base, ChatState::Idle | ChatState::Ended(_)) && !self.end_requested
    }

    fn send_text(&mut self, local_id: u64, text: String) {
        if !self.accepting() {
            return;
        }
        self.outbox.retain(|o| !matches!(o, Outgoing::Typing(_)));
        self.typing = false;
        self.typing_refresh_at = None;
        let id = self.uuid();
        self.sent.push(Sent {
            local_id,
            id: id.clone(),
            status: Delivery::Queued,
        });
        self.outbox
            .push_back(Outgoing::Message { local_id, id, text });
        self.emit(Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        });
    }

    fn set_typing(&mut self, typing: bool, now: Millis) {
        if !self.accepting() || !self.created || self.typing == typing {
            return;
        }
        self.typing = typing;
        self.typing_refresh_at = typing.then(|| now.saturating_add(TYPING_REFRESH_MS));
        // A "started" still waiting is cancelled by a "stopped" (and the other way round).
        if let Some(i) = self
            .outbox
            .iter()
            .position(|o| matches!(o, Outgoing::Typing(_)))
        {
            self.outbox.remove(i);
        } else {
            self.outbox.push_back(Outgoing::Typing(typing));
        }
    }

    fn end(&mut self) {
        if !self.accepting() {
            return;
        }
        if self.token.is_none() || !self.created {
            // Nothing on the server yet (or only a token): the chat ends here.
            self.finish(EndReason::Visitor);
            return;
        }
        self.end_requested = true;
        self.outbox
            .retain(|o| matches!(o, Outgoing::Message { .. }));
        self.outbox.push_back(Outgoing::Close);
    }

    // ----- timers -----

    fn tick(&mut self, now: Millis, rand: u32) {
        if let Some(f) = self
            .setup
            .flight
            .filter(|f| f.deadline.is_some_and(|d| d <= now))
        {
            self.setup.flight = None;
            self.aborts.push_back(f.id);
            self.setup_answer(Outcome::TimedOut, now, rand);
        }
        if let Some(f) = self
            .post
            .flight
            .filter(|f| f.deadline.is_some_and(|d| d <= now))
        {
            self.post.flight = None;
            self.aborts.push_back(f.id);
            self.post_answer(Outcome::TimedOut, now, rand);
        }
        if let Some(f) = self.stream.flight {
            if self.stream_alive_at.saturating_add(STREAM_IDLE_MS) <= now {
                self.stream.flight = None;
                self.aborts.push_back(f.id);
                self.stream_failed("no byte for 90 s".into(), now, rand);
            }
        }
        if self.agent_typing_until.is_some_and(|t| t <= now) {
            self.agent_typing_until = None;
            self.emit(Event::AgentTyping(false));
        }
        if self.typing_refresh_at.is_some_and(|t| t <= now) {
            self.typing_refresh_at = Some(now.saturating_add(TYPING_REFRESH_MS));
            if !self.outbox.iter().any(|o| matches!(o, Outgoing::Typing(_))) {
                self.outbox.push_back(Outgoing::Typing(true));
            }
        }
    }

    fn response(&mut self, id: RequestId, outcome: Outcome, now: Millis, rand: u32) {
        if self.setup.flight.is_some_and(|f| f.id == id) {
            self.setup.flight = None;
            self.setup_answer(outcome, now, rand);
        } else if self.stream.flight.is_some_and(|f| f.id == id) {
            self.stream.flight = None;
            self.stream_ended(outcome, now, rand);
        } else if self.post.flight.is_some_and(|f| f.id == id) {
            self.post.flight = None;
            self.post_answer(outcome, now, rand);
        }
    }

    // ----- issuing requests -----

    fn pump(&mut self, now: Millis) {
        if self.base.is_ended() || self.suspended() {
            return;
        }
        if let Some(step) = self.step {
            if self.setup.due(now) {
                self.send_step(step, now);
            }
        }
        if self.streaming && self.token.is_some() && self.stream.due(now) {
            self.open_stream(now);
        }
        // After a reload, nothing goes with the old token while the new one is on its way.
        let authorising = matches!(self.step, Some(Step::Token | Step::Continuation));
        if self.post.due(now) && self.created && self.token.is_some() && !authorising {
            if self.current.is_none() {
                self.current = self.outbox.pop_front();
            }
            if let Some(item) = self.current.clone() {
                self.send_post(item, now);
            }
        }
    }

    fn next_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Queues a request; returns its flight.
    fn issue(
        &mut self,
        call: Call,
        method: Method,
        path: String,
        query: Vec<(String, String)>,
        body: Option<String>,
        now: Millis,
    ) -> Flight {
        let id = self.next_request_id();
        let stream = call == Call::Stream;
        let mut headers = Vec::new();
        if call != Call::Token {
            if let Some(token) = &self.token {
                headers.push(("Authorization", format!("Bearer {token}")));
            }
        }
        let timeout_ms = (!stream).then_some(REQUEST_TIMEOUT_MS);
        if stream {
            headers.push(("Accept", "text/event-stream".to_string()));
            headers.push(("X-Org-Id", self.cfg.org_id.chars().take(15).collect()));
            if let Some(last) = &self.last_event_id {
                headers.push(("Last-Event-Id", last.clone()));
            }
        }
        self.requests.push_back(Request {
            id,
            call,
            method,
            path,
            query,
            headers,
            body,
            timeout_ms,
            stream,
        });
        Flight {
            id,
            deadline: timeout_ms.map(|t| now.saturating_add(t)),
        }
    }

    fn conversation_path(&self, tail: &str) -> String {
        let id = self.conversation_id.as_deref().unwrap_or_default();
        format!("{API}/conversation/{id}{tail}")
    }

    fn es_query(&self) -> Vec<(String, String)> {
        vec![(
            "esDeveloperName".to_string(),
            self.cfg.es_developer_name.clone(),
        )]
    }

    fn send_step(&mut self, step: Step, now: Millis) {
        let (call, method, path, query, body) = match step {
            Step::Token => {
                let req = super::wire::AccessTokenRequest::web(
                    &self.cfg.org_id,
                    &self.cfg.es_developer_name,
                );
                (
                    Call::Token,
                    Method::Post,
                    format!("{API}/authorization/unauthenticated/access-token"),
                    Vec::new(),
                    serde_json::to_string(&req).ok(),
                )
            }
            Step::Continuation => (
                Call::Continuation,
                Method::Get,
                format!("{API}/authorization/continuation-access-token"),
                Vec::new(),
                None,
            ),
            Step::List => (
                Call::List,
                Method::Get,
                format!("{API}/conversation/list"),
                vec![
                    ("inclClosedConvs".to_string(), "false".to_string()),
                    ("limit".to_string(), "20".to_string()),
                ],
                None,
            ),
            Step::History => (
                Call::History,
                Method::Get,
                self.conversation_path("/entries"),
                vec![
                    ("limit".to_string(), HISTORY_LIMIT.to_string()),
                    ("direction".to_string(), "FromEnd".to_string()),
                    (
                        "entryTypeFilter".to_string(),
                        "Message,ParticipantChanged,RoutingResult".to_string(),
                    ),
                ],
                None,
            ),
            Step::Create => {
                let req = CreateConversationRequest {
                    conversation_id: self.conversation_id.clone().unwrap_or_default(),
                    es_developer_name: self.cfg.es_developer_name.clone(),
                    routing_attributes: self.routing_attributes(),
                };
                (
                    Call::Create,
                    Method::Post,
                    format!("{API}/conversation"),
                    Vec::new(),
                    serde_json::to_string(&req).ok(),
                )
            }
        };
        let flight = self.issue(call, method, path, query, body, now);
        self.setup.flight = Some(flight);
        self.setup.retry_at = None;
    }

    fn routing_attributes(&self) -> RoutingAttributes {
        self.attributes
            .iter()
            .map(|(k, v)| {
                let name = STANDARD_FIELDS
                    .iter()
                    .find(|(ours, _)| ours == k)
                    .map_or(k.as_str(), |(_, standard)| standard);
                (name.to_string(), serde_json::Value::String(v.clone()))
            })
            .collect()
    }

    fn open_stream(&mut self, now: Millis) {
        let query = vec![("_ts".to_string(), now.to_string())];
        let flight = self.issue(
            Call::Stream,
            Method::Get,
            STREAM_PATH.to_string(),
            query,
            None,
            now,
        );
        self.parser = SseParser::default();
        self.stream_alive_at = now;
        self.stream.flight = Some(flight);
        self.stream.retry_at = None;
    }

    fn send_post(&mut self, item: Outgoing, now: Millis) {
        let (call, method, path, query, body) = match &item {
            Outgoing::Message { local_id, id, text } => {
                let mut req = SendMessageRequest::text(id, text, &self.cfg.es_developer_name);
                req.is_new_messaging_session = self.new_session;
                if !self.cfg.language.is_empty() {
                    req.language = Some(self.cfg.language.clone());
                }
                self.set_delivery(*local_id, Delivery::Sending);
                (
                    Call::Message,
                    Method::Post,
                    self.conversation_path("/message"),
                    Vec::new(),
                    serde_json::to_string(&req).ok(),
                )
            }
            Outgoing::Typing(on) => {
                let req = TypingRequest {
                    entry_type: if *on {
                        TypingEntry::TypingStartedIndicator
                    } else {
                        TypingEntry::TypingStoppedIndicator
                    },
                    id: self.uuid(),
                };
                (
                    Call::Typing,
                    Method::Post,
                    self.conversation_path("/entry"),
                    Vec::new(),
                    serde_json::to_string(&req).ok(),
                )
            }
            Outgoing::Delivered(entries) => {
                let acks = entries
                    .iter()
                    .map(|entry| Ack {
                        id: self.uuid(),
                        entry_type: AckType::Delivery,
                        conversation_entry_id: entry.clone(),
                    })
                    .collect();
                (
                    Call::Acknowledge,
                    Method::Post,
                    self.conversation_path("/acknowledge-entries"),
                    Vec::new(),
                    serde_json::to_string(&AcknowledgeEntriesRequest { acks }).ok(),
                )
            }
            Outgoing::Close => (
                Call::Close,
                Method::Delete,
                self.conversation_path(""),
                self.es_query(),
                None,
            ),
        };
        let flight = self.issue(call, method, path, query, body, now);
        self.post.flight = Some(flight);
        self.post.retry_at = None;
    }

    // ----- answers -----

    /// A failure worth a retry on `channel` (network, timeout, 429, 5xx): the next attempt is
    /// set, or the chat gives up when the budget is spent.
    fn retry_later(&mut self, which: Which, problem: String, now: Millis, rand: u32) {
        let paused = self.suspended();
        let budget = self.cfg.retry_budget_ms;
        let channel = match which {
            Which::Setup => &mut self.setup,
            Which::Stream => &mut self.stream,
            Which::Post => &mut self.post,
        };
        match channel.retry.fail_unless_paused(paused, now, budget, rand) {
            Some(wait) => {
                channel.retry_at = Some(now.saturating_add(wait));
                self.emit(Event::Error(EngineError::Retrying {
                    resource: which.name().to_string(),
                    problem,
                    retry_in_ms: wait,
                }));
            }
            None => self.finish(EndReason::Error(format!(
                "{}: {problem}; gave up after {} ms of failures",
                which.name(),
                budget
            ))),
        }
    }

    /// Sorts an answer: `Ok(body)` for a 2xx; the chat ends on 401; `Err(None)` when a retry
    /// is set; `Err(Some(status))` for another status the caller decides on.
    fn classify(
        &mut self,
        which: Which,
        outcome: Outcome,
        now: Millis,
        rand: u32,
    ) -> Result<String, Option<(u16, String)>> {
        match outcome {
            Outcome::Http { status, body } if (200..300).contains(&status) => {
                match which {
                    Which::Setup => self.setup.retry.succeed(),
                    Which::Stream => self.stream.retry.succeed(),
                    Which::Post => self.post.retry.succeed(),
                }
                Ok(body)
            }
            Outcome::Http { status: 401, .. } => {
                self.finish(EndReason::SessionInvalid);
                Err(None)
            }
            Outcome::Http { status, .. } if status == 429 || status >= 500 => {
                self.retry_later(which, format!("HTTP {status}"), now, rand);
                Err(None)
            }
            Outcome::Http { status, body } => Err(Some((status, body))),
            Outcome::Network(e) => {
                self.retry_later(which, e, now, rand);
                Err(None)
            }
            Outcome::TimedOut => {
                self.retry_later(which, "timed out".into(), now, rand);
                Err(None)
            }
        }
    }

    fn unexpected(&mut self, call: Call, status: u16, body: String) {
        self.emit(Event::Error(EngineError::UnexpectedStatus {
            resource: format!("{call:?}"),
            status,
            body,
        }));
    }

    fn bad_answer(&mut self, call: Call, detail: String) {
        self.emit(Event::Error(EngineError::BadResponse {
            resource: format!("{call:?}"),
            detail,
        }));
    }

    fn setup_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(step) = self.step else {
            return;
        };
        if self.base == ChatState::Idle {
            // The token before the form: a failure costs nothing (the chat's start asks again).
            self.step = None;
            self.prepared(outcome);
            return;
        }
        let body = match self.classify(Which::Setup, outcome, now, rand) {
            Ok(body) => body,
            Err(None) => return,
            // The conversation already exists: a create whose answer was lost.
            Err(Some((409, _))) if step == Step::Create => String::new(),
            Err(Some((status, body))) => {
                let call = step_call(step);
                self.unexpected(call, status, body);
                self.finish(EndReason::Error(format!(
                    "{call:?} was refused with HTTP {status}"
                )));
                return;
            }
        };
        match step {
            Step::Token | Step::Continuation => {
                match serde_json::from_str::<AccessTokenAnswer>(&body) {
                    Ok(a) if !a.access_token.is_empty() => {
                        if step == Step::Token {
                            let config = &a.context.configuration.embedded_service_config;
                            self.form = super::form::prechat_fields(config);
                        }
                        self.token = Some(a.access_token);
                        if self.last_event_id.is_none() && !a.last_event_id.is_empty() {
                            self.last_event_id = Some(a.last_event_id.0);
                        }
                        self.streaming = true;
                        if step == Step::Token {
                            self.set_state(ChatState::Initialising);
                        }
                        // After a reload: the conversation checked open (when the server had
                        // confirmed it), else created (again: a conflict means it was).
                        self.step = Some(if self.created {
                            Step::List
                        } else {
                            Step::Create
                        });
                    }
                    Ok(_) => self.give_up_on(step, "no accessToken".into()),
                    Err(e) => self.give_up_on(step, e.to_string()),
                }
            }
            Step::Create => {
                self.step = None;
                self.created = true;
                self.attributes.clear();
                if self.base == ChatState::Initialising {
                    self.set_state(ChatState::Queued);
                }
            }
            Step::List => {
                let open = serde_json::from_str::<ListConversationsAnswer>(&body)
                    .map_err(|e| e.to_string())
                    .map(|list| {
                        let ours = self.conversation_id.as_deref().unwrap_or_default();
                        list.conversations
                            .iter()
                            .any(|c| c.conversation_id.eq_ignore_ascii_case(ours))
                    });
                match open {
                    Ok(true) => self.step = Some(Step::History),
                    // Closed while the visitor was away.
                    Ok(false) => self.finish(EndReason::Agent),
                    Err(e) => {
                        self.bad_answer(Call::List, e);
                        self.step = Some(Step::History);
                    }
                }
            }
            Step::History => {
                self.step = None;
                match serde_json::from_str::<EntriesAnswer>(&body) {
                    Ok(answer) => {
                        // Newest first: oldest first for the transcript.
                        for entry in answer.conversation_entries.0.into_iter().rev() {
                            self.entry(entry, now);
                        }
                    }
                    Err(e) => self.bad_answer(Call::History, e.to_string()),
                }
            }
        }
    }

    /// The answer to the token asked for before the form.
    fn prepared(&mut self, outcome: Outcome) {
        let answer = match outcome {
            Outcome::Http { status, body } if (200..300).contains(&status) => {
                serde_json::from_str::<AccessTokenAnswer>(&body).map_err(|e| e.to_string())
            }
            Outcome::Http { status, .. } => Err(format!("HTTP {status}")),
            Outcome::Network(e) => Err(e),
            Outcome::TimedOut => Err("timed out".into()),
        };
        match answer {
            Ok(a) if !a.access_token.is_empty() => {
                self.token = Some(a.access_token);
                if !a.last_event_id.is_empty() {
                    self.last_event_id = Some(a.last_event_id.0);
                }
                let config = &a.context.configuration.embedded_service_config;
                self.form = super::form::prechat_fields(config);
            }
            Ok(_) => self.bad_answer(Call::Token, "no accessToken".into()),
            Err(detail) => self.bad_answer(Call::Token, detail),
        }
    }

    fn give_up_on(&mut self, step: Step, detail: String) {
        let call = step_call(step);
        self.bad_answer(call, detail.clone());
        self.finish(EndReason::Error(format!("{call:?}: {detail}")));
    }

    fn chunk(&mut self, id: RequestId, bytes: &[u8], now: Millis) {
        if self.stream.flight.is_none_or(|f| f.id != id) {
            return;
        }
        if self.stream_alive_at < now {
            self.stream_alive_at = now;
        }
        if bytes.is_empty() {
            // The stream is open.
            self.stream.retry.succeed();
            return;
        }
        if let Err(e) = self.parser.feed(bytes) {
            self.bad_answer(Call::Stream, e.to_string());
        }
        while let Some(event) = self.parser.poll_event() {
            if let Some(id) = event.id.clone() {
                self.last_event_id = Some(id);
            }
            match ServerEvent::decode(&event.event, &event.data) {
                ServerEvent::Conversation(data) => {
                    let ours = self.conversation_id.as_deref().unwrap_or_default();
                    if data.conversation_id.eq_ignore_ascii_case(ours) {
                        self.entry(data.conversation_entry, now);
                    }
                }
                ServerEvent::Unknown { name, .. } => {
                    self.emit(Event::Error(EngineError::UnknownMessage {
                        type_name: name,
                    }))
                }
            }
            if self.base.is_ended() {
                return;
            }
        }
    }

    fn stream_ended(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        match outcome {
            // A stream that ends is opened again (with the last event id).
            Outcome::Http { status: 200, .. } => {
                self.stream_failed("the stream ended".into(), now, rand)
            }
            other => match self.classify(Which::Stream, other, now, rand) {
                Ok(_) | Err(None) => {}
                Err(Some((status, body))) => {
                    self.unexpected(Call::Stream, status, body);
                    self.retry_later(Which::Stream, format!("HTTP {status}"), now, rand);
                }
            },
        }
    }

    fn stream_failed(&mut self, problem: String, now: Millis, rand: u32) {
        self.retry_later(Which::Stream, problem, now, rand);
    }

    fn post_answer(&mut self, outcome: Outcome, now: Millis, rand: u32) {
        let Some(item) = self.current.clone() else {
            return;
        };
        match self.classify(Which::Post, outcome, now, rand) {
            Ok(_) => {
                self.current = None;
                match item {
                    Outgoing::Message { local_id, .. } => {
                        self.new_session = false;
                        self.set_delivery(local_id, Delivery::Sent);
                    }
                    Outgoing::Close => self.finish(EndReason::Visitor),
                    Outgoing::Typing(_) | Outgoing::Delivered(_) => {}
                }
            }
            Err(None) => {}
            // The messaging session ended: the same message starts a new one.
            Err(Some((417, _))) if matches!(item, Outgoing::Message { .. }) => {
                self.new_session = true;
                self.post.retry_at = Some(now);
            }
            Err(Some((status, body))) => {
                self.current = None;
                match item {
                    Outgoing::Message { local_id, .. } => {
                        self.set_delivery(local_id, Delivery::Failed);
                        self.emit(Event::Error(EngineError::Rejected {
                            local_ids: vec![local_id],
                        }));
                        self.unexpected(Call::Message, status, body);
                    }
                    // The conversation is gone or closed already: over either way.
                    Outgoing::Close => self.finish(EndReason::Visitor),
                    other => {
                        let call = match other {
                            Outgoing::Typing(_) => Call::Typing,
                            _ => Call::Acknowledge,
                        };
                        self.unexpected(call, status, body);
                    }
                }
            }
        }
    }

    // ----- entries -----

    /// An entry of the conversation, from the stream or from history.
    fn entry(&mut self, entry: ConversationEntry, now: Millis) {
        if !entry.identifier.is_empty() {
            if self.seen.contains(&entry.identifier) {
                return;
            }
            if self.seen.len() == SEEN_MAX {
                self.seen.pop_front();
            }
            self.seen.push_back(entry.identifier.clone());
        }
        let from_visitor = entry.sender.role.eq_ignore_ascii_case("EndUser");
        match entry.payload {
            EntryPayload::Message(message) if from_visitor => {
                // The echo of the visitor's own message: it reached the server.
                let id = message.abstract_message.id.as_str();
                if let Some(local_id) = self.sent_local_id(id) {
                    self.set_delivery(local_id, Delivery::Sent);
                }
            }
            EntryPayload::Message(message) => {
                let Some(text) = message.text() else {
                    self.emit(Event::Error(EngineError::Unsupported {
                        type_name: format!("{} message", message.abstract_message.message_type.0),
                    }));
                    return;
                };
                let text = text.to_string();
                self.stop_agent_typing();
                let name = if entry.sender_display_name.is_empty() {
                    self.agent_name.clone().unwrap_or_default()
                } else {
                    entry.sender_display_name.clone()
                };
                self.emit(Event::AgentMessage { name, text });
                if !entry.identifier.is_empty() {
                    self.acknowledge(entry.identifier);
                }
            }
            EntryPayload::RoutingResult(result) => {
                if result.failed() {
                    let reason = if result.failure_reason.is_empty() {
                        result.failure_type.0.clone()
                    } else {
                        result.failure_reason.0.clone()
                    };
                    self.finish(EndReason::RequestFailed { reason });
                } else if result.routing_type.eq_ignore_ascii_case("Transfer") {
                    self.transferring = true;
                } else if self.agent_name.is_none() {
                    if matches!(
                        self.base,
                        ChatState::Initialising | ChatState::SessionRequested
                    ) {
                        self.set_state(ChatState::Queued);
                    }
                    self.emit(Event::Queue {
                        position: None,
                        estimated_wait_secs: result.wait_secs(),
                    });
                }
            }
            EntryPayload::ParticipantChanged(change) => {
                for p in change.entries.0 {
                    let role = p.participant.role.as_str();
                    if !matches!(role, "Agent" | "Chatbot" | "Supervisor") {
                        continue;
                    }
                    let name = p.display_name.0.clone();
                    if p.joined() {
                        let transfer = std::mem::take(&mut self.transferring);
                        match self.agent_name.replace(name.clone()) {
                            None if transfer && self.base == ChatState::Established => {
                                self.emit(Event::Transferred { name });
                            }
                            None => {
                                self.emit(Event::AgentJoined {
                                    name,
                                    sneak_peek_enabled: false,
                                });
                                self.set_state(ChatState::Established);
                            }
                            Some(_) => self.emit(Event::Transferred { name }),
                        }
                    } else if self.transferring {
                        // The next agent's join tells the visitor.
                        self.stop_agent_typing();
                    } else if self.agent_name.as_deref() == Some(name.as_str())
                        || self.agent_name.is_some() && name.is_empty()
                    {
                        self.agent_name = None;
                        self.stop_agent_typing();
                        self.emit(Event::AgentDisconnected);
                    }
                }
            }
            EntryPayload::TypingStarted if !from_visitor => {
                if self.agent_typing_until.is_none() {
                    self.emit(Event::AgentTyping(true));
                }
                self.agent_typing_until = Some(now.saturating_add(AGENT_TYPING_MS));
            }
            EntryPayload::TypingStopped if !from_visitor => self.stop_agent_typing(),
            EntryPayload::TypingStarted | EntryPayload::TypingStopped => {}
            EntryPayload::DeliveryAcknowledgement | EntryPayload::ReadAcknowledgement => {
                let read = matches!(entry.payload, EntryPayload::ReadAcknowledgement);
                let local = entry
                    .related_records
                    .first()
                    .and_then(|id| self.sent_local_id(id));
                if let (Some(local_id), false) = (local, from_visitor) {
                    let status = if read {
                        Delivery::Read
                    } else {
                        Delivery::Delivered
                    };
                    self.set_delivery(local_id, status);
                }
            }
            EntryPayload::CloseConversation => self.finish(EndReason::Agent),
            EntryPayload::Unknown { name, .. } => {
                self.emit(Event::Error(EngineError::UnknownMessage {
                    type_name: name,
                }))
            }
        }
    }

    fn stop_agent_typing(&mut self) {
        if self.agent_typing_until.take().is_some() {
            self.emit(Event::AgentTyping(false));
        }
    }

    /// A delivery receipt for an agent's entry, batched with any other waiting.
    fn acknowledge(&mut self, entry_id: String) {
        if let Some(Outgoing::Delivered(ids)) = self
            .outbox
            .iter_mut()
            .find(|o| matches!(o, Outgoing::Delivered(_)))
        {
            ids.push(entry_id);
        } else {
            self.outbox.push_back(Outgoing::Delivered(vec![entry_id]));
        }
    }

    fn sent_local_id(&self, id: &str) -> Option<u64> {
        self.sent
            .iter()
            .find(|s| !id.is_empty() && s.id.eq_ignore_ascii_case(id))
            .map(|s| s.local_id)
    }

    /// Moves a visitor message forward (never back: an echo after a read receipt changes
    /// nothing) and tells the view.
    fn set_delivery(&mut self, local_id: u64, status: Delivery) {
        let Some(s) = self.sent.iter_mut().find(|s| s.local_id == local_id) else {
            return;
        };
        if !status.advances(s.status) {
            return;
        }
        s.status = status;
        self.emit(Event::VisitorMessage { local_id, status });
    }

    // ----- state -----

    fn emit(&mut self, event: Event) {
        self.events.push_back(event);
    }

    fn set_state(&mut self, state: ChatState) {
        if self.base.is_ended() || self.base == state {
            return;
        }
        self.base = state.clone();
        self.emit(Event::State(state));
    }

    /// Ends the chat: aborts everything on its way, issues nothing more.
    fn finish(&mut self, reason: EndReason) {
        if self.base.is_ended() {
            return;
        }
        for flight in [
            self.setup.flight.take(),
            self.stream.flight.take(),
            self.post.flight.take(),
        ]
        .into_iter()
        .flatten()
        {
            self.aborts.push_back(flight.id);
        }
        self.setup = Channel::default();
        self.stream = Channel::default();
        self.post = Channel::default();
        self.step = None;
        self.streaming = false;
        self.outbox.clear();
        self.current = None;
        self.typing_refresh_at = None;
        self.stop_agent_typing();
        self.base = ChatState::Ended(reason.clone());
        self.emit(Event::State(ChatState::Ended(reason)));
    }

    /// A random lowercase UUID (version 4).
    fn uuid(&mut self) -> String {
        let hi = splitmix(&mut self.rng);
        let lo = splitmix(&mut self.rng);
        let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }

    // ----- reload -----

    /// A snapshot to resume from after a page reload.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.base.clone(),
            token: self.token.clone(),
            conversation_id: self.conversation_id.clone(),
            created: self.created,
            last_event_id: self.last_event_id.clone(),
            attributes: self.attributes.clone(),
            outbox: self
                .current
                .iter()
                .chain(self.outbox.iter())
                .filter(|o| !matches!(o, Outgoing::Typing(_)))
                .cloned()
                .collect(),
            sent: self.sent.clone(),
            seen: self.seen.iter().cloned().collect(),
            agent_name: self.agent_name.clone(),
            new_session: self.new_session,
            end_requested: self.end_requested,
            next_request_id: self.next_id,
            rng: self.rng,
        }
    }

    /// Resumes from a snapshot at `now`: a new token from the old one, the conversation checked
    /// open, what was missed read from history, the stream from the saved event id, and what was
    /// not confirmed sent again (same UUIDs: the server takes each message once).
    pub fn restore(cfg: Config, snap: Snapshot, now: Millis) -> Engine {
        let mut e = Engine::new(cfg);
        e.next_id = snap.next_request_id.max(1);
        e.rng = snap.rng;
        e.token = snap.token;
        e.conversation_id = snap.conversation_id;
        e.created = snap.created;
        e.last_event_id = snap.last_event_id;
        e.attributes = snap.attributes;
        e.outbox = snap.outbox.into_iter().collect();
        e.sent = snap.sent;
        e.seen = snap.seen.into_iter().collect();
        e.agent_name = snap.agent_name;
        e.new_session = snap.new_session;
        e.end_requested = snap.end_requested;
        e.base = match snap.state {
            ChatState::Reconnecting => ChatState::Established,
            other => other,
        };
        let waiting: Vec<(u64, Delivery)> = e
            .sent
            .iter()
            .filter(|s| matches!(s.status, Delivery::Queued | Delivery::Sending))
            .map(|s| (s.local_id, s.status))
            .collect();
        for (local_id, status) in waiting {
            e.emit(Event::VisitorMessage { local_id, status });
        }
        if !matches!(e.base, ChatState::Idle | ChatState::Ended(_)) {
            e.step = Some(if e.token.is_some() {
                Step::Continuation
            } else {
                Step::Token
            });
        }
        e.pump(now);
        e
    }
}

/// Which channel a failure is on.
#[derive(Clone, Copy)]
enum Which {
    Setup,
    Stream,
    Post,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Setup => "conversation set-up",
            Which::Stream => "event stream",
            Which::Post => "send",
        }
    }
}

fn step_call(step: Step) -> Call {
    match step {
        Step::Token => Call::Token,
        Step::Continuation => Call::Continuation,
        Step::List => Call::List,
        Step::History => Call::History,
        Step::Create => Call::Create,
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
