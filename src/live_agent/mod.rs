//! Live Agent: the Chat REST API of Salesforce's legacy Chat (retired in February 2026), pure, no
//! IO.
//!
//! - [`wire`]: the API's request and response bodies and its resource table;
//! - [`engine`]: the chat session as a sans-IO state machine (sequence, ack, offset, the 503
//!   handover, retries), speaking the shared vocabulary of [`crate::session`].

pub mod engine;
pub mod wire;
