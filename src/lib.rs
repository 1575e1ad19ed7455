//! chasitor: a chat widget for websites on the Salesforce Chat REST API ("Live Agent").
//!
//! Layers, from the wire up:
//! - [`protocol`]: the API's request and response bodies and its resource table (pure, no IO);
//! - [`engine`]: the chat session as a state machine (pure, no IO, no clock of its own);
//! - [`miaw`]: Enhanced Chat, the second API: its engine, wire types and event-stream parser
//!   (pure, no IO; feature `miaw`);
//! - [`config`] and [`labels`]: the site owner's settings and every visible string (pure);
//! - [`prechat`]: the pre-chat form's checks and the chat request's pre-chat part (pure);
//! - [`links`]: the web addresses in a message's text, shown as links (pure);
//! - `driver` (wasm32 only): fetch, timers, sessionStorage around the engine, the only IO;
//! - `ui` (wasm32 only): Leptos components that read signals and send intents.

pub mod config;
pub mod core;
pub mod engine;
pub mod labels;
pub mod links;
#[cfg(feature = "miaw")]
pub mod miaw;
pub mod prechat;
pub mod protocol;

#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub use embed::{boot, mount};
