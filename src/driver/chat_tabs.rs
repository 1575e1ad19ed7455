//! The driver's half of the tab lock ([`super::super::tab_lock`]): only the tab that owns a chat
//! runs its engine. A tab that finds its saved chat owned elsewhere shows the notice and stays
//! quiet; "continue here" moves the chat over with the owner's latest state; a tab that gives the
//! chat away stops at once (its poll aborted) and shows the notice in turn.

use super::{now_ms, Driver, Saved, KEY_SNAPSHOT, KEY_TRANSCRIPT};
use crate::driver::tab_lock::{lock_name, TabSignal};
use crate::driver::view::Transcript;
use crate::engine::{ChatState, Engine};
use leptos::prelude::Set;
use std::time::Duration;

/// How long a tab that gives the chat away waits after aborting its poll before the other tab
/// may poll: time for the server to see the aborted connection close.
const HANDOVER_PAUSE_MS: u64 = 150;

/// Where this tab stands with its chat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TabRole {
    /// No chat with a session (idle, or the session is being created): the engine runs.
    #[default]
    Free,
    /// A saved chat is resumed once the lock says no other tab has it; the engine waits.
    Claiming,
    /// This tab polls the chat.
    Owner,
    /// Another tab has the chat; the engine is stopped.
    Elsewhere,
}

/// The tab state kept in the driver.
#[derive(Clone, Debug, Default)]
pub struct TabState {
    pub role: TabRole,
    /// The owner's state from a handover, used when the lock is granted.
    handover: Option<(Saved, Transcript)>,
}

fn live(state: &ChatState) -> bool {
    !matches!(state, ChatState::Idle | ChatState::Ended(_))
}

impl Driver {
    /// Wires the tab lock to this driver; claims the restored chat if it has a session. `true`
    /// when the engine must wait for the claim (the caller then does not pump).
    pub(super) fn start_tabs(&self) -> bool {
        let me = self.clone();
        self.tabs
            .set_handler(move |signal| me.on_tab_signal(signal));
        let chat = self.with(|inner| {
            let session = inner.engine.snapshot().session?;
            if !live(inner.engine.state()) {
                return None;
            }
            inner.tab.role = TabRole::Claiming;
            Some(lock_name(&inner.endpoint, &session.id))
        });
        match chat.flatten() {
            Some(chat) => {
                self.tabs.claim(&chat, false);
                true
            }
            None => false,
        }
    }

    /// Whether the engine may run in this tab now.
    pub(super) fn runs_here(&self) -> bool {
        self.inner
            .try_borrow()
            .map(|i| matches!(i.tab.role, TabRole::Free | TabRole::Owner))
            .unwrap_or(false)
    }

    /// After each pump: a chat that got a session (or a new one) is claimed for this tab; an
    /// ended chat needs no poller, so its lock goes (with its last state for the other tabs).
    pub(super) fn sync_tab(&self) {
        enum Step {
            Claim(String),
            Release,
        }
        let step = self
            .with(|inner| {
                if !matches!(inner.tab.role, TabRole::Free | TabRole::Owner) {
                    return None;
                }
                if !live(inner.engine.state()) {
                    if inner.tab.role == TabRole::Owner {
                        inner.tab.role = TabRole::Free;
                        return Some(Step::Release);
                    }
                    return None;
                }
                let session = inner.engine.snapshot().session?;
                inner.tab.role = TabRole::Owner;
                Some(Step::Claim(lock_name(&inner.endpoint, &session.id)))
            })
            .flatten();
        match step {
            // A session this tab just created: nobody else can have it.
            Some(Step::Claim(chat)) if self.tabs.chat().as_deref() != Some(chat.as_str()) => {
                self.tabs.claim(&chat, true);
            }
            Some(Step::Release) => {
                if let Some((saved, transcript)) = self.saved_texts() {
                    self.tabs.publish(saved, transcript);
                }
                self.tabs.release();
            }
            _ => {}
        }
    }

    /// "Continue here": asks the tab that has the chat to hand it over.
    pub fn take_over(&self) {
        let elsewhere = self
            .inner
            .try_borrow()
            .map(|i| i.tab.role == TabRole::Elsewhere)
            .unwrap_or(false);
        if elsewhere {
            self.view.taking_over.set(true);
            self.tabs.take_over();
        }
    }

    fn on_tab_signal(&self, signal: TabSignal) {
        let role = match self.inner.try_borrow() {
            Ok(i) => i.tab.role,
            Err(_) => return,
        };
        match signal {
            TabSignal::Granted => {
                if matches!(role, TabRole::Claiming | TabRole::Elsewhere) {
                    self.resume();
                }
            }
            TabSignal::Elsewhere => {
                self.with(|inner| inner.tab.role = TabRole::Elsewhere);
                self.view.taking_over.set(false);
                self.view.other_tab.set(true);
            }
            TabSignal::Lost => {
                if role == TabRole::Owner {
                    self.suspend();
                }
            }
            TabSignal::HandOverRequested => {
                if role != TabRole::Owner {
                    return;
                }
                self.suspend();
                let me = self.clone();
                leptos::prelude::set_timeout(
                    move || me.hand_over(),
                    Duration::from_millis(HANDOVER_PAUSE_MS),
                );
            }
            TabSignal::HandedOver { saved, transcript } => {
                let saved = serde_json::from_str::<Saved>(&saved).ok();
                let transcript = serde_json::from_str::<Transcript>(&transcript).ok();
                self.with(|inner| {
                    let (Some(s), Some(t)) = (saved, transcript) else {
                        return;
                    };
                    let cfg = &inner.engine_cfg;
                    if s.endpoint != inner.endpoint
                        || s.org_id != cfg.org_id
                        || s.deployment_id != cfg.deployment_id
                        || s.button_id != cfg.button_id
                    {
                        return;
                    }
                    // Stored too: a reload of this tab starts from the owner's latest state.
                    let _ = inner.store.set(KEY_TRANSCRIPT, &t);
                    let _ = inner.store.set(KEY_SNAPSHOT, &s);
                    inner.tab.handover = Some((s, t));
                });
            }
            TabSignal::Leaving => {
                if role == TabRole::Owner {
                    if let Some((saved, transcript)) = self.saved_texts() {
                        self.tabs.publish(saved, transcript);
                    }
                }
            }
        }
    }

    /// Stops everything this tab does for the chat: requests aborted, timers cleared. The
    /// notice shows.
    fn suspend(&self) {
        self.with(|inner| {
            inner.tab.role = TabRole::Elsewhere;
            for (_, (_, controller)) in inner.inflight.drain() {
                if let Some(c) = controller {
                    c.abort();
                }
            }
            if let Some((handle, _)) = inner.timer.take() {
                handle.clear();
            }
            if let Some(t) = inner.typing_timer.take() {
                t.clear();
            }
            inner.visitor_typing = false;
        });
        self.view.agent_typing.set(false);
        self.view.banner.set(None);
        self.view.taking_over.set(false);
        self.view.other_tab.set(true);
    }

    /// Sends this (stopped) tab's latest state to the tab that asked, and lets the lock go.
    fn hand_over(&self) {
        if let Some((saved, transcript)) = self.saved_texts() {
            self.tabs.hand_over(saved, transcript);
        }
    }

    /// This tab's chat as JSON texts: the saved snapshot and the transcript.
    fn saved_texts(&self) -> Option<(String, String)> {
        self.with(|inner| {
            let cfg = &inner.engine_cfg;
            let saved = Saved {
                endpoint: inner.endpoint.clone(),
                org_id: cfg.org_id.clone(),
                deployment_id: cfg.deployment_id.clone(),
                button_id: cfg.button_id.clone(),
                engine: inner.engine.snapshot(),
            };
            (
                serde_json::to_string(&saved).unwrap_or_default(),
                serde_json::to_string(&inner.transcript).unwrap_or_default(),
            )
        })
    }

    /// This tab has the chat now: the engine restarts from the handed-over state (or its own,
    /// when no owner answered), with fresh deadlines, and polls.
    fn resume(&self) {
        let restored = self.with(|inner| {
            let (snapshot, transcript) = match inner.tab.handover.take() {
                Some((saved, transcript)) => (saved.engine, transcript),
                None => (inner.engine.snapshot(), inner.transcript.clone()),
            };
            inner.engine = Engine::restore(inner.engine_cfg.clone(), snapshot, now_ms());
            inner.transcript = transcript;
            inner.transcript_dirty = true;
            // Written again whatever this tab had stored.
            inner.saved_snapshot = None;
            inner.replaying = true;
            inner.tab.role = TabRole::Owner;
            (
                inner.engine.state().clone(),
                inner.engine.agent_name().map(str::to_string),
            )
        });
        let Some((state, agent)) = restored else {
            return;
        };
        self.view.state.set(state);
        self.view.agent.set(agent);
        self.view.other_tab.set(false);
        self.view.taking_over.set(false);
        self.pump();
        self.with(|inner| inner.replaying = false);
    }
}
