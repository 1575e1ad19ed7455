//! What the core keeps across a reload: the keys it writes, the saved chat (with the settings it
//! belongs to) and the window's state, written after every step and read back by hand.

use super::chat::ChatSnapshot;
use super::*;
#[cfg(feature = "live-agent")]
use crate::live_agent::engine::Snapshot;
#[cfg(feature = "miaw")]
use crate::miaw::engine as miaw;
use serde::Serialize;

/// The storage keys (the driver adds its prefix).
pub const KEY_SNAPSHOT: &str = "snapshot";
pub const KEY_TRANSCRIPT: &str = "transcript";
pub const KEY_UI: &str = "ui";
/// What the visitor typed and has not sent: back in the composer after a reload or a navigation.
pub const KEY_DRAFT: &str = "draft";

/// The saved chat, with the settings it belongs to (a snapshot of another deployment's chat is
/// not resumed).
#[derive(Clone, Debug, Serialize)]
pub(super) struct Saved {
    endpoint: String,
    org_id: String,
    deployment_id: String,
    button_id: String,
    #[cfg(feature = "live-agent")]
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
    pub(super) fn from_json(json: &str) -> Option<Saved> {
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let o = value.as_object()?;
        let text = |key: &str| o.get(key)?.as_str().map(str::to_string);
        #[cfg(feature = "live-agent")]
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
            #[cfg(feature = "live-agent")]
            engine,
            #[cfg(feature = "miaw")]
            miaw,
        })
    }

    /// Enhanced Chat: the saved access token has expired (a chat kept beyond the tab is not
    /// resumed then: a fresh start).
    #[cfg(feature = "miaw")]
    pub(super) fn expired(&self, now: Millis) -> bool {
        self.miaw
            .as_ref()
            .and_then(|s| s.token.as_deref())
            .and_then(crate::miaw::wire::jwt_expiry_secs)
            .is_some_and(|exp| exp.saturating_mul(1000) <= now)
    }

    pub(super) fn chat(self) -> ChatSnapshot {
        ChatSnapshot {
            #[cfg(feature = "live-agent")]
            engine: self.engine,
            #[cfg(feature = "miaw")]
            miaw: self.miaw,
        }
    }
}

/// The window's state, kept across reloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(super) struct UiState {
    pub(super) open: bool,
    pub(super) unread: u32,
}

impl UiState {
    /// Read by hand (no derived `Deserialize` in the wasm: issue 15).
    pub(super) fn read(json: &str) -> Option<UiState> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        Some(UiState {
            open: v.get("open")?.as_bool()?,
            unread: u32::try_from(v.get("unread")?.as_u64()?).ok()?,
        })
    }
}

/// Whether a saved chat belongs to these settings.
pub(super) fn same_chat(saved: &Saved, settings: &Settings) -> bool {
    let cfg = &settings.engine;
    saved.endpoint == settings.endpoint
        && saved.org_id == cfg.org_id
        && saved.deployment_id == cfg.deployment_id
        && saved.button_id == cfg.button_id
}

impl Core {
    /// This tab's chat as JSON texts: the saved snapshot and the transcript.
    pub(super) fn saved_texts(&self) -> (String, String) {
        (
            serde_json::to_string(&self.saved()).unwrap_or_default(),
            serde_json::to_string(&self.view.transcript).unwrap_or_default(),
        )
    }

    pub(super) fn saved(&self) -> Saved {
        let cfg = &self.settings.engine;
        let snapshot = self.engine.snapshot();
        Saved {
            endpoint: self.settings.endpoint.clone(),
            org_id: cfg.org_id.clone(),
            deployment_id: cfg.deployment_id.clone(),
            button_id: cfg.button_id.clone(),
            #[cfg(feature = "live-agent")]
            engine: snapshot.engine,
            #[cfg(feature = "miaw")]
            miaw: snapshot.miaw,
        }
    }

    /// The writes for what changed: the transcript first (a snapshot is never newer than the
    /// transcript it goes with), then the snapshot, then the window's state.
    pub(super) fn save(&mut self) {
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

    pub(super) fn store(&mut self, key: &str, value: Option<String>) {
        self.effects.push(Effect::Store(Write {
            key: key.to_string(),
            value,
        }));
    }
}
