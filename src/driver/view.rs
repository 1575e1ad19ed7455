//! What the UI shows, as signals: the driver writes them from the engine's events, the
//! components read them. The transcript is also plain data ([`Transcript`]) so it can be stored
//! in sessionStorage and restored exactly.

use crate::engine::{ChatState, Delivery};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who wrote a transcript row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Author {
    Agent,
    Visitor,
    System,
}

impl Author {
    /// The row's `data-author`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Author::Agent => "agent",
            Author::Visitor => "visitor",
            Author::System => "system",
        }
    }
}

/// What a system row says (its text comes from the labels when shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Note {
    AgentJoined,
    Transferred,
    AgentLeft,
    AgentEnded,
    VisitorEnded,
}

/// One row of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique in the transcript, rising: the row's key.
    pub id: u64,
    pub author: Author,
    /// The agent's name (agent rows and notes naming an agent).
    #[serde(default)]
    pub name: String,
    /// The message, shown as text (never as HTML). Empty for notes.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub note: Option<Note>,
    /// When it was shown first (ms since the epoch).
    pub at: f64,
    /// The engine's id of a visitor message.
    #[serde(default)]
    pub local_id: Option<u64>,
    /// Where a visitor message is.
    #[serde(default)]
    pub status: Option<Delivery>,
}

/// The transcript as stored in sessionStorage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub items: Vec<Item>,
    /// The next row id.
    pub next_id: u64,
    /// The next visitor message's `local_id`.
    pub next_local_id: u64,
}

impl Transcript {
    /// Appends a row; returns its id.
    pub fn push(&mut self, mut item: Item) -> u64 {
        self.next_id = self.next_id.max(self.items.last().map_or(0, |i| i.id + 1));
        item.id = self.next_id;
        self.next_id += 1;
        self.items.push(item);
        self.next_id - 1
    }

    /// A fresh `local_id` for a visitor message.
    pub fn take_local_id(&mut self) -> u64 {
        let used = self
            .items
            .iter()
            .filter_map(|i| i.local_id)
            .max()
            .map_or(1, |m| m + 1);
        let id = self.next_local_id.max(used).max(1);
        self.next_local_id = id + 1;
        id
    }

    /// Sets the delivery status of the visitor message `local_id`; `true` when it changed.
    pub fn set_status(&mut self, local_id: u64, status: Delivery) -> bool {
        match self
            .items
            .iter_mut()
            .rev()
            .find(|i| i.local_id == Some(local_id))
        {
            Some(item) if item.status != Some(status) => {
                // Never back from Sent (a late event after a restore).
                if item.status == Some(Delivery::Sent) {
                    return false;
                }
                item.status = Some(status);
                true
            }
            _ => false,
        }
    }
}

/// The calm message at the top of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    /// Requests fail and are retried.
    ConnectionProblem,
    /// The server warns the visitor is idle.
    IdleWarning,
}

/// Position and estimated wait in the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueInfo {
    /// `None`: the server does not track positions.
    pub position: Option<u32>,
    pub estimated_wait_secs: Option<u32>,
}

/// Everything the UI shows, as signals (all `Copy`).
#[derive(Clone, Copy, Debug)]
pub struct ChatView {
    pub state: RwSignal<ChatState>,
    pub queue: RwSignal<QueueInfo>,
    /// The agent chatting now.
    pub agent: RwSignal<Option<String>>,
    pub agent_typing: RwSignal<bool>,
    pub items: RwSignal<Vec<Item>>,
    /// Agent messages that arrived while the window was closed.
    pub unread: RwSignal<u32>,
    /// The window is open (not minimised).
    pub open: RwSignal<bool>,
    pub banner: RwSignal<Option<Banner>>,
    /// The widget cannot work (bad settings, or a crash).
    pub unavailable: RwSignal<bool>,
    /// The chat is open in another tab of this browser (see `driver::tab_lock`).
    pub other_tab: RwSignal<bool>,
    /// "Continue here" was pressed; the other tab is handing the chat over.
    pub taking_over: RwSignal<bool>,
}

impl ChatView {
    pub fn new() -> ChatView {
        ChatView {
            state: RwSignal::new(ChatState::Idle),
            queue: RwSignal::new(QueueInfo::default()),
            agent: RwSignal::new(None),
            agent_typing: RwSignal::new(false),
            items: RwSignal::new(Vec::new()),
            unread: RwSignal::new(0),
            open: RwSignal::new(false),
            banner: RwSignal::new(None),
            unavailable: RwSignal::new(false),
            other_tab: RwSignal::new(false),
            taking_over: RwSignal::new(false),
        }
    }
}

impl Default for ChatView {
    fn default() -> Self {
        ChatView::new()
    }
}
