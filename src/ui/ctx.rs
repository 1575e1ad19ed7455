//! What every component reaches through the context ([`Ctx`]) and which part of the journey the
//! window shows ([`Stage`]).

use crate::config::Config;
use crate::driver::{ChatView, Intents};
use crate::labels::Labels;
use crate::session::{ChatState, EndReason};
use leptos::prelude::*;

/// What every component can reach (all `Copy`): the signals (read-only), the settings
/// and the intents.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub view: ChatView,
    pub config: StoredValue<Config>,
    intents: StoredValue<Intents, LocalStorage>,
    /// The end-chat confirm step is showing.
    pub confirming_end: RwSignal<bool>,
    /// The composer's text (kept while the window is minimised; the core keeps it across
    /// reloads).
    pub draft: RwSignal<String>,
}

impl Ctx {
    /// A context for the widget's components.
    pub fn new(view: ChatView, config: Config, intents: Intents) -> Ctx {
        Ctx {
            view,
            config: StoredValue::new(config),
            intents: StoredValue::new_local(intents),
            confirming_end: RwSignal::new(false),
            draft: RwSignal::new(view.draft.get_untracked()),
        }
    }

    /// The intents, to call one on.
    pub fn intents(&self) -> Intents {
        self.intents.get_value()
    }

    /// The labels (a clone shares the table).
    pub fn labels(&self) -> Labels {
        self.config.with_value(|c| c.labels.clone())
    }

    /// A label (cloned).
    pub fn label(&self, pick: fn(&Labels) -> &str) -> String {
        pick(&self.labels()).to_string()
    }
}

/// Which part of the journey the window shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Prechat,
    /// SessionId and ChasitorInit on their way.
    Connecting,
    Queued,
    Chat,
    Ended,
    Offline,
    /// The chat is open in another tab of this browser.
    OtherTab,
    /// Enhanced Chat: the messaging session ended, the conversation is open.
    #[cfg(feature = "miaw")]
    SessionEnded,
}

impl Stage {
    pub fn of(state: &ChatState) -> Stage {
        match state {
            ChatState::Idle => Stage::Prechat,
            ChatState::SessionRequested | ChatState::Initialising => Stage::Connecting,
            ChatState::Queued => Stage::Queued,
            ChatState::Established | ChatState::Reconnecting => Stage::Chat,
            ChatState::Ended(EndReason::RequestFailed { .. }) => Stage::Offline,
            ChatState::Ended(_) => Stage::Ended,
            #[cfg(feature = "miaw")]
            ChatState::SessionEnded { .. } => Stage::SessionEnded,
        }
    }
}
