//! One poller per chat across the tabs of a browser: a duplicated tab copies sessionStorage, and a
//! second long poll for the same session would make the server answer 409 and end the chat.
//!
//! The tab that polls a chat holds the Web Lock `chasitor:poll:<hash of the session id>` (the key
//! never appears; the id is hashed), taken with `ifAvailable` and held by a promise that never
//! resolves until the tab hands the chat over. Tabs talk over the `BroadcastChannel`
//! `chasitor:tabs`:
//!
//! - `ping` / `pong`: a tab that finds the lock taken asks whether an owner is alive (after a page
//!   reload the old document's lock can outlive it for a moment: no `pong`, so it retries);
//! - `release` / `released`: "continue here". The tab that wants the chat asks the owner to let
//!   go; the owner stops its driver (aborting its poll), answers with its latest snapshot and
//!   transcript (sessionStorage is per tab, so the asking tab's copy is stale: an old ack would
//!   get 409), releases the lock and shows the notice in turn. The asking tab stores the state and
//!   takes the lock (`steal`, in case the owner is gone or frozen and never answers).
//!
//! Without Web Locks (old browsers) the same messages decide alone; without BroadcastChannel
//! either, every tab polls, as before.

use js_sys::{Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The BroadcastChannel every tab of the site listens on.
pub const CHANNEL: &str = "chasitor:tabs";
/// The prefix of a chat's lock name.
pub const LOCK_PREFIX: &str = "chasitor:poll:";
/// How long a tab that found the lock taken waits for the owner's `pong`, per attempt.
const PING_WAIT_MS: u64 = 300;
/// Attempts before a taken lock without an answering owner counts as another tab's.
const CLAIM_ATTEMPTS: u32 = 8;
/// How long "continue here" waits for the owner's `released` before taking the lock anyway.
const RELEASE_WAIT_MS: u64 = 2_000;

/// What the tab lock tells the driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabSignal {
    /// This tab owns the chat now: run the engine.
    Granted,
    /// Another tab owns the chat.
    Elsewhere,
    /// This tab owned the chat and lost it (the lock was stolen): stop at once.
    Lost,
    /// Another tab asks for the chat: stop, then [`TabLock::hand_over`].
    HandOverRequested,
    /// The owner handed the chat over with its latest saved state (the JSON texts of the snapshot
    /// and the transcript): after "continue here" ([`TabSignal::Granted`] follows), or when the
    /// owner's page went away (kept for a later "continue here").
    HandedOver { saved: String, transcript: String },
    /// This tab owns the chat and its page is going away: [`TabLock::publish`] the state now.
    Leaving,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Msg {
    Ping {
        chat: String,
        from: String,
    },
    Pong {
        chat: String,
        to: String,
    },
    Release {
        chat: String,
        from: String,
    },
    Released {
        chat: String,
        to: String,
        saved: String,
        transcript: String,
    },
    /// The owner's last state, as its page goes away.
    Left {
        chat: String,
        saved: String,
        transcript: String,
    },
}

/// The lock name of the chat whose SessionId `id` is `session_id` on `endpoint`: a 64-bit FNV-1a
/// hash, so neither the id nor the key is written anywhere else.
pub fn lock_name(endpoint: &str, session_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in endpoint.bytes().chain([0u8]).chain(session_id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{LOCK_PREFIX}{h:016x}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No chat claimed.
    Idle,
    /// Finding out whether the chat is free.
    Claiming {
        attempt: u32,
    },
    Owner,
    Elsewhere,
    /// "Continue here" asked the owner to let go.
    TakingOver,
}

struct State {
    tab_id: String,
    chat: Option<String>,
    phase: Phase,
    /// Bumped whenever the chat or the phase starts over: late callbacks of an older claim are
    /// ignored.
    generation: u64,
    /// Resolves the promise that holds the lock.
    release: Option<Function>,
    pong: bool,
    /// The tab that asked for the chat ("continue here").
    handover_to: Option<String>,
    channel: Option<web_sys::BroadcastChannel>,
    handler: Option<Rc<dyn Fn(TabSignal)>>,
}

/// The tab's claim on a chat. Cheap to clone.
#[derive(Clone)]
pub struct TabLock {
    state: Rc<RefCell<State>>,
}

fn random_id() -> String {
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{a:08x}{b:08x}")
}

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    (request.is_function()).then_some(locks)
}

fn later(ms: u64, f: impl FnOnce() + 'static) {
    leptos::prelude::set_timeout(f, Duration::from_millis(ms));
}

impl TabLock {
    /// A tab lock listening on the tabs' channel (if the browser has one).
    pub fn new() -> TabLock {
        let lock = TabLock {
            state: Rc::new(RefCell::new(State {
                tab_id: random_id(),
                chat: None,
                phase: Phase::Idle,
                generation: 0,
                release: None,
                pong: false,
                handover_to: None,
                channel: None,
                handler: None,
            })),
        };
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
            let weak = Rc::downgrade(&lock.state);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |ev: web_sys::MessageEvent| {
                    let Some(text) = ev.data().as_string() else {
                        return;
                    };
                    let Ok(msg) = serde_json::from_str::<Msg>(&text) else {
                        return;
                    };
                    if let Some(state) = weak.upgrade() {
                        TabLock { state }.on_message(msg);
                    }
                },
            );
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // The widget lives as long as the page.
            on_message.forget();
            lock.state.borrow_mut().channel = Some(channel);
        }
        if let Some(window) = web_sys::window() {
            // The owner's page going away (closed, navigated): the other tabs get its last state,
            // so "continue here" there does not start from an old ack.
            let weak = Rc::downgrade(&lock.state);
            let on_hide = Closure::<dyn FnMut()>::new(move || {
                if let Some(state) = weak.upgrade() {
                    let lock = TabLock { state };
                    if lock.owns() {
                        lock.signal(TabSignal::Leaving);
                    }
                }
            });
            let _ = window
                .add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
            on_hide.forget();
        }
        lock
    }

    /// The owner's answer to [`TabSignal::Leaving`]: its saved state for the other tabs.
    pub fn publish(&self, saved: String, transcript: String) {
        if let Some(chat) = self.chat() {
            self.post(&Msg::Left {
                chat,
                saved,
                transcript,
            });
        }
    }

    /// Where the signals go (the driver).
    pub fn set_handler(&self, handler: impl Fn(TabSignal) + 'static) {
        self.state.borrow_mut().handler = Some(Rc::new(handler));
    }

    /// Whether this tab owns the chat it claimed.
    pub fn owns(&self) -> bool {
        self.state.borrow().phase == Phase::Owner
    }

    /// The lock name of the chat claimed, if any.
    pub fn chat(&self) -> Option<String> {
        self.state.borrow().chat.clone()
    }

    fn signal(&self, signal: TabSignal) {
        let handler = self.state.borrow().handler.clone();
        if let Some(h) = handler {
            h(signal);
        }
    }

    fn post(&self, msg: &Msg) {
        let state = self.state.borrow();
        if let (Some(channel), Ok(text)) = (&state.channel, serde_json::to_string(msg)) {
            let _ = channel.post_message(&JsValue::from_str(&text));
        }
    }

    /// Lets go of the chat claimed (if any): the lock is released, the signals of the old claim
    /// stop.
    pub fn release(&self) {
        let release = {
            let mut s = self.state.borrow_mut();
            s.generation += 1;
            s.chat = None;
            s.phase = Phase::Idle;
            s.release.take()
        };
        if let Some(f) = release {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }

    /// Claims `chat` (a [`lock_name`]). `fresh`: a session this tab just created, which no other
    /// tab can know; it is owned at once (the lock follows). Otherwise the answer comes as
    /// [`TabSignal::Granted`] or [`TabSignal::Elsewhere`].
    pub fn claim(&self, chat: &str, fresh: bool) {
        if self.chat().as_deref() == Some(chat) && self.owns() {
            return;
        }
        self.release();
        let generation = {
            let mut s = self.state.borrow_mut();
            s.chat = Some(chat.to_string());
            s.phase = if fresh {
                Phase::Owner
            } else {
                Phase::Claiming { attempt: 0 }
            };
            s.generation
        };
        if fresh {
            self.acquire(generation, false, |_| {});
        } else {
            self.try_claim(generation);
        }
    }

    /// One attempt of a claim: the lock if it is free, else ask whether its owner is alive.
    fn try_claim(&self, generation: u64) {
        let me = self.clone();
        self.acquire(generation, true, move |got| {
            if got {
                me.granted(generation);
                return;
            }
            // Taken: by a live tab (it answers the ping), or by this tab's previous page that
            // is going away (no answer: try again shortly).
            let chat = me.chat().unwrap_or_default();
            let from = me.state.borrow().tab_id.clone();
            me.state.borrow_mut().pong = false;
            me.post(&Msg::Ping { chat, from });
            let me2 = me.clone();
            later(PING_WAIT_MS, move || me2.after_ping(generation));
        });
    }

    fn after_ping(&self, generation: u64) {
        let (current, pong, attempt) = {
            let s = self.state.borrow();
            let attempt = match s.phase {
                Phase::Claiming { attempt } => Some(attempt),
                _ => None,
            };
            (s.generation == generation, s.pong, attempt)
        };
        let Some(attempt) = attempt.filter(|_| current) else {
            return;
        };
        if !pong && lock_manager().is_none() {
            self.granted(generation);
        } else if pong || attempt + 1 >= CLAIM_ATTEMPTS {
            self.state.borrow_mut().phase = Phase::Elsewhere;
            self.signal(TabSignal::Elsewhere);
        } else {
            self.state.borrow_mut().phase = Phase::Claiming {
                attempt: attempt + 1,
            };
            self.try_claim(generation);
        }
    }

    fn granted(&self, generation: u64) {
        {
            let mut s = self.state.borrow_mut();
            if s.generation != generation {
                return;
            }
            s.phase = Phase::Owner;
        }
        self.signal(TabSignal::Granted);
    }

    /// "Continue here": asks the owner for the chat; [`TabSignal::HandedOver`] and
    /// [`TabSignal::Granted`] follow (or only `Granted` when no owner answers in time).
    pub fn take_over(&self) {
        let (chat, from, generation) = {
            let mut s = self.state.borrow_mut();
            if !matches!(s.phase, Phase::Elsewhere | Phase::Claiming { .. }) {
                return;
            }
            s.generation += 1;
            s.phase = Phase::TakingOver;
            (s.chat.clone(), s.tab_id.clone(), s.generation)
        };
        let Some(chat) = chat else {
            return;
        };
        self.post(&Msg::Release { chat, from });
        let me = self.clone();
        later(RELEASE_WAIT_MS, move || {
            let waiting = {
                let s = me.state.borrow();
                s.generation == generation && s.phase == Phase::TakingOver
            };
            if waiting {
                // The owner did not answer (gone, or frozen): take the lock anyway.
                me.steal(generation);
            }
        });
    }

    fn steal(&self, generation: u64) {
        let me = self.clone();
        self.acquire_with(generation, LockMode::Steal, move |got| {
            if got {
                me.granted(generation);
            }
        });
    }

    /// The owner's half of "continue here", once its driver stopped: sends the saved state to the
    /// tab that asked, releases the lock, and counts as elsewhere from now on.
    pub fn hand_over(&self, saved: String, transcript: String) {
        let (chat, to) = {
            let mut s = self.state.borrow_mut();
            (s.chat.clone(), s.handover_to.take())
        };
        let (Some(chat), Some(to)) = (chat, to) else {
            return;
        };
        let release = {
            let mut s = self.state.borrow_mut();
            s.generation += 1;
            s.phase = Phase::Elsewhere;
            s.release.take()
        };
        self.post(&Msg::Released {
            chat,
            to,
            saved,
            transcript,
        });
        if let Some(f) = release {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }

    fn on_message(&self, msg: Msg) {
        let (mine, tab_id, phase) = {
            let s = self.state.borrow();
            (s.chat.clone(), s.tab_id.clone(), s.phase)
        };
        let ours = |chat: &str| mine.as_deref() == Some(chat);
        match msg {
            Msg::Ping { chat, from } if ours(&chat) && phase == Phase::Owner => {
                self.post(&Msg::Pong { chat, to: from });
            }
            Msg::Pong { chat, to } if ours(&chat) && to == tab_id => {
                self.state.borrow_mut().pong = true;
            }
            Msg::Release { chat, from } if ours(&chat) && phase == Phase::Owner => {
                self.state.borrow_mut().handover_to = Some(from);
                self.signal(TabSignal::HandOverRequested);
            }
            Msg::Released {
                chat,
                to,
                saved,
                transcript,
            } if ours(&chat) && to == tab_id && phase == Phase::TakingOver => {
                let generation = self.state.borrow().generation;
                self.signal(TabSignal::HandedOver { saved, transcript });
                // The owner has let go (or is letting go): steal covers the moment between its
                // message and its release.
                self.steal(generation);
            }
            Msg::Left {
                chat,
                saved,
                transcript,
            } if ours(&chat) && phase != Phase::Owner => {
                self.signal(TabSignal::HandedOver { saved, transcript });
            }
            _ => {}
        }
    }

    /// Requests the lock of the claimed chat; `then(true)` once held, `then(false)` when taken
    /// (`if_available`). Without Web Locks, `then(true)` at once.
    fn acquire(&self, generation: u64, if_available: bool, then: impl FnOnce(bool) + 'static) {
        let mode = if if_available {
            LockMode::IfAvailable
        } else {
            LockMode::Wait
        };
        self.acquire_with(generation, mode, then);
    }

    fn acquire_with(&self, generation: u64, mode: LockMode, then: impl FnOnce(bool) + 'static) {
        let Some(chat) = self.chat() else {
            return;
        };
        let Some(locks) = lock_manager() else {
            // No Web Locks: the channel's answers alone decide. "Taken" makes a claim ping; no
            // pong then grants it (see `after_ping`).
            then(mode != LockMode::IfAvailable);
            return;
        };
        let weak: Weak<RefCell<State>> = Rc::downgrade(&self.state);
        let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
            if lock.is_null() || lock.is_undefined() {
                then(false);
                return Promise::resolve(&JsValue::UNDEFINED).into();
            }
            let Some(state) = weak.upgrade() else {
                return Promise::resolve(&JsValue::UNDEFINED).into();
            };
            if state.borrow().generation != generation {
                // A newer claim started meanwhile: give this one back.
                return Promise::resolve(&JsValue::UNDEFINED).into();
            }
            let mut resolve_slot = None;
            let hold = Promise::new(&mut |resolve, _reject| resolve_slot = Some(resolve));
            state.borrow_mut().release = resolve_slot;
            then(true);
            hold.into()
        });
        let options = Object::new();
        let key = match mode {
            LockMode::IfAvailable => Some("ifAvailable"),
            LockMode::Steal => Some("steal"),
            LockMode::Wait => None,
        };
        if let Some(key) = key {
            let _ = Reflect::set(&options, &key.into(), &JsValue::TRUE);
        }
        let request = Reflect::get(&locks, &"request".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let promise = request.map(|f| f.call3(&locks, &chat.clone().into(), &options, &callback));
        match promise {
            Some(Ok(p)) => {
                let me = self.clone();
                let p: Promise = p.unchecked_into();
                wasm_bindgen_futures::spawn_local(async move {
                    // Settles when the lock goes: released (fine), or stolen by another tab.
                    if wasm_bindgen_futures::JsFuture::from(p).await.is_err() {
                        me.stolen(generation);
                    }
                });
            }
            _ => {
                // The page may not use Web Locks (e.g. a sandboxed frame): go on alone.
                web_sys::console::warn_1(
                    &"chasitor: Web Locks are not available here; a duplicated tab may end the chat"
                        .into(),
                );
                self.state.borrow_mut().release = None;
                // `then` went into the callback; report through the signal instead.
                self.granted(generation);
            }
        }
    }

    fn stolen(&self, generation: u64) {
        let lost = {
            let mut s = self.state.borrow_mut();
            if s.generation != generation || s.phase != Phase::Owner {
                false
            } else {
                s.generation += 1;
                s.phase = Phase::Elsewhere;
                s.release = None;
                true
            }
        };
        if lost {
            self.signal(TabSignal::Lost);
        }
    }
}

impl Default for TabLock {
    fn default() -> Self {
        TabLock::new()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LockMode {
    IfAvailable,
    Wait,
    Steal,
}
