//! chasitor: a chat widget for websites on Salesforce's two chat APIs, Live Agent (the Chat REST
//! API) and Enhanced Chat (Messaging for In-App and Web).
//!
//! Layers, from the wire up:
//! - [`session`]: the vocabulary both APIs' engines speak and the core reads (inputs, events,
//!   states, delivery, end reasons, time, request ids, retry and backoff), neither API's own;
//! - [`lenient`]: reading server JSON leniently, for both APIs' wire types;
//! - [`live_agent`]: Live Agent, the first API: its wire types and its session as a state machine
//!   (pure, no IO, no clock of its own; feature `live-agent` picks it into the widget);
//! - [`miaw`]: Enhanced Chat, the second API: its engine, wire types and event-stream parser
//!   (pure, no IO; feature `miaw`);
//! - [`core`]: every decision the widget makes, the engine of either API among its machines
//!   (pure);
//! - [`config`] and [`labels`]: the site owner's settings and every visible string (pure);
//! - [`prechat`]: the pre-chat form's checks and the answers it makes (pure);
//! - [`links`]: the web addresses in a message's text, shown as links (pure);
//! - `driver` (wasm32 only): fetch, timers, sessionStorage around the engine, the only IO;
//! - `ui` (wasm32 only): Leptos components that read signals and send intents.

pub mod config;
pub mod core;
pub mod labels;
pub mod lenient;
pub mod links;
pub mod live_agent;
#[cfg(feature = "miaw")]
pub mod miaw;
pub mod prechat;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub use embed::{boot, mount};
