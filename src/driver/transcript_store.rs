//! The transcript in sessionStorage, in chunks, so that a new message costs the same at 5,000 rows
//! as at 10: full chunks of [`ROWS_PER_CHUNK`] rows under `transcript:0`, `transcript:1`, …
//! (written once when they fill, again only when a row in them changes), and the rows after the
//! last full chunk in `transcript` itself with the counters and the number of chunks. A
//! transcript of fewer rows than a chunk is all in `transcript`, as it always was.

use super::storage::{SessionStore, StorageError};
use super::view::{Item, Transcript, ROWS_PER_CHUNK};
use serde::{Deserialize, Serialize};

/// The `transcript` key as written.
#[derive(Serialize)]
struct HeadRef<'a> {
    items: &'a [Item],
    next_id: u64,
    next_local_id: u64,
    chunks: usize,
}

/// The `transcript` key as read (also the older form, all rows in `items`, no chunks).
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    next_id: u64,
    #[serde(default)]
    next_local_id: u64,
    #[serde(default)]
    chunks: usize,
}

/// What is stored under one key, and what changed since.
#[derive(Debug)]
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

    /// Reads the stored transcript (empty when there is none or a part is missing).
    pub fn load(&mut self, store: &SessionStore) -> Transcript {
        let Some(head) = store.get::<Head>(self.key) else {
            return Transcript::default();
        };
        self.stored_chunks = head.chunks;
        let mut items = Vec::with_capacity(head.chunks * ROWS_PER_CHUNK + head.items.len());
        for n in 0..head.chunks {
            match store.get::<Vec<Item>>(&self.chunk_key(n)) {
                Some(rows) => items.extend(rows),
                None => return Transcript::default(),
            }
        }
        items.extend(head.items);
        Transcript {
            items,
            next_id: head.next_id,
            next_local_id: head.next_local_id,
        }
    }

    /// Row `index` (and maybe the ones after it) changed or was added.
    pub fn changed(&mut self, index: usize) {
        self.changed_from = Some(self.changed_from.map_or(index, |f| f.min(index)));
    }

    /// Writes what changed: the full chunks from the first changed row on, then the head.
    pub fn save(&mut self, store: &SessionStore, t: &Transcript) -> Result<(), StorageError> {
        let Some(from) = self.changed_from.take() else {
            return Ok(());
        };
        let full = t.items.len() / ROWS_PER_CHUNK;
        let written = (|| {
            for n in (from / ROWS_PER_CHUNK)..full {
                let rows = &t.items[n * ROWS_PER_CHUNK..(n + 1) * ROWS_PER_CHUNK];
                store.set(&self.chunk_key(n), rows)?;
            }
            store.set(
                self.key,
                &HeadRef {
                    items: &t.items[full * ROWS_PER_CHUNK..],
                    next_id: t.next_id,
                    next_local_id: t.next_local_id,
                    chunks: full,
                },
            )
        })();
        if let Err(e) = written {
            // Tried again at the next change.
            self.changed(from);
            return Err(e);
        }
        for n in full..self.stored_chunks {
            store.remove(&self.chunk_key(n));
        }
        self.stored_chunks = full;
        Ok(())
    }

    /// Forgets the stored transcript.
    pub fn clear(&mut self, store: &SessionStore) {
        store.remove(self.key);
        for n in 0..self.stored_chunks {
            store.remove(&self.chunk_key(n));
        }
        self.stored_chunks = 0;
        self.changed_from = None;
    }

    /// Forgets a transcript stored by an earlier page (its chunks too).
    pub fn discard(&mut self, store: &SessionStore) {
        if let Some(head) = store.get::<Head>(self.key) {
            self.stored_chunks = self.stored_chunks.max(head.chunks);
        }
        self.clear(store);
    }
}
