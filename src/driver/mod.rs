//! Browser IO around the engine: fetch, timers, sessionStorage. Nothing else in the crate touches
//! them.
//!
//! - [`chat`]: the [`Driver`], the loop that feeds the engine and runs its requests and timer;
//! - [`net`]: one request through `fetch`, with an abort signal;
//! - [`view`]: the signals the UI reads ([`ChatView`]) and the stored transcript;
//! - [`storage`]: sessionStorage under the `chasitor:` prefix (the transcript in chunks:
//!   `transcript_store`);
//! - [`tab_lock`]: one poller per chat across tabs (Web Locks, BroadcastChannel);
//! - [`api`]: the site owner's `window.Chasitor` (methods, events, the loader's queue) and
//!   breadcrumbs;
//! - [`availability`]: Visitor/Availability on load and at the ping rate;
//! - [`extras`]: the signals and hooks of the extras (post-chat URL, sound, sneak peek, download);
//! - [`panic`]: the last line of defence, a panic hook that shows "chat unavailable".

pub mod api;
pub mod availability;
pub mod chat;
pub mod extras;
pub mod net;
pub mod panic;
pub mod storage;
pub mod tab_lock;
pub mod transcript_store;
pub mod view;

pub use chat::{Driver, STORAGE_PREFIX};
pub use view::{Author, Banner, ChatView, Item, Note, QueueInfo, Row, Rows, Transcript};
