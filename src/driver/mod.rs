//! Browser IO around the engine: fetch, timers, sessionStorage. Nothing else in the crate touches
//! them.
//!
//! - [`chat`]: the [`Driver`], the loop that feeds the engine and runs its requests and timer;
//! - [`net`]: one request through `fetch`, with an abort signal;
//! - [`view`]: the signals the UI reads ([`ChatView`]) and the stored transcript;
//! - [`storage`]: sessionStorage under the `chasitor:` prefix;
//! - [`tab_lock`]: one poller per chat across tabs (Web Locks, BroadcastChannel);
//! - [`panic`]: the last line of defence, a panic hook that shows "chat unavailable".

pub mod chat;
pub mod net;
pub mod panic;
pub mod storage;
pub mod tab_lock;
pub mod view;

pub use chat::{Driver, STORAGE_PREFIX};
pub use view::{Author, Banner, ChatView, Item, Note, QueueInfo, Transcript};
