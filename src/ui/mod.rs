//! Leptos components. They read signals and send intents; they never build HTTP requests.
//!
//! - [`app`]: the root ([`App`]), the launcher, the window and its header;
//! - [`prechat`]: the pre-chat form;
//! - [`chat`]: the queue view, the transcript, the typing indicator and the composer;
//! - [`ended`]: the end-chat confirm step, the ended view and the offline view;
//! - [`other_tab`]: the notice while the chat is open in another tab;
//! - [`features`]: issue 7's extras (presence, wait estimate, offline contact, download);
//! - [`a11y`]: focus management;
//! - [`mount`]: mounting in a shadow root.

mod a11y;
pub mod app;
pub mod chat;
pub mod ended;
pub mod features;
mod mount;
pub mod other_tab;
pub mod prechat;

pub use app::{App, Ctx, Setup, Stage};
pub use mount::{mount_in_shadow, WIDGET_CSS};
