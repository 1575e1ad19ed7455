//! Files the simulator serves at `GET /_sim/files/{id}`: the visitor's uploads (bytes exactly as
//! received) and the images and documents of the agent's rich messages. Kept until
//! `POST /_sim/reset`, within a cap (the oldest go first).

use axum::body::Bytes;
use std::collections::{HashMap, VecDeque};

/// Most files kept.
pub const FILES_CAP: usize = 10_000;
/// Most bytes kept, all files together.
pub const FILES_BYTES_CAP: usize = 256 * 1024 * 1024;

/// The path of a file's URL (after the base URL).
pub fn file_path(id: &str) -> String {
    format!("/_sim/files/{id}")
}

/// One stored file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub name: String,
    pub mime_type: String,
    pub bytes: Bytes,
}

#[derive(Default)]
pub struct Files {
    by_id: HashMap<String, StoredFile>,
    order: VecDeque<String>,
    total: usize,
}

impl Files {
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn get(&self, id: &str) -> Option<&StoredFile> {
        self.by_id.get(id)
    }

    /// Stores a file under `id` (replacing one with that id), dropping the oldest beyond the caps.
    pub fn put(&mut self, id: &str, file: StoredFile) {
        if let Some(old) = self.by_id.remove(id) {
            self.total -= old.bytes.len();
            self.order.retain(|o| o != id);
        }
        self.total += file.bytes.len();
        self.by_id.insert(id.to_string(), file);
        self.order.push_back(id.to_string());
        while (self.order.len() > FILES_CAP || self.total > FILES_BYTES_CAP) && self.order.len() > 1
        {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(f) = self.by_id.remove(&oldest) {
                self.total -= f.bytes.len();
            }
        }
    }

    /// Stores a file the simulator made under a new id; the id.
    pub fn add(&mut self, name: &str, mime_type: &str, bytes: Vec<u8>) -> String {
        let id = crate::ids::uuid();
        self.put(
            &id,
            StoredFile {
                name: name.to_string(),
                mime_type: mime_type.to_string(),
                bytes: Bytes::from(bytes),
            },
        );
        id
    }
}
