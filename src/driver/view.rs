//! What the UI shows, as signals: the driver writes them from the engine's events, the
//! components read them. The transcript is also plain data ([`Transcript`]) so it can be stored
//! in sessionStorage and restored exactly.

use crate::engine::{ChatState, Delivery};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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

    /// Sets the delivery status of the visitor message `local_id`; its row's index when it
    /// changed.
    pub fn set_status(&mut self, local_id: u64, status: Delivery) -> Option<usize> {
        let index = self
            .items
            .iter()
            .rposition(|i| i.local_id == Some(local_id))?;
        let item = &mut self.items[index];
        // Never back from Sent (a late event after a restore).
        if item.status == Some(status) || item.status == Some(Delivery::Sent) {
            return None;
        }
        item.status = Some(status);
        Some(index)
    }
}

/// Rows per chunk of the shown transcript and per sessionStorage key of the stored one.
pub const ROWS_PER_CHUNK: usize = 100;

/// A transcript row as the UI holds it: the row itself (shared, never copied again) and its
/// delivery status as its own signal, so a status change touches that row only. Reference
/// counted signals: the driver makes them outside any component, and no unmounted view may
/// dispose of them.
#[derive(Clone, Debug)]
pub struct Row {
    pub item: Arc<Item>,
    pub status: ArcRwSignal<Option<Delivery>>,
}

/// Up to [`ROWS_PER_CHUNK`] rows behind one signal.
#[derive(Clone, Debug)]
pub struct RowChunk {
    /// Unique for the page's life (a new chat's chunks never reuse an old key).
    pub key: u64,
    pub rows: ArcRwSignal<Vec<Row>>,
}

/// The shown transcript, in chunks: appending a row notifies the last chunk only (and the chunk
/// list when a chunk is added), so the cost of a new message does not grow with the transcript.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    chunks: RwSignal<Vec<RowChunk>>,
}

fn next_chunk_key() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Rows {
    fn new() -> Rows {
        Rows {
            chunks: RwSignal::new(Vec::new()),
        }
    }

    fn row(item: Item) -> Row {
        let status = ArcRwSignal::new(item.status);
        Row {
            item: Arc::new(item),
            status,
        }
    }

    /// The chunks (tracked): what the transcript's outer list iterates.
    pub fn chunks(&self) -> Vec<RowChunk> {
        self.chunks.get()
    }

    /// The number of chunks (tracked).
    pub fn chunk_count(&self) -> usize {
        self.chunks.with(Vec::len)
    }

    /// Tracks the addition of rows (the chunk list and the last chunk).
    pub fn track_appends(&self) {
        if let Some(last) = self.chunks.with(|c| c.last().cloned()) {
            last.rows.track();
        }
    }

    /// The number of rows (tracked: changes with every row added).
    pub fn count(&self) -> usize {
        self.track_appends();
        self.len()
    }

    /// The number of rows (untracked).
    pub fn len(&self) -> usize {
        self.chunks.with_untracked(|c| {
            c.last().map_or(0, |last| {
                (c.len() - 1) * ROWS_PER_CHUNK + last.rows.with_untracked(Vec::len)
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a row.
    pub fn push(&self, item: Item) {
        let last = self.chunks.with_untracked(|c| c.last().cloned());
        match last.filter(|l| l.rows.with_untracked(Vec::len) < ROWS_PER_CHUNK) {
            Some(last) => last.rows.update(|rows| rows.push(Rows::row(item))),
            None => {
                let chunk = RowChunk {
                    key: next_chunk_key(),
                    rows: ArcRwSignal::new(vec![Rows::row(item)]),
                };
                self.chunks.update(|c| c.push(chunk));
            }
        }
    }

    /// Sets the delivery status of the row at `index`.
    pub fn set_status(&self, index: usize, status: Option<Delivery>) {
        let chunk = self
            .chunks
            .with_untracked(|c| c.get(index / ROWS_PER_CHUNK).cloned());
        let row = chunk.and_then(|c| {
            c.rows
                .with_untracked(|rows| rows.get(index % ROWS_PER_CHUNK).map(|r| r.status.clone()))
        });
        if let Some(signal) = row {
            if signal.get_untracked() != status {
                signal.set(status);
            }
        }
    }

    /// Replaces every row (a restore, a new chat, a hand-over from another tab).
    pub fn reset(&self, items: &[Item]) {
        let chunks = items
            .chunks(ROWS_PER_CHUNK)
            .map(|rows| RowChunk {
                key: next_chunk_key(),
                rows: ArcRwSignal::new(rows.iter().cloned().map(Rows::row).collect()),
            })
            .collect();
        self.chunks.set(chunks);
    }

    /// Whether any row satisfies `f` (tracked).
    pub fn any(&self, f: impl Fn(&Item) -> bool) -> bool {
        self.chunks.with(|c| {
            c.iter()
                .any(|chunk| chunk.rows.with(|rows| rows.iter().any(|r| f(&r.item))))
        })
    }

    /// The visitor message `local_id`'s text (untracked, newest first).
    pub fn visitor_text(&self, local_id: u64) -> Option<String> {
        self.chunks.with_untracked(|c| {
            c.iter().rev().find_map(|chunk| {
                chunk.rows.with_untracked(|rows| {
                    rows.iter()
                        .rev()
                        .find(|r| r.item.local_id == Some(local_id))
                        .map(|r| r.item.text.clone())
                })
            })
        })
    }

    /// Every row as plain data, with its current status (untracked).
    pub fn items(&self) -> Vec<Item> {
        self.chunks.with_untracked(|c| {
            c.iter()
                .flat_map(|chunk| chunk.rows.get_untracked())
                .map(|r| Item {
                    status: r.status.get_untracked(),
                    ..(*r.item).clone()
                })
                .collect()
        })
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
    /// The transcript as shown.
    pub rows: Rows,
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
            rows: Rows::new(),
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
