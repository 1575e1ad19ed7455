//! The widget's core: every decision the widget makes, as sans-IO state machines composed into
//! one ([`Core`]), the way str0m composes its `Rtc` or quinn-proto its `Connection`. Nothing here
//! fetches, sleeps, reads a clock or touches the page: the driver feeds [`Input`]s with the time
//! and a random number ([`Core::handle`]) and does what [`Core::poll_output`] asks, then sets one
//! timer for [`Core::next_deadline`].
//!
//! The machines inside:
//! - the chat engine ([`crate::engine`]): the Live Agent session;
//! - the tab coordinator ([`tabs`]): one tab runs a chat, "continue here" moves it;
//! - the availability poller ([`availability`]): the launcher's online state at the ping rate;
//! - the view model ([`view_model`]): the engine's events as what the window shows, the site
//!   owner's events, the transcript and its storage ([`transcript`]);
//! - two debouncers, as deadlines here: the visitor stops typing after [`TYPING_IDLE_MS`] without
//!   a keystroke, and the sneak peek goes after [`SNEAK_PEEK_DEBOUNCE_MS`] of pause.
//!
//! Drain order ([`Core::poll_output`]): aborts first (so a replaced poll is gone before its
//! successor starts), then requests, then effects (storage writes, locks, broadcasts, site
//! events, in the order they arose), then view changes; then [`Core::next_deadline`].

pub mod availability;
pub mod chat;
pub mod tabs;
pub mod transcript;
pub mod view_model;

use crate::live_agent::engine::{EngineConfig, HttpRequest, Snapshot};
#[cfg(feature = "miaw")]
use crate::miaw::engine as miaw;
use crate::prechat::Prechat;
use crate::session::{ChatState, Input as EngineInput, Outcome};
pub use crate::session::{Millis, RequestId};
use availability::{Availability, Deployment};
use chat::{Chat, ChatRequest, ChatSnapshot};
use serde::Serialize;
use std::collections::VecDeque;
pub use tabs::LockMode;
use tabs::{lock_name, TabEffect, TabSignal, Tabs};
use transcript::{Transcript, TranscriptStore, Write};
use view_model::{Connection, Notice, SiteEvent, ViewChange, ViewModel};

/// The visitor counts as typing until this long after the last keystroke.
pub const TYPING_IDLE_MS: u64 = 2_000;
/// How long the visitor's typing must pause before the sneak peek goes.
pub const SNEAK_PEEK_DEBOUNCE_MS: u64 = 300;
/// How long a tab that gives the chat away waits after aborting its poll before the other tab
/// may poll: time for the server to see the aborted connection close.
pub const HANDOVER_PAUSE_MS: u64 = 150;

/// The storage keys (the driver adds its prefix).
pub const KEY_SNAPSHOT: &str = "snapshot";
pub const KEY_TRANSCRIPT: &str = "transcript";
pub const KEY_UI: &str = "ui";
/// What the visitor typed and has not sent: back in the composer after a reload or a navigation.
pub const KEY_DRAFT: &str = "draft";

/// What the core needs to know about the deployment, the site owner's choices and the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The Chat API endpoint (a saved chat of another endpoint is not resumed).
    pub endpoint: String,
    /// The Live Agent engine's settings; for Enhanced Chat, the org id, the developer name as
    /// the deployment and no button (what a saved chat is matched against).
    pub engine: EngineConfig,
    /// Enhanced Chat: its engine's settings (none: Live Agent).
    #[cfg(feature = "miaw")]
    pub miaw: Option<miaw::Config>,
    /// The site owner allows sneak peeks.
    pub sneak_peek: bool,
    /// The new-message sound is on.
    pub sound: bool,
    /// The browser has Web Locks.
    pub web_locks: bool,
    /// This page's random id among the tabs.
    pub tab_id: String,
    /// The page's URL now (breadcrumbs go when it changes).
    pub url: String,
}

impl Settings {
    /// The chat is Live Agent's, with its availability API (`Visitor/Availability`) and custom
    /// events; Enhanced Chat has neither.
    fn is_live_agent(&self) -> bool {
        #[cfg(feature = "miaw")]
        return self.miaw.is_none();
        #[cfg(not(feature = "miaw"))]
        true
    }
}

/// The saved chat, with the settings it belongs to (a snapshot of another deployment's chat is
/// not resumed).
#[derive(Clone, Debug, Serialize)]
struct Saved {
    endpoint: String,
    org_id: String,
    deployment_id: String,
    button_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<Snapshot>,
    #[cfg(feature = "miaw")]
    #[serde(skip_serializing_if = "Option::is_none")]
    miaw: Option<miaw::Snapshot>,
}

impl Saved {
    /// Reads the saved JSON by hand (as the derived `Serialize` writes it): the engine's snapshot
    /// through [`Snapshot::from_value`], no derived `Deserialize` for it in the wasm. `None` when
    /// it is not that shape (a snapshot that is there but unreadable included).
    fn from_json(json: &str) -> Option<Saved> {
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let o = value.as_object()?;
        let text = |key: &str| o.get(key)?.as_str().map(str::to_string);
        let engine = match o.get("engine") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(Snapshot::from_value(v)?),
        };
        #[cfg(feature = "miaw")]
        let miaw = match o.get("miaw") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(miaw::Snapshot::from_value(v)?),
        };
        Some(Saved {
            endpoint: text("endpoint")?,
            org_id: text("org_id")?,
            deployment_id: text("deployment_id")?,
            button_id: text("button_id")?,
            engine,
            #[cfg(feature = "miaw")]
            miaw,
        })
    }

    fn chat(self) -> ChatSnapshot {
        ChatSnapshot {
            engine: self.engine,
            #[cfg(feature = "miaw")]
            miaw: self.miaw,
        }
    }
}

/// The window's state, kept across reloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
struct UiState {
    open: bool,
    unread: u32,
}

impl UiState {
    /// Read by hand (no derived `Deserialize` in the wasm: issue 15).
    fn read(json: &str) -> Option<UiState> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        Some(UiState {
            open: v.get("open")?.as_bool()?,
            unread: u32::try_from(v.get("unread")?.as_u64()?).ok()?,
        })
    }
}

/// Something that happened: a visitor's or the site's intent, or the browser's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The visitor sent the pre-chat form.
    Start(Prechat),
    /// The visitor sends a message (already within the length limit).
    Send(String),
    /// The visitor typed: the composer's content now.
    Typed(String),
    /// The visitor (or the site) ends the chat.
    End,
    /// After the chat ended: back to a fresh pre-chat form.
    NewChat,
    /// The window opens (`true`) or is minimised.
    SetOpen(bool),
    ToggleOpen,
    /// "Continue here": the chat moves to this tab.
    TakeOver,
    /// `Chasitor.sendCustomEvent(type, data)`.
    CustomEvent {
        event_type: String,
        data: String,
    },
    /// `Chasitor.setPrechat({...})`.
    Prefill(Vec<(String, String)>),
    /// The offline view's "Check again".
    CheckAvailability,
    /// The page's URL may have changed (a single-page app navigated).
    Navigated(String),
    /// The outcome of a request from [`Output::Request`] or [`Output::Fetch`].
    Answer {
        id: RequestId,
        outcome: Outcome,
    },
    /// Part of the body of a streamed [`Output::Fetch`], as it arrived (an empty one as soon as
    /// a 200 answer's headers are in); its end comes as [`Input::Answer`].
    Chunk {
        id: RequestId,
        bytes: Vec<u8>,
    },
    /// The answer to [`Effect::RequestLock`].
    LockAnswer {
        generation: u64,
        got: bool,
    },
    /// The lock held for `generation` was stolen by another tab.
    LockLost {
        generation: u64,
    },
    /// A message from the other tabs.
    TabMessage(String),
    /// The page is going away (`pagehide`).
    PageHide,
    /// The page was hidden or shown.
    Visibility {
        hidden: bool,
    },
    /// The browser went online or offline (`navigator.onLine`, `online` / `offline`).
    Online(bool),
    /// The page was frozen or resumed (Page Lifecycle `freeze` / `resume`).
    Frozen(bool),
    /// A storage write failed: everything is written again at the next change.
    StorageFailed,
    /// The site tears the widget down (`Chasitor.destroy()`): abort everything, let the lock go,
    /// leave the chat resumable.
    Shutdown,
    /// The time from [`Core::next_deadline`] has come.
    Tick,
}

/// Something for the browser to do besides requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Write (or remove) a storage key.
    Store(Write),
    /// Ask for a Web Lock; answer with [`Input::LockAnswer`] (and [`Input::LockLost`]).
    RequestLock {
        name: String,
        mode: LockMode,
        generation: u64,
    },
    /// Let go of the lock granted for `generation`.
    ReleaseLock { generation: u64 },
    /// Post this text to the other tabs.
    Broadcast(String),
    /// Call the site's listeners.
    Site(SiteEvent),
    /// The new-message sound.
    Beep,
    /// A console warning for the site owner.
    Warn(String),
    /// A console error for the site owner.
    Error(String),
}

/// What the core asks for, in the drain order of [`Core::poll_output`].
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Abort this request's fetch (its answer, if any, is ignored).
    Abort(RequestId),
    /// Issue this Live Agent request and answer with [`Input::Answer`].
    Request(HttpRequest),
    /// Issue this Enhanced Chat request and answer with [`Input::Answer`] (and, for a stream,
    /// [`Input::Chunk`]s first).
    #[cfg(feature = "miaw")]
    Fetch(miaw::Request),
    Effect(Effect),
    View(ViewChange),
}

/// Whether this tab runs its chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// No chat with a session (idle, or the session is being created): the engine runs.
    Free,
    /// A saved chat is resumed once the lock says no other tab has it; the engine waits.
    Claiming,
    /// This tab runs the chat.
    Owner,
    /// Another tab runs the chat; the engine is stopped.
    Elsewhere,
}

/// Which machine a request on its way belongs to (with that machine's own id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Engine(RequestId),
    #[cfg(feature = "live-agent")]
    Availability(RequestId),
}

fn live(state: &ChatState) -> bool {
    !matches!(state, ChatState::Idle | ChatState::Ended(_))
}

/// The widget's core. See the module documentation.
#[derive(Debug)]
pub struct Core {
    settings: Settings,
    engine: Chat,
    tabs: Tabs,
    role: Role,
    /// The owner's state from a hand-over, used when the lock is granted.
    handover: Option<(Saved, Transcript)>,
    /// When this tab, asked for the chat, hands it over.
    hand_over_at: Option<Millis>,
    availability: Availability,
    view: ViewModel,
    /// The visitor's typing as told to the engine, and when it ends without a keystroke.
    typing: bool,
    typing_idle_at: Option<Millis>,
    /// The sneak peek waiting for a pause.
    peek: Option<(Millis, String)>,
    /// The URL of the last breadcrumb (or of the page at start).
    last_url: String,
    /// The browser says it is online.
    online: bool,
    /// Requests on their way (a handful at most), by the id the driver knows: which machine,
    /// under which id.
    wire: Vec<(RequestId, Source)>,
    next_wire: u64,
    saved_snapshot: Option<String>,
    saved_ui: Option<UiState>,
    /// The composer's text (as the visitor typed it), and as last stored.
    draft: String,
    saved_draft: String,
    shut_down: bool,
    aborts: VecDeque<RequestId>,
    requests: VecDeque<ChatRequest>,
    effects: Vec<Effect>,
}

impl Core {
    /// The core at `now`, resuming the chat saved in storage (read through `read`, by key) if
    /// there is one for these settings.
    pub fn new(settings: Settings, read: &dyn Fn(&str) -> Option<String>, now: Millis) -> Core {
        let cfg = settings.engine.clone();
        let restored = read(KEY_SNAPSHOT)
            .and_then(|json| Saved::from_json(&json))
            .filter(|s| same_chat(s, &settings))
            .and_then(|saved| Chat::restore(&settings, saved.chat(), now));
        let mut store = TranscriptStore::new(KEY_TRANSCRIPT);
        let mut effects = Vec::new();
        // A draft goes with the chat it was written in.
        let (engine, transcript, draft) = match restored {
            Some(engine) => (
                engine,
                store.load(read),
                read(KEY_DRAFT).unwrap_or_default(),
            ),
            None => {
                effects.push(Effect::Store(Write {
                    key: KEY_SNAPSHOT.to_string(),
                    value: None,
                }));
                effects.extend(store.discard(read).into_iter().map(Effect::Store));
                if read(KEY_DRAFT).is_some() {
                    effects.push(Effect::Store(Write {
                        key: KEY_DRAFT.to_string(),
                        value: None,
                    }));
                }
                (Chat::new(&settings), Transcript::default(), String::new())
            }
        };
        let ui = read(KEY_UI)
            .and_then(|json| UiState::read(&json))
            .unwrap_or_default();
        let mut view = ViewModel::new(transcript, store, settings.sound);
        view.set_state(engine.state().clone());
        view.set_agent(engine.agent_name().map(str::to_string));
        view.open = ui.open;
        view.unread = if ui.open { 0 } else { ui.unread };
        for change in [ViewChange::Open(view.open), ViewChange::Unread(view.unread)] {
            view.push_change(change);
        }
        if !draft.is_empty() {
            view.push_change(ViewChange::Draft(draft.clone()));
        }
        let deployment = Deployment {
            org_id: cfg.org_id.clone(),
            deployment_id: cfg.deployment_id.clone(),
            button_id: cfg.button_id.clone(),
            api_version: cfg.api_version.clone(),
        };
        let mut core = Core {
            tabs: Tabs::new(settings.tab_id.clone(), settings.web_locks),
            last_url: settings.url.clone(),
            online: true,
            settings,
            engine,
            role: Role::Free,
            handover: None,
            hand_over_at: None,
            availability: Availability::new(deployment),
            view,
            typing: false,
            typing_idle_at: None,
            peek: None,
            wire: Vec::new(),
            next_wire: 1,
            saved_snapshot: None,
            saved_ui: Some(ui),
            saved_draft: draft.clone(),
            draft,
            shut_down: false,
            aborts: VecDeque::new(),
            requests: VecDeque::new(),
            effects,
        };
        // A saved chat runs only once no other tab (a duplicate) has it.
        if let (true, Some(id)) = (live(core.engine.state()), core.engine.session_id()) {
            let name = lock_name(&core.settings.endpoint, id);
            core.role = Role::Claiming;
            core.tabs.claim(&name, false, now);
        }
        // What the restored engine says repeats what the transcript has.
        core.view.replaying = true;
        core.step(now);
        core.view.replaying = false;
        core
    }

    /// Something happened at `now`; `rand` is a random number (backoff jitter).
    pub fn handle(&mut self, input: Input, now: Millis, rand: u32) {
        if self.shut_down {
            return;
        }
        match input {
            Input::Start(prechat) => {
                self.view.replace_transcript(Transcript::default());
                self.view.set_agent(None);
                self.view.set_queue(Default::default());
                self.view.set_banner(None);
                self.engine.handle(EngineInput::Start(prechat), now, rand);
            }
            Input::Send(text) => {
                if text.trim().is_empty() {
                    return;
                }
                self.peek = None;
                self.draft.clear();
                let local_id = self.view.visitor_message(text.clone(), now);
                self.engine
                    .handle(EngineInput::SendText { local_id, text }, now, rand);
                // After the text: the message ends typing in the engine (and on the agent's
                // side), so no ChasitorNotTyping goes ahead of it.
                self.stop_typing(now, rand);
            }
            Input::Typed(text) => {
                self.draft.clone_from(&text);
                self.typed(text, now, rand);
            }
            Input::End => {
                self.stop_typing(now, rand);
                self.engine.handle(EngineInput::End, now, rand);
            }
            Input::NewChat => {
                if self.engine.state().is_ended() {
                    self.engine = Chat::new(&self.settings);
                    self.view.replace_transcript(Transcript::default());
                    self.view.set_agent(None);
                    self.view.set_agent_typing(false);
                    self.view.set_queue(Default::default());
                    self.view.set_banner(None);
                    self.view.set_state(ChatState::Idle);
                }
            }
            Input::SetOpen(open) => self.view.set_open(open),
            Input::ToggleOpen => self.view.set_open(!self.view.open),
            Input::TakeOver => {
                if self.role == Role::Elsewhere {
                    self.view.set_taking_over(true);
                    self.tabs.take_over(now);
                }
            }
            Input::CustomEvent { event_type, data } => {
                if self.settings.is_live_agent() {
                    self.engine
                        .handle(EngineInput::CustomEvent { event_type, data }, now, rand)
                } else {
                    self.effects.push(Effect::Warn(format!(
                        "chasitor: sendCustomEvent({event_type:?}) ignored: Enhanced Chat has no custom events"
                    )));
                }
            }
            Input::Prefill(answers) => self.view.add_prefill(answers),
            Input::CheckAvailability => self.availability.refresh(now),
            Input::Navigated(url) => {
                if url != self.last_url {
                    self.last_url = url.clone();
                    self.engine.handle(EngineInput::Breadcrumb(url), now, rand);
                }
            }
            Input::Answer { id, outcome } => match self.take_wire(id) {
                Some(Source::Engine(inner)) => {
                    self.engine
                        .handle(EngineInput::Response { id: inner, outcome }, now, rand);
                }
                #[cfg(feature = "live-agent")]
                Some(Source::Availability(inner)) => self.availability.answer(inner, outcome, now),
                // Aborted, or of a machine that started over: nothing waits for it.
                None => {}
            },
            Input::Chunk { id, bytes } => {
                // Still on its way: only the answer's end takes it off the wire.
                if let Some((_, Source::Engine(inner))) = self.wire.iter().find(|(w, _)| *w == id) {
                    let id = *inner;
                    self.engine
                        .handle(EngineInput::Chunk { id, bytes }, now, rand);
                }
            }
            Input::LockAnswer { generation, got } => self.tabs.lock_answer(generation, got, now),
            Input::LockLost { generation } => self.tabs.lock_lost(generation),
            Input::TabMessage(text) => self.tabs.message(&text, now),
            Input::PageHide => self.publish(now),
            Input::Visibility { hidden } => {
                self.view.hidden = hidden;
                if !hidden {
                    self.engine.handle(EngineInput::Wake, now, rand);
                }
            }
            Input::Online(online) => {
                self.online = online;
                self.engine.handle(EngineInput::Online(online), now, rand);
            }
            Input::Frozen(frozen) => self.engine.handle(EngineInput::Frozen(frozen), now, rand),
            Input::StorageFailed => {
                self.view.store.write_failed();
                self.saved_snapshot = None;
                self.saved_ui = None;
            }
            Input::Shutdown => {
                self.publish(now);
                self.tabs.release();
                self.abort_all();
                for (id, _) in std::mem::take(&mut self.wire) {
                    self.aborts.push_back(id);
                }
                self.drain_tabs(now);
                self.shut_down = true;
                return;
            }
            Input::Tick => {
                if self.runs_here() {
                    self.engine.handle(EngineInput::Tick, now, rand);
                }
                self.tabs.tick(now);
                if self.typing_idle_at.is_some_and(|t| t <= now) {
                    self.stop_typing(now, rand);
                }
                if let Some((_, text)) = self.peek.take_if(|(t, _)| *t <= now) {
                    self.engine.handle(EngineInput::SneakPeek(text), now, rand);
                }
                if self.hand_over_at.is_some_and(|t| t <= now) {
                    self.hand_over_at = None;
                    let (saved, transcript) = self.saved_texts();
                    self.tabs.hand_over(saved, transcript);
                }
            }
        }
        self.step(now);
    }

    /// The next thing to do, in the stated order (see the module documentation).
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(id) = self.aborts.pop_front() {
            return Some(Output::Abort(id));
        }
        if let Some(req) = self.requests.pop_front() {
            return Some(match req {
                #[cfg(feature = "live-agent")]
                ChatRequest::LiveAgent(req) => Output::Request(req),
                #[cfg(feature = "miaw")]
                ChatRequest::Miaw(req) => Output::Fetch(req),
            });
        }
        if !self.effects.is_empty() {
            return Some(Output::Effect(self.effects.remove(0)));
        }
        self.view.poll_change().map(Output::View)
    }

    /// When to call `handle(Input::Tick, ..)` next, if ever.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.shut_down {
            return None;
        }
        let engine = self
            .runs_here()
            .then(|| self.engine.next_deadline())
            .flatten();
        [
            engine,
            self.tabs.next_deadline(),
            self.settings
                .is_live_agent()
                .then(|| self.availability.next_deadline())
                .flatten(),
            self.typing_idle_at,
            self.peek.as_ref().map(|(t, _)| *t),
            self.hand_over_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The chat's state.
    pub fn state(&self) -> &ChatState {
        self.engine.state()
    }

    /// The view model (what the window shows).
    pub fn view(&self) -> &ViewModel {
        &self.view
    }

    /// The chat engine.
    pub fn engine(&self) -> &Chat {
        &self.engine
    }

    /// Whether the engine runs in this tab now.
    pub fn runs_here(&self) -> bool {
        matches!(self.role, Role::Free | Role::Owner)
    }

    /// The connection's trouble, if any, while a chat runs here.
    fn connection(&self) -> Option<Connection> {
        if !self.runs_here() || !live(self.engine.state()) {
            None
        } else if !self.online {
            Some(Connection::Offline)
        } else if *self.engine.state() == ChatState::Reconnecting {
            Some(Connection::Reconnecting)
        } else if self.engine.retrying() {
            Some(Connection::Retrying)
        } else {
            None
        }
    }

    // ----- the debouncers -----

    fn typed(&mut self, text: String, now: Millis, rand: u32) {
        if text.is_empty() {
            self.peek = None;
            self.stop_typing(now, rand);
            return;
        }
        if !self.typing {
            self.typing = true;
            self.engine.handle(EngineInput::Typing(true), now, rand);
        }
        self.typing_idle_at = Some(now.saturating_add(TYPING_IDLE_MS));
        if self.settings.sneak_peek {
            self.peek = Some((now.saturating_add(SNEAK_PEEK_DEBOUNCE_MS), text));
        }
    }

    fn stop_typing(&mut self, now: Millis, rand: u32) {
        self.typing_idle_at = None;
        if std::mem::take(&mut self.typing) {
            self.engine.handle(EngineInput::Typing(false), now, rand);
        }
    }

    // ----- after every input -----

    /// Takes what the machines asked for into the outputs, follows the tab coordinator, saves.
    fn step(&mut self, now: Millis) {
        // The window open for a new chat: Enhanced Chat gets its token and form now.
        if self.view.open && *self.engine.state() == ChatState::Idle && self.runs_here() {
            self.engine.handle(EngineInput::Prepare, now, 0);
        }
        // A tab signal can restart the engine, and the engine can make the tab claim a chat:
        // a few rounds until both are quiet.
        for _ in 0..4 {
            let signalled = self.drain_tabs(now);
            self.drain_engine(now);
            self.sync_tab(now);
            if !signalled && !self.tabs.has_output() {
                break;
            }
        }
        self.drain_tabs(now);
        if self.engine.state().is_ended() {
            self.peek = None;
        }
        self.view.set_connection(self.connection());
        self.availability
            .set_active(!self.view.open && !live(self.engine.state()));
        // Enhanced Chat has no availability API: the launcher stays as it is.
        #[cfg(feature = "live-agent")]
        if self.settings.is_live_agent() {
            let next_wire = &mut self.next_wire;
            self.availability.pump(now, &mut || {
                let id = RequestId(*next_wire);
                *next_wire += 1;
                id
            });
            while let Some(req) = self.availability.poll_request() {
                self.wire.push((req.id, Source::Availability(req.id)));
                self.requests.push_back(ChatRequest::LiveAgent(req));
            }
        }
        if let Some(known) = self.availability.poll_known() {
            self.view.set_available(known.available, known.wait_secs);
        }
        self.view.flush_rows();
        self.save();
        while let Some(notice) = self.view.poll_notice() {
            self.effects.push(match notice {
                Notice::Site(event) => Effect::Site(event),
                Notice::Beep => Effect::Beep,
                Notice::Warn(text) => Effect::Warn(text),
                Notice::Error(text) => Effect::Error(text),
                Notice::UiChanged => continue,
            });
        }
    }

    /// The engine's requests, aborts and events (only while this tab runs the chat).
    fn drain_engine(&mut self, now: Millis) {
        if !self.runs_here() {
            return;
        }
        while let Some(inner) = self.engine.poll_abort() {
            if let Some(i) = self
                .wire
                .iter()
                .position(|(_, s)| *s == Source::Engine(inner))
            {
                let (id, _) = self.wire.swap_remove(i);
                self.aborts.push_back(id);
            }
        }
        while let Some(mut req) = self.engine.poll_request() {
            let id = RequestId(self.next_wire);
            self.next_wire += 1;
            self.wire.push((id, Source::Engine(req.id())));
            req.set_id(id);
            self.requests.push_back(req);
        }
        while let Some(event) = self.engine.poll_event() {
            self.view.apply(event, now);
        }
        if let Some(fields) = self.engine.poll_form() {
            self.view.set_prechat_fields(fields);
        }
    }

    /// The coordinator's effects into the outputs and its signals acted on; `true` if there
    /// were signals.
    fn drain_tabs(&mut self, now: Millis) -> bool {
        while let Some(effect) = self.tabs.poll_effect() {
            self.effects.push(match effect {
                TabEffect::RequestLock {
                    name,
                    mode,
                    generation,
                } => Effect::RequestLock {
                    name,
                    mode,
                    generation,
                },
                TabEffect::ReleaseLock { generation } => Effect::ReleaseLock { generation },
                TabEffect::Post(text) => Effect::Broadcast(text),
            });
        }
        let mut any = false;
        while let Some(signal) = self.tabs.poll_signal() {
            any = true;
            self.on_tab_signal(signal, now);
        }
        any
    }

    fn on_tab_signal(&mut self, signal: TabSignal, now: Millis) {
        match signal {
            TabSignal::Granted => {
                if matches!(self.role, Role::Claiming | Role::Elsewhere) {
                    self.resume(now);
                }
            }
            TabSignal::Elsewhere => {
                self.role = Role::Elsewhere;
                self.view.set_taking_over(false);
                self.view.set_other_tab(true);
            }
            TabSignal::Lost => {
                if self.role == Role::Owner {
                    self.suspend();
                }
            }
            TabSignal::HandOverRequested => {
                if self.role == Role::Owner {
                    self.suspend();
                    self.hand_over_at = Some(now.saturating_add(HANDOVER_PAUSE_MS));
                }
            }
            TabSignal::HandedOver { saved, transcript } => {
                let saved = Saved::from_json(&saved);
                let transcript_value = Transcript::from_json(&transcript);
                let (Some(saved), Some(t)) = (saved, transcript_value) else {
                    return;
                };
                if !same_chat(&saved, &self.settings) {
                    return;
                }
                // Stored too: a reload of this tab starts from the owner's latest state.
                self.store(KEY_TRANSCRIPT, Some(transcript));
                self.store(KEY_SNAPSHOT, serde_json::to_string(&saved).ok());
                self.handover = Some((saved, t));
            }
        }
    }

    fn store(&mut self, key: &str, value: Option<String>) {
        self.effects.push(Effect::Store(Write {
            key: key.to_string(),
            value,
        }));
    }

    /// After each step: a chat that got a session (or a new one) is claimed for this tab; an
    /// ended chat needs no poller, so its lock goes (with its last state for the other tabs).
    fn sync_tab(&mut self, now: Millis) {
        if !self.runs_here() {
            return;
        }
        if !live(self.engine.state()) {
            if self.role == Role::Owner {
                self.role = Role::Free;
                self.publish(now);
                self.tabs.release();
            }
            return;
        }
        let Some(id) = self.engine.session_id() else {
            return;
        };
        let name = lock_name(&self.settings.endpoint, id);
        self.role = Role::Owner;
        // A session this tab just created: nobody else can have it.
        if self.tabs.chat() != Some(name.as_str()) {
            self.tabs.claim(&name, true, now);
        }
    }

    /// This tab's latest state for the other tabs, when it runs the chat.
    fn publish(&mut self, now: Millis) {
        if self.tabs.owns() {
            let (saved, transcript) = self.saved_texts();
            self.tabs.publish(saved, transcript);
            self.drain_tabs(now);
        }
    }

    /// Aborts every request of the engine on its way.
    fn abort_all(&mut self) {
        let aborts = &mut self.aborts;
        self.wire.retain(|(id, s)| {
            let engine = matches!(s, Source::Engine(_));
            if engine {
                aborts.push_back(*id);
            }
            !engine
        });
    }

    /// The request `id` is answered: which machine it was for (none if aborted).
    fn take_wire(&mut self, id: RequestId) -> Option<Source> {
        let i = self.wire.iter().position(|(w, _)| *w == id)?;
        Some(self.wire.swap_remove(i).1)
    }

    /// Stops everything this tab does for the chat: requests aborted, typing forgotten. The
    /// notice shows.
    fn suspend(&mut self) {
        self.role = Role::Elsewhere;
        self.abort_all();
        self.typing = false;
        self.typing_idle_at = None;
        self.peek = None;
        self.view.set_agent_typing(false);
        self.view.set_banner(None);
        self.view.set_taking_over(false);
        self.view.set_other_tab(true);
    }

    /// This tab has the chat now: the engine restarts from the handed-over state (or its own,
    /// when no owner answered), with fresh deadlines.
    fn resume(&mut self, now: Millis) {
        let (snapshot, transcript) = match self.handover.take() {
            Some((saved, transcript)) => (saved.chat(), transcript),
            None => (self.engine.snapshot(), self.view.transcript.clone()),
        };
        self.engine = Chat::restore(&self.settings, snapshot, now)
            .unwrap_or_else(|| Chat::new(&self.settings));
        self.view.replace_transcript(transcript);
        // Written again whatever this tab had stored.
        self.saved_snapshot = None;
        self.role = Role::Owner;
        self.view.set_state(self.engine.state().clone());
        self.view
            .set_agent(self.engine.agent_name().map(str::to_string));
        self.view.set_other_tab(false);
        self.view.set_taking_over(false);
        let replaying = std::mem::replace(&mut self.view.replaying, true);
        self.drain_engine(now);
        self.view.replaying = replaying;
    }

    /// This tab's chat as JSON texts: the saved snapshot and the transcript.
    fn saved_texts(&self) -> (String, String) {
        (
            serde_json::to_string(&self.saved()).unwrap_or_default(),
            serde_json::to_string(&self.view.transcript).unwrap_or_default(),
        )
    }

    fn saved(&self) -> Saved {
        let cfg = &self.settings.engine;
        let snapshot = self.engine.snapshot();
        Saved {
            endpoint: self.settings.endpoint.clone(),
            org_id: cfg.org_id.clone(),
            deployment_id: cfg.deployment_id.clone(),
            button_id: cfg.button_id.clone(),
            engine: snapshot.engine,
            #[cfg(feature = "miaw")]
            miaw: snapshot.miaw,
        }
    }

    /// The writes for what changed: the transcript first (a snapshot is never newer than the
    /// transcript it goes with), then the snapshot, then the window's state.
    fn save(&mut self) {
        let ui = UiState {
            open: self.view.open,
            unread: self.view.unread,
        };
        if self.saved_ui != Some(ui) {
            self.saved_ui = Some(ui);
            self.store(KEY_UI, serde_json::to_string(&ui).ok());
        }
        if self.saved_draft != self.draft {
            self.saved_draft.clone_from(&self.draft);
            let draft = Some(self.draft.clone()).filter(|d| !d.is_empty());
            self.store(KEY_DRAFT, draft);
        }
        if !self.runs_here() {
            return;
        }
        if *self.engine.state() == ChatState::Idle {
            if self.saved_snapshot.as_deref() != Some("") {
                self.store(KEY_SNAPSHOT, None);
                let writes = self.view.store.clear();
                self.effects.extend(writes.into_iter().map(Effect::Store));
                self.saved_snapshot = Some(String::new());
            }
            return;
        }
        let writes = self.view.store.save(&self.view.transcript);
        self.effects.extend(writes.into_iter().map(Effect::Store));
        let json = serde_json::to_string(&self.saved()).ok();
        if json.is_some() && self.saved_snapshot != json {
            self.saved_snapshot = json.clone();
            self.store(KEY_SNAPSHOT, json);
        }
    }
}

/// Whether a saved chat belongs to these settings.
fn same_chat(saved: &Saved, settings: &Settings) -> bool {
    let cfg = &settings.engine;
    saved.endpoint == settings.endpoint
        && saved.org_id == cfg.org_id
        && saved.deployment_id == cfg.deployment_id
        && saved.button_id == cfg.button_id
}
