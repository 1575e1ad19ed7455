//! The thin IO loop around the engine: visitor intents in, fetches out (one AbortController per
//! request), answers back in, one timer for the engine's next deadline, events into the
//! [`ChatView`] signals, and the snapshot and transcript into sessionStorage after every change.

use super::net;
use super::storage::SessionStore;
use super::tab_lock::TabLock;
use super::transcript_store::TranscriptStore;
use super::view::{Author, Banner, ChatView, Item, Note, QueueInfo, Transcript};
use crate::config::Config;
use crate::engine::{
    ChatState, EndReason, Engine, EngineConfig, EngineError, Event, HttpRequest, Input, Millis,
    Prechat, RequestId, Snapshot,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use web_sys::AbortController;

/// The sessionStorage prefix of every key the widget writes.
pub const STORAGE_PREFIX: &str = "chasitor:";
const KEY_SNAPSHOT: &str = "snapshot";
const KEY_TRANSCRIPT: &str = "transcript";
const KEY_UI: &str = "ui";

/// The visitor counts as typing until this long after the last keystroke.
pub const TYPING_IDLE_MS: u64 = 2_000;
/// The longest a timer is set for at once (setTimeout takes an i32).
const MAX_TIMER_MS: u64 = 3_600_000;

#[path = "chat_tabs.rs"]
mod tabs;

/// The saved chat, with the settings it belongs to (a snapshot of another deployment's chat is
/// not resumed).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Saved {
    endpoint: String,
    org_id: String,
    deployment_id: String,
    button_id: String,
    engine: Snapshot,
}

/// The window's state, kept across reloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct UiState {
    open: bool,
    unread: u32,
}

/// Now, in ms since the epoch.
pub fn now_ms() -> Millis {
    let now = js_sys::Date::now();
    if now.is_finite() && now > 0.0 {
        now as Millis
    } else {
        0
    }
}

fn random_u32() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

fn console_warn(msg: &str) {
    web_sys::console::warn_1(&msg.into());
}

struct Inner {
    engine: Engine,
    engine_cfg: EngineConfig,
    endpoint: String,
    /// Requests on their way: a token (so a late answer to an aborted request can never be taken
    /// for a newer request with the same id) and the controller to abort it.
    inflight: HashMap<RequestId, (u64, Option<AbortController>)>,
    next_token: u64,
    timer: Option<(leptos::prelude::TimeoutHandle, Millis)>,
    typing_timer: Option<leptos::prelude::TimeoutHandle>,
    visitor_typing: bool,
    transcript: Transcript,
    /// The whole transcript was replaced: shown and stored afresh.
    transcript_dirty: bool,
    /// Rows the view has (the ones after are added at the next save).
    view_len: usize,
    /// Rows whose delivery status changed since the last save.
    status_changed: Vec<usize>,
    /// The transcript in sessionStorage (only what changed is written).
    transcript_store: TranscriptStore,
    saved_snapshot: Option<String>,
    saved_ui: Option<UiState>,
    store: SessionStore,
    /// Events after a restore repeat what the transcript already says: no new notes for them.
    replaying: bool,
    /// Whether this tab runs the chat or another tab does.
    tab: tabs::TabState,
}

impl Inner {
    /// Appends a row to the transcript (shown and stored at the next save).
    fn push_row(&mut self, item: Item) {
        self.transcript.push(item);
        self.transcript_store
            .changed(self.transcript.items.len().saturating_sub(1));
    }
}

/// The driver: cheap to clone (one shared state).
#[derive(Clone)]
pub struct Driver {
    inner: Rc<RefCell<Inner>>,
    view: ChatView,
    /// One poller per chat across tabs.
    tabs: TabLock,
}

impl Driver {
    /// A driver for `config`, resuming the chat saved in sessionStorage if there is one.
    pub fn new(config: &Config, view: ChatView) -> Driver {
        let engine_cfg = engine_config(config);
        let store = SessionStore::new(STORAGE_PREFIX);
        let now = now_ms();

        let saved = store.get::<Saved>(KEY_SNAPSHOT).filter(|s| {
            s.endpoint == config.endpoint
                && s.org_id == config.org_id
                && s.deployment_id == config.deployment_id
                && s.button_id == config.button_id
        });
        let mut transcript_store = TranscriptStore::new(KEY_TRANSCRIPT);
        let (engine, transcript, replaying) = match saved {
            Some(saved) => {
                let engine = Engine::restore(engine_cfg.clone(), saved.engine, now);
                let transcript = transcript_store.load(&store);
                (engine, transcript, true)
            }
            None => {
                store.remove(KEY_SNAPSHOT);
                transcript_store.discard(&store);
                (
                    Engine::new(engine_cfg.clone()),
                    Transcript::default(),
                    false,
                )
            }
        };
        let ui = store.get::<UiState>(KEY_UI).unwrap_or_default();

        view.state.set(engine.state().clone());
        view.agent.set(engine.agent_name().map(str::to_string));
        view.rows.reset(&transcript.items);
        view.open.set(ui.open);
        view.unread.set(if ui.open { 0 } else { ui.unread });

        let driver = Driver {
            inner: Rc::new(RefCell::new(Inner {
                engine,
                engine_cfg,
                endpoint: config.endpoint.clone(),
                inflight: HashMap::new(),
                next_token: 1,
                timer: None,
                typing_timer: None,
                visitor_typing: false,
                view_len: transcript.items.len(),
                transcript,
                transcript_dirty: false,
                status_changed: Vec::new(),
                transcript_store,
                saved_snapshot: None,
                saved_ui: Some(ui),
                store,
                replaying,
                tab: tabs::TabState::default(),
            })),
            view,
            tabs: TabLock::new(),
        };
        // A saved chat polls only once no other tab (a duplicate) has it.
        if !driver.start_tabs() {
            driver.pump();
        }
        if let Ok(mut inner) = driver.inner.try_borrow_mut() {
            inner.replaying = false;
        }
        driver
    }

    /// Runs `f` on the shared state; `None` (and a console error) if it is already borrowed,
    /// which would be a bug in the driver: never a panic.
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> Option<R> {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => Some(f(&mut inner)),
            Err(_) => {
                web_sys::console::error_1(
                    &"chasitor: internal error: the driver was re-entered".into(),
                );
                None
            }
        }
    }

    /// The signals the UI reads.
    pub fn view(&self) -> ChatView {
        self.view
    }

    // ----- visitor intents -----

    /// The visitor sent the pre-chat form.
    pub fn start(&self, prechat: Prechat) {
        self.with(|inner| {
            inner.transcript = Transcript::default();
            inner.transcript_dirty = true;
        });
        self.view.agent.set(None);
        self.view.queue.set(QueueInfo::default());
        self.view.banner.set(None);
        self.handle(Input::Start(prechat));
    }

    /// The visitor sends `text` (already trimmed and within the length limit).
    pub fn send(&self, text: String) {
        if text.trim().is_empty() {
            return;
        }
        super::extras::cancel_sneak_peek();
        self.with(|inner| {
            let local_id = inner.transcript.take_local_id();
            inner.push_row(Item {
                id: 0,
                author: Author::Visitor,
                name: String::new(),
                text: text.clone(),
                note: None,
                at: js_sys::Date::now(),
                local_id: Some(local_id),
                status: Some(crate::engine::Delivery::Queued),
            });
            let (now, rand) = (now_ms(), random_u32());
            inner
                .engine
                .handle(Input::SendText { local_id, text }, now, rand);
        });
        // After the text: the message ends typing in the engine (and on the agent's side), so
        // no ChasitorNotTyping goes ahead of it (a round trip more before the agent has it).
        self.stop_typing_inner();
        self.pump();
    }

    /// The visitor typed: `text` is the composer's content now.
    pub fn typed(&self, text: &str) {
        if text.is_empty() {
            self.stop_typing_inner();
            self.pump();
            return;
        }
        let me = self.clone();
        self.with(move |inner| {
            let (now, rand) = (now_ms(), random_u32());
            if !inner.visitor_typing {
                inner.visitor_typing = true;
                inner.engine.handle(Input::Typing(true), now, rand);
            }
            if let Some(t) = inner.typing_timer.take() {
                t.clear();
            }
            inner.typing_timer = set_timeout_with_handle(
                move || {
                    if let Ok(mut inner) = me.inner.try_borrow_mut() {
                        inner.typing_timer = None;
                    }
                    me.stop_typing_inner();
                    me.pump();
                },
                Duration::from_millis(TYPING_IDLE_MS),
            )
            .ok();
        });
        self.pump();
        // What is typed goes as a sneak peek after a pause (debounced, if the owner allows it).
        super::extras::sneak_peek(self, text);
    }

    /// The visitor confirmed ending the chat.
    pub fn end(&self) {
        self.stop_typing_inner();
        self.handle(Input::End);
    }

    /// After the chat ended: back to a fresh pre-chat form.
    pub fn new_chat(&self) {
        let renewed = self.with(|inner| {
            if !inner.engine.state().is_ended() {
                return false;
            }
            let cfg = inner.engine_cfg.clone();
            inner.engine = Engine::new(cfg);
            inner.transcript = Transcript::default();
            inner.transcript_dirty = true;
            true
        });
        if renewed != Some(true) {
            return;
        }
        self.view.agent.set(None);
        self.view.agent_typing.set(false);
        self.view.queue.set(QueueInfo::default());
        self.view.banner.set(None);
        self.view.state.set(ChatState::Idle);
        self.pump();
    }

    /// The window was opened (`true`) or minimised.
    pub fn set_open(&self, open: bool) {
        self.view.open.set(open);
        if open {
            self.view.unread.set(0);
        }
        self.save_ui();
    }

    // ----- the loop -----

    /// Feeds one input to the engine and does what it asks.
    pub fn handle(&self, input: Input) {
        self.with(|inner| {
            let (now, rand) = (now_ms(), random_u32());
            inner.engine.handle(input, now, rand);
        });
        self.pump();
    }

    fn stop_typing_inner(&self) {
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            return;
        };
        if let Some(t) = inner.typing_timer.take() {
            t.clear();
        }
        if inner.visitor_typing {
            inner.visitor_typing = false;
            let (now, rand) = (now_ms(), random_u32());
            inner.engine.handle(Input::Typing(false), now, rand);
        }
    }

    /// Does what the engine asks: aborts, fetches, events, the timer, then saves.
    fn pump(&self) {
        if !self.runs_here() {
            return;
        }
        let mut requests = Vec::new();
        let mut events = Vec::new();
        {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            while let Some(id) = inner.engine.poll_abort() {
                if let Some((_, Some(controller))) = inner.inflight.remove(&id) {
                    controller.abort();
                }
            }
            while let Some(req) = inner.engine.poll_request() {
                requests.push(req);
            }
            while let Some(event) = inner.engine.poll_event() {
                events.push(event);
            }
        }
        for event in events {
            self.apply(event);
        }
        for req in requests {
            self.issue(req);
        }
        self.schedule();
        self.save();
        self.sync_tab();
    }

    fn issue(&self, req: HttpRequest) {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        let Some((endpoint, token)) = self.with(|inner| {
            let token = inner.next_token;
            inner.next_token += 1;
            inner.inflight.insert(req.id, (token, controller));
            (inner.endpoint.clone(), token)
        }) else {
            return;
        };
        let me = self.clone();
        leptos::task::spawn_local(async move {
            let outcome = net::fetch(&endpoint, &req, signal.as_ref()).await;
            {
                let Ok(mut inner) = me.inner.try_borrow_mut() else {
                    return;
                };
                match inner.inflight.get(&req.id) {
                    Some((t, _)) if *t == token => {
                        inner.inflight.remove(&req.id);
                    }
                    // Aborted: the engine gave up on it and expects nothing more.
                    _ => return,
                }
            }
            if let crate::engine::Outcome::Http { status, .. } = &outcome {
                if (200..300).contains(status)
                    && me.view.banner.get_untracked() == Some(Banner::ConnectionProblem)
                {
                    me.view.banner.set(None);
                }
            } else if let crate::engine::Outcome::Network(detail) = &outcome {
                console_warn(&format!(
                    "chasitor: {} {}{}: {detail}",
                    req.method.as_str(),
                    endpoint,
                    req.path
                ));
            }
            me.handle(Input::Response {
                id: req.id,
                outcome,
            });
        });
    }

    /// One timer, for the engine's next deadline.
    fn schedule(&self) {
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            return;
        };
        let deadline = inner.engine.next_deadline();
        if let Some((handle, at)) = inner.timer {
            if Some(at) == deadline {
                return;
            }
            handle.clear();
            inner.timer = None;
        }
        let Some(at) = deadline else {
            return;
        };
        let wait = at.saturating_sub(now_ms()).min(MAX_TIMER_MS);
        let me = self.clone();
        let handle = set_timeout_with_handle(
            move || {
                if let Ok(mut inner) = me.inner.try_borrow_mut() {
                    inner.timer = None;
                }
                me.handle(Input::Tick);
            },
            Duration::from_millis(wait),
        );
        if let Ok(handle) = handle {
            inner.timer = Some((handle, at));
        }
    }

    /// Forwards one engine event into the view (and the transcript).
    fn apply(&self, event: Event) {
        let replaying = self.inner.try_borrow().is_ok_and(|i| i.replaying);
        super::extras::engine_event(&event, replaying);
        let view = self.view;
        match event {
            Event::State(state) => {
                if let ChatState::Ended(reason) = &state {
                    view.agent_typing.set(false);
                    view.banner.set(None);
                    let agent = view.agent.get_untracked().unwrap_or_default();
                    match reason {
                        EndReason::Agent => self.note(Note::AgentEnded, agent),
                        // The ended view says so; no row for it.
                        EndReason::Visitor => {}
                        EndReason::Error(detail) => web_sys::console::error_1(
                            &format!("chasitor: the chat ended: {detail}").into(),
                        ),
                        EndReason::DuplicatePoll => console_warn(
                            "chasitor: the chat ended: the server saw a second long poll for it (HTTP 409)",
                        ),
                        EndReason::SessionInvalid => console_warn(
                            "chasitor: the chat ended: the server no longer knows the session (HTTP 403)",
                        ),
                        EndReason::RequestFailed { reason } => console_warn(&format!(
                            "chasitor: the chat request failed (ChatRequestFail: {reason})"
                        )),
                    }
                }
                if state != ChatState::Established && state != ChatState::Reconnecting {
                    view.agent_typing.set(false);
                }
                view.state.set(state);
            }
            Event::Queue {
                position,
                estimated_wait_secs,
            } => view.queue.set(QueueInfo {
                position: position.filter(|p| *p > 0),
                estimated_wait_secs,
            }),
            Event::AgentJoined { name, .. } => {
                view.agent.set(Some(name.clone()));
                self.note(Note::AgentJoined, name);
            }
            Event::AgentTyping(typing) => view.agent_typing.set(typing),
            Event::AgentMessage { name, text } => {
                view.agent_typing.set(false);
                self.with(|inner| {
                    inner.push_row(Item {
                        id: 0,
                        author: Author::Agent,
                        name,
                        text,
                        note: None,
                        at: js_sys::Date::now(),
                        local_id: None,
                        status: None,
                    });
                });
                if !view.open.get_untracked() {
                    view.unread.update(|n| *n = n.saturating_add(1));
                    self.save_ui();
                }
            }
            Event::Transferred { name } => {
                view.agent.set(Some(name.clone()));
                self.note(Note::Transferred, name);
            }
            Event::AgentDisconnected => {
                view.agent_typing.set(false);
                self.note(Note::AgentLeft, String::new());
            }
            Event::IdleWarning(on) => {
                if on {
                    view.banner.set(Some(Banner::IdleWarning));
                } else if view.banner.get_untracked() == Some(Banner::IdleWarning) {
                    view.banner.set(None);
                }
            }
            Event::CustomEvent { event_type, .. } => {
                web_sys::console::debug_1(
                    &format!("chasitor: custom event {event_type:?} from the agent").into(),
                );
            }
            Event::VisitorMessage { local_id, status } => {
                self.with(|inner| {
                    if let Some(index) = inner.transcript.set_status(local_id, status) {
                        inner.transcript_store.changed(index);
                        inner.status_changed.push(index);
                    }
                });
            }
            Event::PostChatUrl(_) => {}
            Event::Error(error) => {
                console_warn(&format!("chasitor: {error}"));
                if matches!(error, EngineError::Retrying { .. }) {
                    view.banner.set(Some(Banner::ConnectionProblem));
                }
            }
        }
    }

    /// Appends a system row (not while replaying a restore: the transcript has it already).
    fn note(&self, note: Note, name: String) {
        self.with(|inner| {
            if inner.replaying {
                return;
            }
            inner.push_row(Item {
                id: 0,
                author: Author::System,
                name,
                text: String::new(),
                note: Some(note),
                at: js_sys::Date::now(),
                local_id: None,
                status: None,
            });
        });
    }

    /// Publishes what changed in the transcript (new rows, statuses: never the whole list) and
    /// writes what changed to sessionStorage.
    fn save(&self) {
        let Ok(mut guard) = self.inner.try_borrow_mut() else {
            return;
        };
        let inner = &mut *guard;
        let rows = self.view.rows;
        if std::mem::take(&mut inner.transcript_dirty) {
            rows.reset(&inner.transcript.items);
            inner.view_len = inner.transcript.items.len();
            inner.status_changed.clear();
            inner.transcript_store.changed(0);
        } else {
            for item in inner.transcript.items.iter().skip(inner.view_len) {
                rows.push(item.clone());
            }
            inner.view_len = inner.transcript.items.len();
            for index in std::mem::take(&mut inner.status_changed) {
                if let Some(item) = inner.transcript.items.get(index) {
                    rows.set_status(index, item.status);
                }
            }
        }
        if *inner.engine.state() == ChatState::Idle {
            if inner.saved_snapshot.as_deref() != Some("") {
                inner.store.remove(KEY_SNAPSHOT);
                inner.transcript_store.clear(&inner.store);
                inner.saved_snapshot = Some(String::new());
            }
            return;
        }
        // The transcript first: a snapshot is never newer than the transcript it goes with.
        if let Err(e) = inner.transcript_store.save(&inner.store, &inner.transcript) {
            console_warn(&format!("chasitor: {e}"));
        }
        let cfg = &inner.engine_cfg;
        let saved = Saved {
            endpoint: inner.endpoint.clone(),
            org_id: cfg.org_id.clone(),
            deployment_id: cfg.deployment_id.clone(),
            button_id: cfg.button_id.clone(),
            engine: inner.engine.snapshot(),
        };
        let Ok(json) = serde_json::to_string(&saved) else {
            return;
        };
        if inner.saved_snapshot.as_deref() != Some(json.as_str()) {
            if let Err(e) = inner.store.set(KEY_SNAPSHOT, &saved) {
                console_warn(&format!("chasitor: {e}"));
            }
            inner.saved_snapshot = Some(json);
        }
    }

    fn save_ui(&self) {
        let ui = UiState {
            open: self.view.open.get_untracked(),
            unread: self.view.unread.get_untracked(),
        };
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            return;
        };
        if inner.saved_ui != Some(ui) {
            let _ = inner.store.set(KEY_UI, &ui);
            inner.saved_ui = Some(ui);
        }
    }
}

/// What the engine needs from the settings and the browser.
pub fn engine_config(config: &Config) -> EngineConfig {
    let window = web_sys::window();
    let navigator = window.as_ref().map(|w| w.navigator());
    let language = config
        .language
        .clone()
        .or_else(|| navigator.as_ref().and_then(|n| n.language()))
        .unwrap_or_else(|| "en-US".to_string());
    let user_agent = navigator
        .as_ref()
        .and_then(|n| n.user_agent().ok())
        .unwrap_or_default();
    let screen_resolution = window
        .as_ref()
        .and_then(|w| w.screen().ok())
        .and_then(|s| Some(format!("{}x{}", s.width().ok()?, s.height().ok()?)))
        .unwrap_or_default();
    EngineConfig {
        org_id: config.org_id.clone(),
        deployment_id: config.deployment_id.clone(),
        button_id: config.button_id.clone(),
        api_version: config.api_version.clone(),
        language,
        user_agent,
        screen_resolution,
        ..EngineConfig::default()
    }
}
