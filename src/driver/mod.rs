//! Browser IO around the core: nothing here decides anything a native test cannot reach.
//!
//! - [`shell`]: the one loop that owns the [`crate::core::Core`] and every browser handle
//!   (fetches, the timer, Web Locks, the tabs' channel, listeners) and tears them down;
//! - [`net`]: one request through `fetch`, with an abort signal;
//! - [`view`]: the signals the UI reads ([`ChatView`]) and the driver writes;
//! - [`storage`]: sessionStorage under the `chasitor:` prefix;
//! - [`site_api`]: the site owner's `window.Chasitor` (its methods, the loader's queue);
//! - [`site_events`]: the site's listeners and the events they get;
//! - [`sound`], [`download`]: the new-message beep and the transcript download;
//! - [`js`]: helpers for browser APIs without web-sys bindings;
//! - `identity` (Enhanced Chat): the site's function for a fresh identity token;
//! - `upload` (Enhanced Chat): the visitor's files, held while the page lives and uploaded with
//!   their progress;
//! - [`panic`]: the last line of defence, a panic hook that shows "chat unavailable".

pub mod download;
#[cfg(feature = "miaw")]
pub mod identity;
pub mod js;
pub mod net;
pub mod panic;
pub mod shell;
pub mod site_api;
pub mod site_events;
pub mod sound;
pub mod storage;
#[cfg(feature = "miaw")]
pub mod upload;
pub mod view;

use crate::core::Input;
use crate::prechat::Prechat;
pub use shell::{Handle, Shell, STORAGE_PREFIX};
use std::rc::Rc;
pub use view::{Author, Banner, ChatView, Connection, Item, Note, QueueInfo, Row, Rows};

/// What the UI can ask for: intents, each an input to the loop. Holds the loop alive as long as
/// the UI that holds it (the loop lets the UI go at teardown).
#[derive(Clone)]
pub struct Intents {
    handle: Handle,
    _shell: Rc<Shell>,
}

impl Intents {
    pub fn new(shell: Rc<Shell>) -> Intents {
        Intents {
            handle: Shell::handle(&shell),
            _shell: shell,
        }
    }

    /// The visitor sent the pre-chat form.
    pub fn start(&self, prechat: Prechat) {
        self.handle.input(Input::Start(prechat));
    }

    /// The visitor sends `text` (already within the length limit).
    pub fn send(&self, text: String) {
        self.handle.input(Input::Send(text));
    }

    /// The visitor typed: `text` is the composer's content now.
    pub fn typed(&self, text: &str) {
        self.handle.input(Input::Typed(text.to_string()));
    }

    /// The visitor confirmed ending the chat.
    pub fn end(&self) {
        self.handle.input(Input::End);
    }

    /// After the chat ended: back to a fresh pre-chat form.
    pub fn new_chat(&self) {
        self.handle.input(Input::NewChat);
    }

    /// The window was opened (`true`) or minimised.
    pub fn set_open(&self, open: bool) {
        self.handle.input(Input::SetOpen(open));
    }

    /// "Continue here": the chat moves to this tab.
    pub fn take_over(&self) {
        self.handle.input(Input::TakeOver);
    }

    /// Enhanced Chat: the visitor picks `option` (titled `title`) of the menu `reply_to`.
    #[cfg(feature = "miaw")]
    pub fn choose(&self, reply_to: String, option: String, title: String) {
        self.handle.input(Input::Choose {
            reply_to,
            option,
            title,
        });
    }

    /// Enhanced Chat: the visitor sends `file` (checked against the limits already).
    #[cfg(feature = "miaw")]
    pub fn send_file(&self, file: web_sys::File) {
        self.handle.input(Input::SendFile(upload::hold(file)));
    }

    /// Enhanced Chat: the visitor cancels the upload of the row `local_id`.
    #[cfg(feature = "miaw")]
    pub fn cancel_upload(&self, local_id: u64) {
        self.handle.input(Input::CancelUpload(local_id));
    }

    /// Enhanced Chat: the server's PDF transcript, saved as a download.
    #[cfg(feature = "miaw")]
    pub fn download_transcript(&self) {
        self.handle.input(Input::DownloadTranscript);
    }

    /// Enhanced Chat: the visitor sends the failed row `local_id` again.
    #[cfg(feature = "miaw")]
    pub fn retry(&self, local_id: u64) {
        self.handle.input(Input::Retry(local_id));
    }

    /// "Check again": availability now.
    pub fn check_availability(&self) {
        self.handle.input(Input::CheckAvailability);
    }
}
