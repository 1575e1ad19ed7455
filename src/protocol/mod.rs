//! Wire types of the Chat REST API ("Live Agent"): the resource table, request bodies and query
//! parameters, and response bodies. Pure data and serde, no IO.
//!
//! - [`resources`]: every resource's path, method and headers; the one place those strings live.
//! - [`requests`]: what the visitor sends (bodies serialize to the guide's camelCase JSON).
//! - [`responses`]: what the server answers; decoding is lenient so one odd message never
//!   loses a whole batch (see [`MessagesResponse::from_json`]).

mod lenient;
pub mod requests;
pub mod resources;
pub mod responses;

pub use lenient::{JsonText, Loose, TrueUnlessFalse};
pub use requests::*;
pub use resources::*;
pub use responses::*;

use std::fmt;

/// Why a server answer could not be decoded at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The body is not valid JSON (the parser's message is kept).
    InvalidJson(String),
    /// The body is JSON but not an object where the protocol requires one.
    NotAnObject,
    /// The body is a JSON object but does not have the shape of the expected type.
    UnexpectedShape {
        /// The type that was expected, e.g. "SessionId".
        expected: &'static str,
        /// serde's description of the mismatch.
        detail: String,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::InvalidJson(detail) => {
                write!(f, "the server's answer is not valid JSON: {detail}")
            }
            ProtocolError::NotAnObject => {
                write!(f, "the server's answer is JSON but not an object")
            }
            ProtocolError::UnexpectedShape { expected, detail } => {
                write!(
                    f,
                    "the server's answer is not a valid {expected} body: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for ProtocolError {}
