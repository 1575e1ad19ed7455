//! The Enhanced Chat conversation as a pure state machine ("sans-IO"), beside the Live Agent one
//! ([`crate::live_agent::engine::Engine`]) and with the same surface: the same inputs
//! ([`crate::session::Input`]), the same events for the view ([`crate::session::Event`]), requests
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

mod answers;
mod entries;
mod identity;
mod requests;
mod snapshot;
mod types;
mod uploads;

pub use identity::RENEW_BEFORE_MS;
pub use snapshot::Snapshot;
pub use types::{Call, Config, Outgoing, Request, Sent};
use types::{Channel, Flight, Step, Upload};

use super::sse::SseParser;
use super::wire::jwt_expiry_secs;
use super::wire::{
    AccessTokenAnswer, Ack, AckType, AcknowledgeEntriesRequest, ConversationEntry,
    CreateConversationRequest, EntriesAnswer, EntryPayload, ListConversationsAnswer,
    RoutingAttributes, SendMessageRequest, ServerEvent, SessionStatusChanged, TypingEntry,
    TypingRequest,
};
use crate::config::PrechatField;
use crate::prechat::Prechat;
use crate::session::{
    ChatState, Delivery, EndReason, Ender, EngineError, Event, Input, Method, Millis, Outcome,
    RequestId, REQUEST_TIMEOUT_MS,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
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

/// The Enhanced Chat engine. See the module documentation.
#[derive(Clone, Debug)]
pub struct Engine {
    cfg: Config,
    base: ChatState,
    token: Option<String>,
    conversation_id: Option<String>,
    created: bool,
    last_event_id: Option<String>,
    /// The pre-chat answers (non-empty ones): the conversation's routing attributes, and again a
    /// new messaging session's (after a 417), until the chat ends.
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
    /// The deployment asks its pre-chat form again for every messaging session.
    session_form: bool,
    /// The messaging session is inactive (customer inactivity): the next message wakes it.
    inactive: bool,
    /// The last queue position and estimated wait the server gave (each event brings one).
    queue_position: Option<u32>,
    queue_wait: Option<u32>,
    /// The largest file the visitor may send (bytes), when the deployment lets them.
    uploads_max: Option<u64>,
    /// The visitor's files, the one on its way first; their own channel, so that a large file
    /// holds no message up.
    uploads: VecDeque<Upload>,
    upload: Channel,
    /// Verified customers: the site's identity token (never saved), the customer it names
    /// (saved: another customer's identity clears the chat), whether the site was asked for a
    /// new one, when to renew the access token, the set-up step a refused token interrupted.
    identity: Option<String>,
    subject: Option<String>,
    needs_identity: bool,
    renew_at: Option<Millis>,
    resume: Option<Step>,
    /// The deployment lets the visitor download the server's PDF transcript.
    transcript_pdf: bool,
    next_id: u64,
    requests: VecDeque<Request>,
    aborts: VecDeque<RequestId>,
    events: VecDeque<Event>,
}

impl Engine {
    /// A new engine, idle until [`Input::Start`].
    pub fn new(cfg: Config) -> Engine {
        let verified = cfg.verified;
        let mut e = Engine {
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
            session_form: false,
            inactive: false,
            queue_position: None,
            queue_wait: None,
            uploads_max: None,
            uploads: VecDeque::new(),
            upload: Channel::default(),
            identity: None,
            subject: None,
            needs_identity: false,
            renew_at: None,
            resume: None,
            transcript_pdf: false,
            next_id: 1,
            requests: VecDeque::new(),
            aborts: VecDeque::new(),
            events: VecDeque::new(),
        };
        if verified {
            // Nothing starts before the site says who the customer is.
            e.want_identity(crate::session::Identity::Wanted);
        }
        e
    }

    /// Something happened at `now`; `rand` is a random number (backoff jitter, and the
    /// randomness of the UUIDs the engine makes).
    pub fn handle(&mut self, input: Input, now: Millis, rand: u32) {
        self.rng ^= u64::from(rand).rotate_left(17) ^ now;
        match input {
            Input::Prepare => self.prepare(),
            Input::Start(prechat) => self.start(prechat, now),
            Input::SendText { local_id, text } => self.send_message(local_id, text, None),
            Input::Choose {
                local_id,
                reply_to,
                option,
            } => self.send_message(local_id, String::new(), Some((reply_to, option))),
            Input::SendFile { local_id, file } => self.send_file(local_id, file),
            Input::CancelUpload { local_id } => self.cancel_upload(local_id),
            Input::Identify(token) => self.identify(token),
            Input::Logout => self.logout(),
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
            self.renew_at,
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

    /// The largest file the visitor may send (bytes), once the deployment said it lets them.
    pub fn uploads_max(&self) -> Option<u64> {
        self.uploads_max
    }

    /// The visitor message the request `id` uploads, while it is on its way.
    pub fn upload_of(&self, id: RequestId) -> Option<u64> {
        let flight = self.upload.flight?;
        (flight.id == id).then(|| self.uploads.front().map(|u| u.local_id))?
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
            // The session-scoped pre-chat form answered: the next message starts the new
            // session with these answers.
            ChatState::SessionEnded { by, .. } => {
                self.attributes = answers(prechat);
                self.set_state(ChatState::SessionEnded { by, form: false });
                return;
            }
            ChatState::Ended(_) => self.start_over(),
            _ => return,
        }
        self.attributes = answers(prechat);
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

    /// A text, or a menu's answer (`choice`: the menu's id and the option's).
    fn send_message(&mut self, local_id: u64, text: String, choice: Option<(String, String)>) {
        let Some(id) = self.outgoing_id(local_id) else {
            return;
        };
        let (reply_to, option) = choice.unzip();
        self.outbox.push_back(Outgoing::Message {
            local_id,
            id,
            text,
            reply_to,
            option,
        });
        self.emit(Event::VisitorMessage {
            local_id,
            status: Delivery::Queued,
        });
    }

    /// Something of the visitor's goes (a message, a menu's answer, a file): the UUID it goes
    /// by, tracked as `local_id` (a retry replaces the earlier try); `None` when the chat takes
    /// nothing now.
    fn outgoing_id(&mut self, local_id: u64) -> Option<String> {
        if !self.accepting() {
            return None;
        }
        self.drop_typing();
        if let ChatState::SessionEnded { .. } = self.base {
            // Writing again after the session ended: a new session, routed again.
            self.new_session = true;
            self.set_state(ChatState::Queued);
        }
        let id = self.uuid();
        self.sent.retain(|s| s.local_id != local_id);
        self.sent.push(Sent {
            local_id,
            id: id.clone(),
            status: Delivery::Queued,
        });
        Some(id)
    }

    /// The visitor's typing is over without a word to the server: nothing waiting about it goes,
    /// and it is not sent again.
    fn drop_typing(&mut self) {
        self.outbox.retain(|o| !matches!(o, Outgoing::Typing(_)));
        self.typing = false;
        self.typing_refresh_at = None;
    }

    fn set_typing(&mut self, typing: bool, now: Millis) {
        let between_sessions = matches!(self.base, ChatState::SessionEnded { .. });
        if !self.accepting() || !self.created || self.typing == typing || between_sessions {
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
        } else if self.upload.flight.is_some_and(|f| f.id == id) {
            self.upload.flight = None;
            self.upload_answer(outcome);
        }
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
        self.abort_flights();
        self.uploads.clear();
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

    /// Every request on its way is aborted (the driver is told).
    fn abort_flights(&mut self) {
        for flight in [
            self.setup.flight.take(),
            self.stream.flight.take(),
            self.post.flight.take(),
            self.upload.flight.take(),
        ]
        .into_iter()
        .flatten()
        {
            self.aborts.push_back(flight.id);
        }
    }

    /// The engine as new, for a new chat or customer: its request ids and randomness go on, and
    /// the requests and aborts not yet taken by the driver stay.
    fn start_over(&mut self) {
        let requests = std::mem::take(&mut self.requests);
        let aborts = std::mem::take(&mut self.aborts);
        let (next_id, rng) = (self.next_id, self.rng);
        *self = Engine::new(self.cfg.clone());
        (self.next_id, self.rng) = (next_id, rng);
        self.requests = requests;
        self.aborts = aborts;
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
}

/// The pre-chat answers that were given (empty ones are not sent).
fn answers(prechat: Prechat) -> Vec<(String, String)> {
    prechat
        .answers
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
