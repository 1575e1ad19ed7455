//! Enhanced Chat (Salesforce Messaging for In-App and Web, "MIAW"): the customer-side REST API
//! and its server-sent event stream. Pure data and parsing, no IO (the endpoints and events are
//! collected in the project's MIAW notes, `spec/MIAW-NOTES.md`).
//!
//! - [`sse`]: a sans-IO `text/event-stream` parser: bytes in, events out.

pub mod sse;

pub use sse::{SseError, SseEvent, SseItem, SseParser};
