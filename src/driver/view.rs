//! What the UI shows, as signals: the driver sets them from the core's [`ViewChange`]s
//! ([`ViewWriter::apply`]), the components read them ([`ChatView`], read-only).

use crate::config::PrechatField;
pub use crate::core::transcript::{Author, Item, Note, ROWS_PER_CHUNK};
use crate::core::view_model::ViewChange;
pub use crate::core::view_model::{Banner, Connection, QueueInfo};
use crate::session::{ChatState, Delivery};
use leptos::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
    fn push(&self, item: Item) {
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
    fn set_status(&self, index: usize, status: Option<Delivery>) {
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
    fn reset(&self, items: &[Item]) {
        let chunks = items
            .chunks(ROWS_PER_CHUNK)
            .map(|rows| RowChunk {
                key: next_chunk_key(),
                rows: ArcRwSignal::new(rows.iter().cloned().map(Rows::row).collect()),
            })
            .collect();
        self.chunks.set(chunks);
    }

    /// Who wrote the newest row (untracked).
    pub fn last_author(&self) -> Option<Author> {
        let last = self.chunks.with_untracked(|c| c.last().cloned())?;
        last.rows
            .with_untracked(|rows| rows.last().map(|r| r.item.author))
    }

    /// Whether any row satisfies `f` (tracked).
    pub fn any(&self, f: impl Fn(&Item) -> bool) -> bool {
        self.chunks.with(|c| {
            c.iter()
                .any(|chunk| chunk.rows.with(|rows| rows.iter().any(|r| f(&r.item))))
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

/// A signal the UI can only read; the driver writes it (through [`ViewWriter`]). A thin wrapper
/// over the same `RwSignal` the driver holds, so it adds no code of its own to the wasm.
#[derive(Debug)]
pub struct Read<T: 'static>(RwSignal<T>);

impl<T> Clone for Read<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Read<T> {}

impl<T: Clone + Send + Sync + 'static> Read<T> {
    /// The value (tracked).
    pub fn get(&self) -> T {
        self.0.get()
    }

    /// The value (untracked).
    pub fn get_untracked(&self) -> T {
        self.0.get_untracked()
    }

    /// Subscribes the running effect to changes.
    pub fn track(&self) {
        self.0.track()
    }
}

/// Everything the UI shows, as read-only signals (all `Copy`).
#[derive(Clone, Copy, Debug)]
pub struct ChatView {
    pub state: Read<ChatState>,
    pub queue: Read<QueueInfo>,
    /// The agent chatting now.
    pub agent: Read<Option<String>>,
    pub agent_typing: Read<bool>,
    /// The transcript as shown.
    pub rows: Rows,
    /// Agent messages that arrived while the window was closed.
    pub unread: Read<u32>,
    /// The window is open (not minimised).
    pub open: Read<bool>,
    pub banner: Read<Option<Banner>>,
    /// The connection's trouble, while there is some.
    pub connection: Read<Option<Connection>>,
    /// The chat is open in another tab of this browser.
    pub other_tab: Read<bool>,
    /// "Continue here" was pressed; the other tab is handing the chat over.
    pub taking_over: Read<bool>,
    /// `Visitor/Availability` for the button: `None` until known.
    pub available: Read<Option<bool>>,
    /// The estimated wait before a chat starts, in seconds, when the server knows it.
    pub wait_secs: Read<Option<u32>>,
    /// The post-chat page the server named (http(s) only).
    pub post_chat_url: Read<Option<String>>,
    /// Pre-chat answers given by the site (`Chasitor.setPrechat`), by field name.
    pub prefill: Read<Vec<(String, String)>>,
    /// The server's pre-chat form (Enhanced Chat), when it has one: in place of the settings'.
    pub prechat_fields: Read<Option<Vec<PrechatField>>>,
    /// What the visitor had typed and not sent before the page (re)loaded.
    pub draft: Read<String>,
    /// Enhanced Chat: what its rows beyond plain text and the paperclip follow.
    #[cfg(feature = "miaw")]
    pub rich: Read<RichView>,
}

/// Enhanced Chat's view beyond plain text, one signal (each signal type brings its own code to
/// the wasm).
#[cfg(feature = "miaw")]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RichView {
    /// The uploads on their way (local id, percent).
    pub progress: Vec<(u64, u8)>,
    /// The menus (message ids) that can no longer be answered.
    pub closed: Vec<String>,
    /// The largest file the visitor may send (bytes); `None`: no files.
    pub uploads: Option<u64>,
    /// A verified customer's identity (`None`: not a verified customers' deployment).
    pub identity: Option<crate::session::Identity>,
    /// The server's PDF transcript can be downloaded.
    pub transcript: bool,
}

/// The driver's side of the signals: it alone writes them.
#[derive(Clone, Copy, Debug)]
pub struct ViewWriter {
    state: RwSignal<ChatState>,
    queue: RwSignal<QueueInfo>,
    agent: RwSignal<Option<String>>,
    agent_typing: RwSignal<bool>,
    rows: Rows,
    unread: RwSignal<u32>,
    open: RwSignal<bool>,
    banner: RwSignal<Option<Banner>>,
    connection: RwSignal<Option<Connection>>,
    other_tab: RwSignal<bool>,
    taking_over: RwSignal<bool>,
    available: RwSignal<Option<bool>>,
    wait_secs: RwSignal<Option<u32>>,
    post_chat_url: RwSignal<Option<String>>,
    prefill: RwSignal<Vec<(String, String)>>,
    prechat_fields: RwSignal<Option<Vec<PrechatField>>>,
    draft: RwSignal<String>,
    #[cfg(feature = "miaw")]
    rich: RwSignal<RichView>,
}

/// The signals: what the components read and what the driver writes.
pub fn view_signals() -> (ChatView, ViewWriter) {
    let w = ViewWriter {
        state: RwSignal::new(ChatState::Idle),
        queue: RwSignal::new(QueueInfo::default()),
        agent: RwSignal::new(None),
        agent_typing: RwSignal::new(false),
        rows: Rows::new(),
        unread: RwSignal::new(0),
        open: RwSignal::new(false),
        banner: RwSignal::new(None),
        connection: RwSignal::new(None),
        other_tab: RwSignal::new(false),
        taking_over: RwSignal::new(false),
        available: RwSignal::new(None),
        wait_secs: RwSignal::new(None),
        post_chat_url: RwSignal::new(None),
        prefill: RwSignal::new(Vec::new()),
        prechat_fields: RwSignal::new(None),
        draft: RwSignal::new(String::new()),
        #[cfg(feature = "miaw")]
        rich: RwSignal::new(RichView::default()),
    };
    let view = ChatView {
        state: Read(w.state),
        queue: Read(w.queue),
        agent: Read(w.agent),
        agent_typing: Read(w.agent_typing),
        rows: w.rows,
        unread: Read(w.unread),
        open: Read(w.open),
        banner: Read(w.banner),
        connection: Read(w.connection),
        other_tab: Read(w.other_tab),
        taking_over: Read(w.taking_over),
        available: Read(w.available),
        wait_secs: Read(w.wait_secs),
        post_chat_url: Read(w.post_chat_url),
        prefill: Read(w.prefill),
        prechat_fields: Read(w.prechat_fields),
        draft: Read(w.draft),
        #[cfg(feature = "miaw")]
        rich: Read(w.rich),
    };
    (view, w)
}

impl ViewWriter {
    /// One change from the core.
    pub fn apply(&self, change: ViewChange) {
        match change {
            ViewChange::State(v) => self.state.set(v),
            ViewChange::Queue(v) => self.queue.set(v),
            ViewChange::Agent(v) => self.agent.set(v),
            ViewChange::AgentTyping(v) => self.agent_typing.set(v),
            ViewChange::Banner(v) => self.banner.set(v),
            ViewChange::Connection(v) => self.connection.set(v),
            ViewChange::Unread(v) => self.unread.set(v),
            ViewChange::Open(v) => self.open.set(v),
            ViewChange::OtherTab(v) => self.other_tab.set(v),
            ViewChange::TakingOver(v) => self.taking_over.set(v),
            ViewChange::Available {
                available,
                wait_secs,
            } => {
                self.available.set(Some(available));
                self.wait_secs.set(wait_secs);
            }
            ViewChange::PostChatUrl(v) => self.post_chat_url.set(v),
            ViewChange::Prefill(v) => self.prefill.set(v),
            ViewChange::PrechatFields(v) => self.prechat_fields.set(Some(v)),
            ViewChange::Draft(v) => self.draft.set(v),
            ViewChange::RowsReset(items) => self.rows.reset(&items),
            ViewChange::RowAdded(item) => self.rows.push(item),
            ViewChange::RowStatus { index, status } => self.rows.set_status(index, status),
            #[cfg(feature = "miaw")]
            ViewChange::Progress(v) => self.rich.update(|r| r.progress = v),
            #[cfg(feature = "miaw")]
            ViewChange::Closed(v) => self.rich.update(|r| r.closed = v),
            #[cfg(feature = "miaw")]
            ViewChange::Uploads(v) => self.rich.update(|r| r.uploads = v),
            #[cfg(feature = "miaw")]
            ViewChange::Identity(v) => self.rich.update(|r| r.identity = Some(v)),
            #[cfg(feature = "miaw")]
            ViewChange::TranscriptPdf(v) => self.rich.update(|r| r.transcript = v),
        }
    }
}
