//! chasitor-sim: a LiveAgent (Salesforce Chat REST API) and Enhanced Chat (Messaging for In-App
//! and Web) server simulator.
//!
//! It serves the visitor side of the Chat REST API at `/chat/rest/...`, the Enhanced Chat API at
//! `/iamessage/api/v2/...` and `/eventrouter/v1/sse`, a control API for tests and
//! tools at `/_sim/...` (play the agent, inject faults, inspect what the server received) and an
//! agent console at `/agent`. See `sim/README.md`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! let sim = chasitor_sim::start(chasitor_sim::SimConfig {
//!     hold: Duration::from_millis(200),
//!     ..Default::default()
//! })
//! .await?;
//! println!("chat API at {}", sim.chat_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod base_url;
mod chat_api;
pub mod config;
mod control_api;
mod faults;
mod ids;
pub mod miaw;
mod miaw_api;
mod server;
mod state;

pub use config::{
    default_deployments, default_orgs, load_config, load_orgs, Attachments, ButtonConfig, Jwk,
    JwkAlg, JwkKeyType, MiawDeployment, OrgConfig, OrgsFile, PreChatField, PreChatForm, RateLimit,
    ScriptedBot, SimConfig, UserVerification, BOT_ES_DEVELOPER_NAME, DEFAULT_BUTTON_ID,
    DEFAULT_DEPLOYMENT_ID, DEFAULT_ES_DEVELOPER_NAME, DEFAULT_ORG_ID, OFFLINE_BUTTON_ID, TEST_JWK,
    VERIFIED_ES_DEVELOPER_NAME, VERIFIED_ISSUER,
};
pub use faults::FaultKind;
pub use server::{serve, start, start_on, SimHandle};

/// The text of the 400 for a ChatEnd without `"type":"ChatEndReason"` and a reason.
pub const CHATEND_INVALID: &str = chat_api::CHATEND_INVALID;
