//! The vocabulary of a chat session that both APIs' engines speak and the core reads; neither API
//! owns it. Pure, no IO.
//!
//! - [`input`]: what an engine takes in ([`Input`]: the visitor's intents, HTTP outcomes, timers),
//!   the time ([`Millis`]), request ids, HTTP methods and a request header's lookup;
//! - [`state`]: what the view learns ([`Event`]): the chat's state, a message's delivery, why a
//!   chat ended, the engine's errors;
//! - [`retry`]: capped exponential backoff and the retry budget of a run of failures;
//! - [`saved`]: the readers of the saved state (sessionStorage JSON) every snapshot uses.
//!
//! The Live Agent engine ([`crate::live_agent::engine`]) and the Enhanced Chat one
//! ([`crate::miaw::engine`]) each import from here and never from each other.

pub mod input;
pub mod retry;
pub(crate) mod saved;
pub mod state;

#[cfg(feature = "miaw")]
pub use input::FileInfo;
pub use input::{header, Input, Method, Millis, Outcome, RequestId, REQUEST_TIMEOUT_MS};
pub use retry::{backoff_delay, Retry, BACKOFF_BASE_MS, BACKOFF_CAP_MS};
pub use state::{ChatState, Delivery, EndReason, EngineError, Event};
#[cfg(feature = "miaw")]
pub use state::{Ender, FileProblem, Identity};
