//! The widget's core: every decision the widget makes, as sans-IO state machines composed into
//! one ([`Core`]), the way str0m composes its `Rtc` or quinn-proto its `Connection`. Nothing here
//! fetches, sleeps, reads a clock or touches the page: the driver feeds [`Input`]s with the time
//! and a random number ([`Core::handle`]) and does what [`Core::poll_output`] asks, then sets one
//! timer for [`Core::next_deadline`].
//!
//! The machines inside:
//! - the chat engine of the site's API ([`chat`]): Live Agent's ([`crate::live_agent::engine`])
//!   or Enhanced Chat's (`crate::miaw::engine`);
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
//!
//! Here: [`Core`] itself (inputs in, outputs out, one deadline). Beside it: what it is told at
//! start ([`settings`]), what goes in and out ([`io`]), the routing of each input and the
//! debouncers (`routing.rs`), what follows every input (`step.rs`), what it saves and reads back
//! after a reload (`saved.rs`).

pub mod availability;
pub mod chat;
pub mod io;
#[cfg(feature = "miaw")]
mod rich_intents;
mod routing;
mod saved;
pub mod settings;
mod step;
pub mod tabs;
pub mod transcript;
pub mod view_model;

pub use crate::session::{Millis, RequestId};
pub use io::{Effect, Input, Output};
pub use saved::{KEY_DRAFT, KEY_SNAPSHOT, KEY_TRANSCRIPT, KEY_UI};
pub use settings::{Settings, HANDOVER_PAUSE_MS, SNEAK_PEEK_DEBOUNCE_MS, TYPING_IDLE_MS};
pub use tabs::LockMode;

use crate::session::{ChatState, Input as EngineInput};
use availability::{Availability, Deployment};
use chat::{Chat, ChatRequest};
use saved::{same_chat, Saved, UiState};
use std::collections::VecDeque;
use tabs::{lock_name, TabEffect, TabSignal, Tabs};
use transcript::{Transcript, TranscriptStore, Write};
use view_model::{Connection, Notice, ViewChange, ViewModel};

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
    /// Enhanced Chat: the server's PDF transcript, saved by the driver.
    #[cfg(feature = "miaw")]
    Transcript,
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
    /// "Start a new chat" between two messaging sessions: a new chat once the conversation is
    /// closed.
    #[cfg(feature = "miaw")]
    fresh: bool,
    aborts: VecDeque<RequestId>,
    requests: VecDeque<ChatRequest>,
    effects: Vec<Effect>,
}

impl Core {
    /// The core at `now`, resuming the chat saved in storage (read through `read`, by key) if
    /// there is one for these settings.
    pub fn new(settings: Settings, read: &dyn Fn(&str) -> Option<String>, now: Millis) -> Core {
        let cfg = settings.engine.clone();
        let saved = read(KEY_SNAPSHOT)
            .and_then(|json| Saved::from_json(&json))
            .filter(|s| same_chat(s, &settings));
        // A chat kept beyond the tab is not resumed once its token has expired.
        #[cfg(feature = "miaw")]
        let saved = saved.filter(|s| !(settings.persist && s.expired(now)));
        let restored = saved.and_then(|saved| Chat::restore(&settings, saved.chat(), now));
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
            #[cfg(feature = "miaw")]
            fresh: false,
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
        if !self.shut_down && self.route(input, now, rand) {
            self.step(now);
        }
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
}
