//! The tab coordinator: one poller per chat across the tabs of a browser. A duplicated tab copies
//! sessionStorage, and a second long poll for the same session would make the server answer 409
//! and end the chat.
//!
//! The tab that polls a chat holds the Web Lock `chasitor:poll:<hash of the session id>` (the key
//! never appears; the id is hashed), taken with `ifAvailable` and held until the tab lets go.
//! Tabs talk over the `BroadcastChannel` `chasitor:tabs`:
//!
//! - `ping` / `pong`: a tab that finds the lock taken asks whether an owner is alive (after a page
//!   reload the old document's lock can outlive it for a moment: no `pong`, so it retries);
//! - `release` / `released`: "continue here". The tab that wants the chat asks the owner to let
//!   go; the owner stops (aborting its poll), answers with its latest snapshot and transcript
//!   (sessionStorage is per tab, so the asking tab's copy is stale: an old ack would get 409),
//!   releases the lock and shows the notice in turn. The asking tab stores the state and takes
//!   the lock (`steal`, in case the owner is gone or frozen and never answers);
//! - `left`: the owner's last state as its page goes away.
//!
//! Without Web Locks (old browsers) the same messages decide alone.
//!
//! Sans-IO: the coordinator asks for locks and posts messages through [`TabEffect`]s, tells its
//! owner what happened through [`TabSignal`]s, and is woken at [`Tabs::next_deadline`]. The lock
//! answers come back through [`Tabs::lock_answer`] and [`Tabs::lock_lost`], each with the
//! generation of the claim it belongs to, so a late answer of an older claim changes nothing.

use super::Millis;
use serde::Serialize;

/// The BroadcastChannel every tab of the site listens on.
pub const CHANNEL: &str = "chasitor:tabs";
/// The prefix of a chat's lock name.
pub const LOCK_PREFIX: &str = "chasitor:poll:";
/// How long a tab that found the lock taken waits for the owner's `pong`, per attempt.
pub const PING_WAIT_MS: u64 = 300;
/// Attempts before a taken lock without an answering owner counts as another tab's.
pub const CLAIM_ATTEMPTS: u32 = 8;
/// How long "continue here" waits for the owner's `released` before taking the lock anyway.
pub const RELEASE_WAIT_MS: u64 = 2_000;

/// How a lock is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Only if no tab holds it (answered at once, granted or not).
    IfAvailable,
    /// Wait for it.
    Wait,
    /// Take it from whoever holds it.
    Steal,
}

/// What the coordinator asks the browser to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabEffect {
    /// `navigator.locks.request(name, mode)`; answer with [`Tabs::lock_answer`] (and, should a
    /// held lock be stolen, [`Tabs::lock_lost`]) with this `generation`.
    RequestLock {
        name: String,
        mode: LockMode,
        generation: u64,
    },
    /// Let go of the lock granted for `generation`.
    ReleaseLock { generation: u64 },
    /// Post this text on the tabs' channel.
    Post(String),
}

/// What the coordinator tells its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabSignal {
    /// This tab owns the chat now: run the engine.
    Granted,
    /// Another tab owns the chat.
    Elsewhere,
    /// This tab owned the chat and lost it (the lock was stolen): stop at once.
    Lost,
    /// Another tab asks for the chat: stop, then [`Tabs::hand_over`].
    HandOverRequested,
    /// The owner handed the chat over with its latest saved state (the JSON texts of the snapshot
    /// and the transcript): after "continue here" ([`TabSignal::Granted`] follows), or when the
    /// owner's page went away (kept for a later "continue here").
    HandedOver { saved: String, transcript: String },
}

/// Written by the derived `Serialize`, read by hand ([`Msg::read`]: no derived `Deserialize` in
/// the wasm, issue 15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

impl Msg {
    /// A message of the channel, `None` for anything else.
    fn read(text: &str) -> Option<Msg> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let s = |k: &str| v.get(k)?.as_str().map(str::to_owned);
        Some(match v.get("kind")?.as_str()? {
            "ping" => Msg::Ping {
                chat: s("chat")?,
                from: s("from")?,
            },
            "pong" => Msg::Pong {
                chat: s("chat")?,
                to: s("to")?,
            },
            "release" => Msg::Release {
                chat: s("chat")?,
                from: s("from")?,
            },
            "released" => Msg::Released {
                chat: s("chat")?,
                to: s("to")?,
                saved: s("saved")?,
                transcript: s("transcript")?,
            },
            "left" => Msg::Left {
                chat: s("chat")?,
                saved: s("saved")?,
                transcript: s("transcript")?,
            },
            _ => return None,
        })
    }
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

/// What a lock request was for: what its answer leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// A session this tab made: owned already, the lock follows.
    Fresh,
    /// One attempt of a claim.
    Claim,
    /// "Continue here" takes the lock.
    Steal,
}

/// The tab coordinator. See the module documentation.
#[derive(Clone, Debug)]
pub struct Tabs {
    tab_id: String,
    web_locks: bool,
    chat: Option<String>,
    phase: Phase,
    /// Bumped whenever the chat or the phase starts over: answers of an older claim are ignored.
    generation: u64,
    /// Lock requests on their way, by generation.
    pending: Vec<(u64, Purpose)>,
    /// The generation whose lock this tab holds.
    held: Option<u64>,
    pong: bool,
    /// The tab that asked for the chat ("continue here").
    handover_to: Option<String>,
    /// When to look at the pings' answers (a claim's attempt).
    ping_at: Option<Millis>,
    /// When "continue here" stops waiting for the owner.
    release_at: Option<Millis>,
    effects: Vec<TabEffect>,
    signals: Vec<TabSignal>,
}

impl Tabs {
    /// A coordinator for the tab `tab_id` (random, unique per page); `web_locks`: whether the
    /// browser has `navigator.locks`.
    pub fn new(tab_id: String, web_locks: bool) -> Tabs {
        Tabs {
            tab_id,
            web_locks,
            chat: None,
            phase: Phase::Idle,
            generation: 0,
            pending: Vec::new(),
            held: None,
            pong: false,
            handover_to: None,
            ping_at: None,
            release_at: None,
            effects: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// The next thing to do in the browser.
    #[must_use]
    pub fn poll_effect(&mut self) -> Option<TabEffect> {
        (!self.effects.is_empty()).then(|| self.effects.remove(0))
    }

    /// The next thing the owner should learn.
    #[must_use]
    pub fn poll_signal(&mut self) -> Option<TabSignal> {
        (!self.signals.is_empty()).then(|| self.signals.remove(0))
    }

    /// Whether effects or signals wait to be polled.
    pub fn has_output(&self) -> bool {
        !self.effects.is_empty() || !self.signals.is_empty()
    }

    /// When to call [`Tabs::tick`] next.
    pub fn next_deadline(&self) -> Option<Millis> {
        [self.ping_at, self.release_at].into_iter().flatten().min()
    }

    /// Whether this tab owns the chat it claimed.
    pub fn owns(&self) -> bool {
        self.phase == Phase::Owner
    }

    /// The lock name of the chat claimed, if any.
    pub fn chat(&self) -> Option<&str> {
        self.chat.as_deref()
    }

    fn post(&mut self, msg: &Msg) {
        if let Ok(text) = serde_json::to_string(msg) {
            self.effects.push(TabEffect::Post(text));
        }
    }

    fn let_go(&mut self) {
        if let Some(generation) = self.held.take() {
            self.effects.push(TabEffect::ReleaseLock { generation });
        }
    }

    /// Lets go of the chat claimed (if any): the lock is released, the answers of the old claim
    /// are ignored.
    pub fn release(&mut self) {
        self.generation += 1;
        self.chat = None;
        self.phase = Phase::Idle;
        self.ping_at = None;
        self.release_at = None;
        self.let_go();
    }

    /// Claims `chat` (a [`lock_name`]). `fresh`: a session this tab just created, which no other
    /// tab can know; it is owned at once (the lock follows). Otherwise the answer comes as
    /// [`TabSignal::Granted`] or [`TabSignal::Elsewhere`].
    pub fn claim(&mut self, chat: &str, fresh: bool, now: Millis) {
        if self.chat.as_deref() == Some(chat) && self.owns() {
            return;
        }
        self.release();
        self.chat = Some(chat.to_string());
        if fresh {
            self.phase = Phase::Owner;
            self.acquire(LockMode::Wait, Purpose::Fresh, now);
        } else {
            self.phase = Phase::Claiming { attempt: 0 };
            self.acquire(LockMode::IfAvailable, Purpose::Claim, now);
        }
    }

    fn acquire(&mut self, mode: LockMode, purpose: Purpose, now: Millis) {
        let Some(name) = self.chat.clone() else {
            return;
        };
        let generation = self.generation;
        if !self.web_locks {
            // No Web Locks: the channel's answers alone decide. "Taken" makes a claim ping; no
            // pong then grants it (see `after_ping`).
            self.answered(generation, purpose, mode != LockMode::IfAvailable, now);
            return;
        }
        self.pending.push((generation, purpose));
        self.effects.push(TabEffect::RequestLock {
            name,
            mode,
            generation,
        });
    }

    /// The browser's answer to [`TabEffect::RequestLock`]: `got` the lock or not (taken, with
    /// `ifAvailable`). A lock request the browser refused outright counts as got: the tab goes
    /// on alone.
    pub fn lock_answer(&mut self, generation: u64, got: bool, now: Millis) {
        let Some(index) = self.pending.iter().position(|(g, _)| *g == generation) else {
            return;
        };
        let (_, purpose) = self.pending.remove(index);
        if got {
            if generation == self.generation && self.held.is_none() {
                self.held = Some(generation);
            } else {
                // A newer claim started meanwhile (or the lock is held already): give it back.
                self.effects.push(TabEffect::ReleaseLock { generation });
                return;
            }
        }
        self.answered(generation, purpose, got, now);
    }

    fn answered(&mut self, generation: u64, purpose: Purpose, got: bool, now: Millis) {
        if generation != self.generation {
            return;
        }
        match purpose {
            Purpose::Fresh => {}
            Purpose::Claim if got => self.granted(),
            Purpose::Claim => {
                // Taken: by a live tab (it answers the ping), or by this tab's previous page that
                // is going away (no answer: try again shortly).
                let (Some(chat), from) = (self.chat.clone(), self.tab_id.clone()) else {
                    return;
                };
                self.pong = false;
                self.post(&Msg::Ping { chat, from });
                self.ping_at = Some(now.saturating_add(PING_WAIT_MS));
            }
            Purpose::Steal if got => self.granted(),
            Purpose::Steal => {}
        }
    }

    /// The lock held for `generation` was taken by another tab (stolen).
    pub fn lock_lost(&mut self, generation: u64) {
        if self.held != Some(generation) {
            return;
        }
        self.held = None;
        if generation == self.generation && self.phase == Phase::Owner {
            self.generation += 1;
            self.phase = Phase::Elsewhere;
            self.signals.push(TabSignal::Lost);
        }
    }

    fn granted(&mut self) {
        self.phase = Phase::Owner;
        self.ping_at = None;
        self.release_at = None;
        self.signals.push(TabSignal::Granted);
    }

    /// The time from [`Tabs::next_deadline`] has come.
    pub fn tick(&mut self, now: Millis) {
        if self.ping_at.is_some_and(|t| t <= now) {
            self.ping_at = None;
            self.after_ping(now);
        }
        if self.release_at.is_some_and(|t| t <= now) {
            self.release_at = None;
            if self.phase == Phase::TakingOver {
                // The owner did not answer (gone, or frozen): take the lock anyway.
                self.acquire(LockMode::Steal, Purpose::Steal, now);
            }
        }
    }

    fn after_ping(&mut self, now: Millis) {
        let Phase::Claiming { attempt } = self.phase else {
            return;
        };
        if !self.pong && !self.web_locks {
            self.granted();
        } else if self.pong || attempt + 1 >= CLAIM_ATTEMPTS {
            self.phase = Phase::Elsewhere;
            self.signals.push(TabSignal::Elsewhere);
        } else {
            self.phase = Phase::Claiming {
                attempt: attempt + 1,
            };
            self.acquire(LockMode::IfAvailable, Purpose::Claim, now);
        }
    }

    /// "Continue here": asks the owner for the chat; [`TabSignal::HandedOver`] and
    /// [`TabSignal::Granted`] follow (or only `Granted` when no owner answers in time).
    pub fn take_over(&mut self, now: Millis) {
        if !matches!(self.phase, Phase::Elsewhere | Phase::Claiming { .. }) {
            return;
        }
        let Some(chat) = self.chat.clone() else {
            return;
        };
        self.generation += 1;
        self.phase = Phase::TakingOver;
        self.ping_at = None;
        let from = self.tab_id.clone();
        self.post(&Msg::Release { chat, from });
        self.release_at = Some(now.saturating_add(RELEASE_WAIT_MS));
    }

    /// The owner's half of "continue here", once it stopped: sends the saved state to the tab
    /// that asked, releases the lock, and counts as elsewhere from now on.
    pub fn hand_over(&mut self, saved: String, transcript: String) {
        let (Some(chat), Some(to)) = (self.chat.clone(), self.handover_to.take()) else {
            return;
        };
        self.generation += 1;
        self.phase = Phase::Elsewhere;
        self.post(&Msg::Released {
            chat,
            to,
            saved,
            transcript,
        });
        self.let_go();
    }

    /// The owner's last state for the other tabs, as its page goes away or its chat ends.
    pub fn publish(&mut self, saved: String, transcript: String) {
        if let Some(chat) = self.chat.clone() {
            self.post(&Msg::Left {
                chat,
                saved,
                transcript,
            });
        }
    }

    /// A message from the tabs' channel.
    pub fn message(&mut self, text: &str, now: Millis) {
        let Some(msg) = Msg::read(text) else {
            return;
        };
        let ours = |chat: &str| self.chat.as_deref() == Some(chat);
        match msg {
            Msg::Ping { chat, from } if ours(&chat) && self.phase == Phase::Owner => {
                self.post(&Msg::Pong { chat, to: from });
            }
            Msg::Pong { chat, to } if ours(&chat) && to == self.tab_id => {
                self.pong = true;
            }
            Msg::Release { chat, from } if ours(&chat) && self.phase == Phase::Owner => {
                self.handover_to = Some(from);
                self.signals.push(TabSignal::HandOverRequested);
            }
            Msg::Released {
                chat,
                to,
                saved,
                transcript,
            } if ours(&chat) && to == self.tab_id && self.phase == Phase::TakingOver => {
                self.release_at = None;
                self.signals
                    .push(TabSignal::HandedOver { saved, transcript });
                // The owner has let go (or is letting go): steal covers the moment between its
                // message and its release.
                self.acquire(LockMode::Steal, Purpose::Steal, now);
            }
            Msg::Left {
                chat,
                saved,
                transcript,
            } if ours(&chat) && self.phase != Phase::Owner => {
                self.signals
                    .push(TabSignal::HandedOver { saved, transcript });
            }
            _ => {}
        }
    }
}
