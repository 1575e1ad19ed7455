//! Enhanced Chat (Messaging for In-App and Web): the customer-side REST API and its event stream,
//! on the same server, state and control API as the Live Agent API. See `sim/README.md`.

pub(crate) mod access;
pub(crate) mod agent;
mod assets;
mod bot;
pub(crate) mod files;
pub(crate) mod identity;
mod rich;
mod session;
pub(crate) mod state;
mod token;
mod transcript;
pub(crate) mod upload;
mod verify;
mod visitor;
