//! What goes in and out of the core: [`Input`]s (the visitor's and the site's intents, the
//! browser's answers and signals), and [`Output`]s: aborts, requests of either API, [`Effect`]s
//! and view changes.

use super::transcript::Write;
use super::view_model::{SiteEvent, ViewChange};
use super::{LockMode, RequestId};
use crate::live_agent::engine::HttpRequest;
#[cfg(feature = "miaw")]
use crate::miaw::engine as miaw;
use crate::prechat::Prechat;
use crate::session::Outcome;

/// Something that happened: a visitor's or the site's intent, or the browser's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The visitor sent the pre-chat form.
    Start(Prechat),
    /// The visitor sends a message (already within the length limit).
    Send(String),
    /// The visitor typed: the composer's content now.
    Typed(String),
    /// Enhanced Chat: the visitor picks the option `option` (`optionIdentifier`), titled
    /// `title`, of the menu `reply_to` (a message id).
    #[cfg(feature = "miaw")]
    Choose {
        reply_to: String,
        option: String,
        title: String,
    },
    /// Enhanced Chat: the visitor sends a file (checked against the limits already).
    #[cfg(feature = "miaw")]
    SendFile(crate::session::FileInfo),
    /// Enhanced Chat: the visitor cancels the upload of the row with this local id.
    #[cfg(feature = "miaw")]
    CancelUpload(u64),
    /// Enhanced Chat: the visitor sends the failed row with this local id again.
    #[cfg(feature = "miaw")]
    Retry(u64),
    /// Enhanced Chat: `Chasitor.identify(token)`: the site's identity token for a verified
    /// customer.
    #[cfg(feature = "miaw")]
    Identify(String),
    /// Enhanced Chat: `Chasitor.logout()`: the access token revoked, the chat forgotten.
    #[cfg(feature = "miaw")]
    Logout,
    /// Enhanced Chat: "Download transcript" where the deployment allows the server's PDF.
    #[cfg(feature = "miaw")]
    DownloadTranscript,
    /// Enhanced Chat: `loaded` of `total` bytes of the upload [`Output::Fetch`] `id` went.
    #[cfg(feature = "miaw")]
    Progress {
        id: RequestId,
        loaded: f64,
        total: f64,
    },
    /// The visitor (or the site) ends the chat.
    End,
    /// After the chat ended: back to a fresh pre-chat form.
    NewChat,
    /// The window opens (`true`) or is minimised.
    SetOpen(bool),
    ToggleOpen,
    /// "Continue here": the chat moves to this tab.
    TakeOver,
    /// `Chasitor.sendCustomEvent(type, data)`.
    CustomEvent {
        event_type: String,
        data: String,
    },
    /// `Chasitor.setPrechat({...})`.
    Prefill(Vec<(String, String)>),
    /// The offline view's "Check again".
    CheckAvailability,
    /// The page's URL may have changed (a single-page app navigated).
    Navigated(String),
    /// The outcome of a request from [`Output::Request`] or [`Output::Fetch`].
    Answer {
        id: RequestId,
        outcome: Outcome,
    },
    /// Part of the body of a streamed [`Output::Fetch`], as it arrived (an empty one as soon as
    /// a 200 answer's headers are in); its end comes as [`Input::Answer`].
    Chunk {
        id: RequestId,
        bytes: Vec<u8>,
    },
    /// The answer to [`Effect::RequestLock`].
    LockAnswer {
        generation: u64,
        got: bool,
    },
    /// The lock held for `generation` was stolen by another tab.
    LockLost {
        generation: u64,
    },
    /// A message from the other tabs.
    TabMessage(String),
    /// The page is going away (`pagehide`).
    PageHide,
    /// The page was hidden or shown.
    Visibility {
        hidden: bool,
    },
    /// The browser went online or offline (`navigator.onLine`, `online` / `offline`).
    Online(bool),
    /// The page was frozen or resumed (Page Lifecycle `freeze` / `resume`).
    Frozen(bool),
    /// A storage write failed: everything is written again at the next change.
    StorageFailed,
    /// The site tears the widget down (`Chasitor.destroy()`): abort everything, let the lock go,
    /// leave the chat resumable.
    Shutdown,
    /// The time from [`Core::next_deadline`](super::Core::next_deadline) has come.
    Tick,
}

/// Something for the browser to do besides requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Write (or remove) a storage key.
    Store(Write),
    /// Ask for a Web Lock; answer with [`Input::LockAnswer`] (and [`Input::LockLost`]).
    RequestLock {
        name: String,
        mode: LockMode,
        generation: u64,
    },
    /// Let go of the lock granted for `generation`.
    ReleaseLock { generation: u64 },
    /// Post this text to the other tabs.
    Broadcast(String),
    /// Call the site's listeners.
    Site(SiteEvent),
    /// The new-message sound.
    Beep,
    /// A console warning for the site owner.
    Warn(String),
    /// A console error for the site owner.
    Error(String),
    /// Enhanced Chat: a fresh identity token is needed from the site (its `refresh` function).
    #[cfg(feature = "miaw")]
    NeedIdentity,
}

/// What the core asks for, in the drain order of [`Core::poll_output`](super::Core::poll_output).
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Abort this request's fetch (its answer, if any, is ignored).
    Abort(RequestId),
    /// Issue this Live Agent request and answer with [`Input::Answer`].
    Request(HttpRequest),
    /// Issue this Enhanced Chat request and answer with [`Input::Answer`] (and, for a stream,
    /// [`Input::Chunk`]s first).
    #[cfg(feature = "miaw")]
    Fetch(miaw::Request),
    Effect(Effect),
    View(ViewChange),
}
