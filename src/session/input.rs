//! What the engines take in, whichever API they speak: the visitor's intents, HTTP outcomes and
//! timers ([`Input`]), with the time ([`Millis`]) and the ids of the requests they asked for.

use crate::prechat::Prechat;
use serde::{Deserialize, Serialize};

/// Timeout of every request but the long poll (Live Agent) and the event stream (Enhanced Chat).
pub const REQUEST_TIMEOUT_MS: u64 = 20_000;

/// Milliseconds, e.g. `Date.now()`. Only ever supplied by the caller: the engine has no clock.
pub type Millis = u64;

/// Identifies one HTTP request the engine asked for; the driver hands it back with the outcome.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// The HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    /// The method as it goes on the request line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A request header's value by name (case-insensitive), from the `(name, value)` pairs both
/// engines' requests carry.
pub fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Something that happened: a visitor intent, the outcome of a request, or a timer firing.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The visitor is about to chat (the window opened with no chat): Enhanced Chat fetches
    /// its token, and with it the deployment's pre-chat form, ahead of the form. Live Agent has
    /// nothing to prepare.
    Prepare,
    /// The visitor asks for a chat.
    Start(Prechat),
    /// The visitor sends a message; `local_id` names it in [`super::Event::VisitorMessage`].
    SendText { local_id: u64, text: String },
    /// Enhanced Chat: the visitor answers the menu `reply_to` (a message id) with the option
    /// `option` (its `optionIdentifier`); `local_id` names the answer's row.
    #[cfg(feature = "miaw")]
    Choose {
        local_id: u64,
        reply_to: String,
        option: String,
    },
    /// Enhanced Chat: the visitor sends a file (the driver holds it under `file.key`).
    #[cfg(feature = "miaw")]
    SendFile { local_id: u64, file: FileInfo },
    /// Enhanced Chat: the visitor cancels the upload `local_id`.
    #[cfg(feature = "miaw")]
    CancelUpload { local_id: u64 },
    /// Enhanced Chat: the site's identity token for a verified customer (a JWT).
    #[cfg(feature = "miaw")]
    Identify(String),
    /// Enhanced Chat: the verified customer logs out: the access token is revoked and the chat
    /// forgotten.
    #[cfg(feature = "miaw")]
    Logout,
    /// The visitor started (`true`) or stopped (`false`) typing.
    Typing(bool),
    /// What the visitor is typing right now (sent only when the agent has sneak peek enabled).
    SneakPeek(String),
    /// A custom event for the agent's console.
    CustomEvent { event_type: String, data: String },
    /// The visitor ends the chat.
    End,
    /// The visitor is on a new page (a single-page app navigated): `POST Visitor/Breadcrumb`
    /// with this URL, while a chat runs. Fire and forget: its answer changes nothing.
    Breadcrumb(String),
    /// The browser's connectivity (`navigator.onLine`, `online` / `offline` events). While
    /// offline no request goes out and no retry budget is spent; back online, whatever waits is
    /// retried at once with a fresh budget.
    Online(bool),
    /// The page was frozen (`freeze`) or resumed (`resume`): as offline, then online.
    Frozen(bool),
    /// The page became visible again: whatever waits out a backoff is retried at once.
    Wake,
    /// The outcome of a request from an engine's `poll_request`.
    Response { id: RequestId, outcome: Outcome },
    /// Part of a streamed answer's body, as it arrived (an empty one when the answer's headers
    /// are in); its end comes as a `Response` (Enhanced Chat's event stream).
    Chunk { id: RequestId, bytes: Vec<u8> },
    /// The time from an engine's `next_deadline` has come.
    Tick,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered (any status).
    Http { status: u16, body: String },
    /// The fetch was rejected or the connection dropped.
    Network(String),
    /// The driver aborted the request after its `timeout_ms`.
    TimedOut,
}

/// A file the visitor sends: the driver's key for it (the bytes stay in the browser), its name,
/// type and size.
#[cfg(feature = "miaw")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub key: u64,
    pub name: String,
    pub mime: String,
    pub size: u64,
}
