//! sessionStorage, namespaced and typed: the engine snapshot and the transcript live here so that a
//! page reload or a navigation resumes the same chat. An Enhanced Chat site may choose
//! localStorage instead (`data-persist="browser"`): the chat then outlives the tab. Storage can be missing or full (private modes,
//! quotas, sandboxed iframes): every call degrades to "nothing stored" instead of failing the widget.

use serde::{de::DeserializeOwned, Serialize};

/// Why a value could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The page has no sessionStorage (blocked, sandboxed, or not a window).
    Unavailable,
    /// The value could not be encoded as JSON.
    Encode(String),
    /// The browser refused the write (quota exceeded, storage disabled).
    Write(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Unavailable => write!(f, "sessionStorage is not available on this page"),
            StorageError::Encode(e) => {
                write!(f, "could not encode a value for sessionStorage: {e}")
            }
            StorageError::Write(e) => write!(f, "sessionStorage refused a write: {e}"),
        }
    }
}

/// Typed access to sessionStorage under one key prefix (so the widget never touches the host
/// page's own keys).
#[derive(Debug, Clone)]
pub struct SessionStore {
    prefix: String,
    /// Enhanced Chat: localStorage rather than sessionStorage.
    #[cfg(feature = "miaw")]
    local: bool,
}

impl SessionStore {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            #[cfg(feature = "miaw")]
            local: false,
        }
    }

    /// The same store in localStorage (`true`): kept beyond the tab.
    #[cfg(feature = "miaw")]
    pub fn local(mut self, local: bool) -> Self {
        self.local = local;
        self
    }

    fn storage(&self) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        #[cfg(feature = "miaw")]
        if self.local {
            return window.local_storage().ok().flatten();
        }
        window.session_storage().ok().flatten()
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// The value stored under `key`, if there is one and it still decodes as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_str(&self.get_raw(key)?).ok()
    }

    /// Stores `value` under `key` as JSON.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        let json = serde_json::to_string(value).map_err(|e| StorageError::Encode(e.to_string()))?;
        self.set_raw(key, &json)
    }

    /// The text stored under `key`.
    pub fn get_raw(&self, key: &str) -> Option<String> {
        self.storage()?.get_item(&self.full_key(key)).ok()?
    }

    /// Stores `json` (already encoded) under `key`.
    pub fn set_raw(&self, key: &str, json: &str) -> Result<(), StorageError> {
        let storage = self.storage().ok_or(StorageError::Unavailable)?;
        storage
            .set_item(&self.full_key(key), json)
            .map_err(|e| StorageError::Write(format!("{e:?}")))
    }

    /// Forgets `key`.
    pub fn remove(&self, key: &str) {
        if let Some(storage) = self.storage() {
            let _ = storage.remove_item(&self.full_key(key));
        }
    }
}
