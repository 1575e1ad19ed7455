//! Leptos components. They read signals and send intents; they never build HTTP requests.
//!
//! - [`app`]: the root ([`App`]), the launcher, the window and its header;
//! - [`prechat`]: the pre-chat form;
//! - [`chat`]: the queue view, the transcript, the typing indicator and the composer;
//! - [`ended`]: the end-chat confirm step, the ended view and the offline view;
//! - `session_ended` (Enhanced Chat): the way on between two messaging sessions;
//! - `files` (Enhanced Chat): the paperclip, drops and pastes, the checks' messages;
//! - `rich` (Enhanced Chat): menus, cards, links and files in the transcript, the visitor's
//!   uploads;
//! - [`other_tab`]: the notice while the chat is open in another tab;
//! - [`availability`]: presence, the wait estimate, the offline view's actions;
//! - [`after_chat`]: the transcript download and the post-chat link;
//! - [`ctx`]: what components reach through the context, and the journey's stages;
//! - `dom` (Enhanced Chat): static markup built straight into the DOM, for the rich rows;
//! - [`dynamic`]: the reactive parts of the views, each behind one type;
//! - [`a11y`]: focus management;
//! - [`mount`]: mounting in a shadow root.

mod a11y;
pub mod after_chat;
pub mod app;
pub mod availability;
pub mod chat;
pub mod ctx;
#[cfg(feature = "miaw")]
mod dom;
mod dynamic;
pub mod ended;
#[cfg(feature = "miaw")]
pub mod files;
mod mount;
pub mod other_tab;
pub mod prechat;
#[cfg(feature = "miaw")]
pub mod rich;
#[cfg(feature = "miaw")]
pub mod session_ended;

pub use app::{App, Setup};
pub use ctx::{Ctx, Stage};
pub use mount::{mount_in_shadow, WIDGET_CSS};
