//! Enhanced Chat (Salesforce Messaging for In-App and Web, "MIAW"): the customer-side REST API
//! and its server-sent event stream. Pure data and parsing, no IO (the endpoints and events are
//! collected in the project's MIAW notes, `spec/MIAW-NOTES.md`).
//!
//! - [`engine`]: the conversation as a sans-IO state machine, beside the Live Agent one.
//! - [`files`]: what the visitor may send (the deployment's limit, the types offered).
//! - [`form`]: the deployment's pre-chat form as the widget's pre-chat fields.
//! - [`rich`]: messages beyond plain text (menus, cards, links, files) as the widget shows them.
//! - [`sse`]: a sans-IO `text/event-stream` parser: bytes in, events out.
//! - [`wire`]: request and answer bodies, the stream's events (read by hand from parsed JSON,
//!   lenient where servers differ) and the access token's expiry.

pub mod engine;
pub mod files;
pub mod form;
pub mod rich;
pub mod sse;
pub mod wire;

pub use sse::{SseError, SseEvent, SseItem, SseParser};
pub use wire::*;
