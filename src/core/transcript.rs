//! The transcript as plain data: the rows the visitor sees ([`Item`]), the whole list
//! ([`Transcript`]), and how it is kept in sessionStorage in chunks ([`TranscriptStore`]), so that
//! a new message costs the same at 5,000 rows as at 10: full chunks of [`ROWS_PER_CHUNK`] rows
//! under `transcript:0`, `transcript:1`, … (written once when they fill, again only when a row in
//! them changes), and the rows after the last full chunk in `transcript` itself with the counters
//! and the number of chunks. A transcript of fewer rows than a chunk is all in `transcript`.
//!
//! The store never touches storage: it reads through a function it is given and answers the
//! writes to make ([`Write`]).

use crate::session::saved::{delivery, list, opt, req, text, uint};
use crate::session::Delivery;
use serde::Serialize;
use serde_json::Value;

/// Rows per chunk of the shown transcript and per sessionStorage key of the stored one.
pub const ROWS_PER_CHUNK: usize = 100;

/// Who wrote a transcript row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Note {
    AgentJoined,
    Transferred,
    AgentLeft,
    AgentEnded,
    VisitorEnded,
    /// Enhanced Chat: the system ended the messaging session (the agent's or bot's end is
    /// `AgentEnded`, with their name).
    #[cfg(feature = "miaw")]
    SessionEnded,
    /// Enhanced Chat: `name` sent a message the widget cannot show.
    #[cfg(feature = "miaw")]
    Unshowable,
    /// Enhanced Chat: the server refused the visitor's file as too large (413).
    #[cfg(feature = "miaw")]
    FileTooLarge,
    /// Enhanced Chat: the server refused the type of the visitor's file (415).
    #[cfg(feature = "miaw")]
    FileType,
    /// Enhanced Chat: the server took the visitor's file, then could not deliver it.
    #[cfg(feature = "miaw")]
    FileRefused,
    /// Enhanced Chat: the server's transcript could not be downloaded.
    #[cfg(feature = "miaw")]
    TranscriptFailed,
}

/// One row of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    /// Unique in the transcript, rising: the row's key.
    pub id: u64,
    pub author: Author,
    /// The agent's name (agent rows and notes naming an agent).
    pub name: String,
    /// The message, shown as text (never as HTML). Empty for notes.
    pub text: String,
    pub note: Option<Note>,
    /// When it was shown first (ms since the epoch).
    pub at: f64,
    /// The engine's id of a visitor message.
    pub local_id: Option<u64>,
    /// Where a visitor message is.
    pub status: Option<Delivery>,
    /// Enhanced Chat: a message beyond plain text, as the server's `abstractMessage` JSON
    /// ([`crate::miaw::rich::Rich::parse`]); also the visitor's own file, in the same shape
    /// (with the driver's `key` for it). `text` says it in one line.
    #[cfg(feature = "miaw")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rich: Option<String>,
    /// Enhanced Chat: the visitor's answer to the menu of this message id, with the option's
    /// `optionIdentifier` (the row's text is the option's title).
    #[cfg(feature = "miaw")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[cfg(feature = "miaw")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

impl Item {
    /// A row of `author` at `at` (ms since the epoch); the id is given by [`Transcript::push`].
    pub fn new(author: Author, name: String, text: String, at: u64) -> Item {
        Item {
            id: 0,
            author,
            name,
            text,
            note: None,
            at: at as f64,
            local_id: None,
            status: None,
            #[cfg(feature = "miaw")]
            rich: None,
            #[cfg(feature = "miaw")]
            reply_to: None,
            #[cfg(feature = "miaw")]
            option: None,
        }
    }
}

/// The transcript as stored in sessionStorage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
        // Only forward (a late event after a restore changes nothing).
        if item.status.is_some_and(|from| !status.advances(from)) {
            return None;
        }
        item.status = Some(status);
        Some(index)
    }

    /// Sets the status of the visitor message `local_id` whatever it was (an upload the server
    /// refused after taking it); its row's index when it changed.
    #[cfg(feature = "miaw")]
    pub fn force_status(&mut self, local_id: u64, status: Delivery) -> Option<usize> {
        let index = self
            .items
            .iter()
            .rposition(|i| i.local_id == Some(local_id))?;
        let item = &mut self.items[index];
        (item.status != Some(status)).then(|| {
            item.status = Some(status);
            index
        })
    }

    /// A transcript written whole by the derived `Serialize` (a tab's hand-over), read by hand.
    pub fn from_json(json: &str) -> Option<Transcript> {
        let head = Head::read(json)?;
        Some(Transcript {
            items: head.items,
            next_id: head.next_id,
            next_local_id: head.next_local_id,
        })
    }

    /// The text of the visitor message `local_id` (newest first).
    pub fn visitor_text(&self, local_id: u64) -> Option<&str> {
        self.items
            .iter()
            .rev()
            .find(|i| i.local_id == Some(local_id))
            .map(|i| i.text.as_str())
    }
}

/// One storage write: `value` under `key`, or `None` to remove the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub key: String,
    pub value: Option<String>,
}

/// The `transcript` key as written.
#[derive(Serialize)]
struct HeadRef<'a> {
    items: &'a [Item],
    next_id: u64,
    next_local_id: u64,
    chunks: usize,
}

/// The `transcript` key as read (also the older form, all rows in `items`, no chunks).
struct Head {
    items: Vec<Item>,
    next_id: u64,
    next_local_id: u64,
    chunks: usize,
}

// Written by the derived `Serialize`, read by hand from a parsed value, as strictly as a derived
// `Deserialize` would: no serde code per type in the wasm (issue 15). An absent or null optional
// field is its default; a value of the wrong type makes the whole key unreadable.

impl Head {
    fn read(json: &str) -> Option<Head> {
        let v: Value = serde_json::from_str(json).ok()?;
        let o = v.as_object()?;
        let count = |key: &str| opt(o, key, uint).map(Option::unwrap_or_default);
        Some(Head {
            items: opt(o, "items", items)?.unwrap_or_default(),
            next_id: count("next_id")?,
            next_local_id: count("next_local_id")?,
            chunks: usize::try_from(count("chunks")?).ok()?,
        })
    }
}

fn items(v: &Value) -> Option<Vec<Item>> {
    list(v, item)
}

fn item(v: &Value) -> Option<Item> {
    let o = v.as_object()?;
    Some(Item {
        id: req(o, "id", uint)?,
        author: req(o, "author", author)?,
        name: opt(o, "name", text)?.unwrap_or_default(),
        text: opt(o, "text", text)?.unwrap_or_default(),
        note: opt(o, "note", note)?,
        at: req(o, "at", Value::as_f64)?,
        local_id: opt(o, "local_id", uint)?,
        status: opt(o, "status", delivery)?,
        #[cfg(feature = "miaw")]
        rich: opt(o, "rich", text)?,
        #[cfg(feature = "miaw")]
        reply_to: opt(o, "reply_to", text)?,
        #[cfg(feature = "miaw")]
        option: opt(o, "option", text)?,
    })
}

fn author(v: &Value) -> Option<Author> {
    Some(match v.as_str()? {
        "Agent" => Author::Agent,
        "Visitor" => Author::Visitor,
        "System" => Author::System,
        _ => return None,
    })
}

fn note(v: &Value) -> Option<Note> {
    Some(match v.as_str()? {
        "AgentJoined" => Note::AgentJoined,
        "Transferred" => Note::Transferred,
        "AgentLeft" => Note::AgentLeft,
        "AgentEnded" => Note::AgentEnded,
        "VisitorEnded" => Note::VisitorEnded,
        #[cfg(feature = "miaw")]
        "SessionEnded" => Note::SessionEnded,
        #[cfg(feature = "miaw")]
        "Unshowable" => Note::Unshowable,
        #[cfg(feature = "miaw")]
        "FileTooLarge" => Note::FileTooLarge,
        #[cfg(feature = "miaw")]
        "FileType" => Note::FileType,
        #[cfg(feature = "miaw")]
        "FileRefused" => Note::FileRefused,
        #[cfg(feature = "miaw")]
        "TranscriptFailed" => Note::TranscriptFailed,
        _ => return None,
    })
}

/// What is stored under one key, and what changed since.
#[derive(Clone, Debug)]
pub struct TranscriptStore {
    key: &'static str,
    /// Full chunks in storage.
    stored_chunks: usize,
    /// The first row changed since the last save.
    changed_from: Option<usize>,
}

impl TranscriptStore {
    pub fn new(key: &'static str) -> TranscriptStore {
        TranscriptStore {
            key,
            stored_chunks: 0,
            changed_from: None,
        }
    }

    fn chunk_key(&self, n: usize) -> String {
        format!("{}:{n}", self.key)
    }

    /// Reads the stored transcript through `read` (empty when there is none or a part is
    /// missing).
    pub fn load(&mut self, read: &dyn Fn(&str) -> Option<String>) -> Transcript {
        let Some(head) = read(self.key).and_then(|j| Head::read(&j)) else {
            return Transcript::default();
        };
        self.stored_chunks = head.chunks;
        let mut all = Vec::with_capacity(head.chunks * ROWS_PER_CHUNK + head.items.len());
        for n in 0..head.chunks {
            let rows = read(&self.chunk_key(n))
                .and_then(|j| serde_json::from_str::<Value>(&j).ok())
                .and_then(|v| items(&v));
            match rows {
                Some(rows) => all.extend(rows),
                None => return Transcript::default(),
            }
        }
        all.extend(head.items);
        Transcript {
            items: all,
            next_id: head.next_id,
            next_local_id: head.next_local_id,
        }
    }

    /// Row `index` (and maybe the ones after it) changed or was added.
    pub fn changed(&mut self, index: usize) {
        self.changed_from = Some(self.changed_from.map_or(index, |f| f.min(index)));
    }

    /// The writes that store what changed: the full chunks from the first changed row on, then
    /// the head, then the removal of chunks no longer used.
    #[must_use]
    pub fn save(&mut self, t: &Transcript) -> Vec<Write> {
        let Some(from) = self.changed_from.take() else {
            return Vec::new();
        };
        let full = t.items.len() / ROWS_PER_CHUNK;
        let mut writes = Vec::new();
        for n in (from / ROWS_PER_CHUNK)..full {
            let rows = &t.items[n * ROWS_PER_CHUNK..(n + 1) * ROWS_PER_CHUNK];
            writes.push(Write {
                key: self.chunk_key(n),
                value: serde_json::to_string(rows).ok(),
            });
        }
        let head = HeadRef {
            items: &t.items[full * ROWS_PER_CHUNK..],
            next_id: t.next_id,
            next_local_id: t.next_local_id,
            chunks: full,
        };
        writes.push(Write {
            key: self.key.to_string(),
            value: serde_json::to_string(&head).ok(),
        });
        for n in full..self.stored_chunks {
            writes.push(Write {
                key: self.chunk_key(n),
                value: None,
            });
        }
        self.stored_chunks = full;
        writes
    }

    /// A write failed (storage full, blocked): everything is written again at the next save.
    pub fn write_failed(&mut self) {
        self.changed(0);
    }

    /// The writes that forget the stored transcript.
    #[must_use]
    pub fn clear(&mut self) -> Vec<Write> {
        let mut writes = vec![Write {
            key: self.key.to_string(),
            value: None,
        }];
        for n in 0..self.stored_chunks {
            writes.push(Write {
                key: self.chunk_key(n),
                value: None,
            });
        }
        self.stored_chunks = 0;
        self.changed_from = None;
        writes
    }

    /// The writes that forget a transcript stored by an earlier page (its chunks too).
    #[must_use]
    pub fn discard(&mut self, read: &dyn Fn(&str) -> Option<String>) -> Vec<Write> {
        if let Some(head) = read(self.key).and_then(|j| Head::read(&j)) {
            self.stored_chunks = self.stored_chunks.max(head.chunks);
        }
        self.clear()
    }
}
