//! Wire types of the Chat REST API ("Live Agent"): the resource table, request bodies and query
//! parameters, and response bodies. Pure data and serde, no IO.
//!
//! - [`resources`]: every resource's path, method and headers; the one place those strings live.
//! - [`requests`]: what the visitor sends (bodies serialize to the guide's camelCase JSON).
//! - [`responses`]: what the server answers; decoding is lenient so one odd message never
//!   loses a whole batch (see [`MessagesResponse::from_json`]).

pub mod requests;
pub mod resources;
pub mod responses;

pub use crate::lenient::{JsonText, Loose, ProtocolError, TrueUnlessFalse};
pub use requests::*;
pub use resources::*;
pub use responses::*;
