//! The engine's configuration, its requests, what it sends and how far each got.

use crate::session::{header, Delivery, FileInfo, Method, Millis, RequestId, Retry};
use serde::{Deserialize, Serialize};

/// What the engine needs to know about the deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The org's id (15 or 18 characters; `X-Org-Id` takes the first 15).
    pub org_id: String,
    /// The Custom Client deployment's API name.
    pub es_developer_name: String,
    /// The visitor's language, e.g. "en-US" (sent with messages).
    pub language: String,
    /// Retries give up after this long since the first failure of a run of failures.
    pub retry_budget_ms: u64,
    /// The deployment is for verified customers: the engine waits for the site's identity token
    /// ([`Input::Identify`](crate::session::Input)) and asks for authenticated access tokens.
    pub verified: bool,
}

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    Token,
    Continuation,
    Create,
    List,
    History,
    Stream,
    Message,
    Typing,
    Acknowledge,
    Close,
    /// A visitor's file: `multipart/form-data` of the JSON `body` (part `messageEntry`) and the
    /// file [`Request::file`] names (part `fileData`).
    Upload,
    /// A verified customer's access token revoked (logout).
    Revoke,
    /// The server's PDF transcript, saved as [`Request::save_as`].
    Transcript,
}

/// A request for the driver: `path` after the SCRT2 URL, `query` not yet percent-encoded, JSON
/// `body`. A `stream` request's body is read as it arrives and reported in
/// [`Input::Chunk`]s (an empty one as soon as a 200 answer's headers are in); its end comes as
/// [`Input::Response`]. Other answers come whole, as [`Input::Response`].
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub call: Call,
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    /// Abort after this long and report [`Outcome::TimedOut`] (none for the stream: the engine
    /// watches its bytes).
    pub timeout_ms: Option<u64>,
    pub stream: bool,
    /// An upload's file (the driver holds its bytes under the key); its progress comes back
    /// through the core.
    pub file: Option<FileInfo>,
    /// A file download: a 2xx answer's body is saved under this name (not read as text).
    pub save_as: Option<String>,
}

impl Request {
    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// Something for the server, sent one at a time in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outgoing {
    /// A visitor message, with the UUID it goes by: text, or the answer to the menu `reply_to`
    /// with its option `option`.
    Message {
        local_id: u64,
        id: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        option: Option<String>,
    },
    Typing(bool),
    /// Delivery receipts for these entries.
    Delivered(Vec<String>),
    /// Close the conversation.
    Close,
}

/// A visitor message the engine tracks: its row, its UUID, how far it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub local_id: u64,
    pub id: String,
    pub status: Delivery,
}

/// A step of setting the conversation up (one at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Step {
    Token,
    Continuation,
    List,
    History,
    Create,
    /// Verified customers, before the form: their open conversation, if any.
    Find,
    /// Verified customers: a new access token with the identity token, the conversation as it
    /// is (before the old one expires, or after it was refused).
    Renew,
}

/// A request on its way and when it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Flight {
    pub(super) id: RequestId,
    pub(super) deadline: Option<Millis>,
}

/// One channel: at most one request on its way, retried after `retry_at`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Channel {
    pub(super) flight: Option<Flight>,
    pub(super) retry_at: Option<Millis>,
    pub(super) retry: Retry,
}

impl Channel {
    pub(super) fn due(&self, now: Millis) -> bool {
        self.flight.is_none() && self.retry_at.is_none_or(|t| t <= now)
    }
}

/// A visitor's file on its way or waiting (never saved: its bytes do not outlive the page).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Upload {
    pub(super) local_id: u64,
    /// The message's UUID and the file's.
    pub(super) id: String,
    pub(super) file_id: String,
    pub(super) file: FileInfo,
}
