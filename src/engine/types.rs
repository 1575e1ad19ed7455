//! The engine's inputs and outputs that are not about chat state: configuration, the visitor's
//! intents, HTTP outcomes, and the requests the engine asks the driver to issue.

use crate::protocol::{CustomDetail, Entity, Method, Resource};
use serde::{Deserialize, Serialize};

/// Milliseconds, e.g. `Date.now()`. Only ever supplied by the caller: the engine has no clock.
pub type Millis = u64;

/// Identifies one HTTP request the engine asked for; the driver hands it back with the outcome.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// What the engine needs to know about the deployment and the visitor's browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub org_id: String,
    pub deployment_id: String,
    pub button_id: String,
    /// `X-LIVEAGENT-API-VERSION`, e.g. "56".
    pub api_version: String,
    /// The visitor's language, e.g. "en-US".
    pub language: String,
    pub user_agent: String,
    /// e.g. "2560x1440".
    pub screen_resolution: String,
    /// Network retries (errors, timeouts, 5xx) give up after this long since the first failure
    /// of a run of failures, and the chat ends with [`crate::engine::EndReason::Error`].
    pub retry_budget_ms: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            org_id: String::new(),
            deployment_id: String::new(),
            button_id: String::new(),
            api_version: "56".to_string(),
            language: "en-US".to_string(),
            user_agent: String::new(),
            screen_resolution: String::new(),
            retry_budget_ms: 60_000,
        }
    }
}

/// The pre-chat form's answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prechat {
    pub visitor_name: String,
    pub details: Vec<CustomDetail>,
    pub entities: Vec<Entity>,
    /// Each field's answer by field name (Enhanced Chat's `routingAttributes`).
    #[serde(default)]
    pub answers: Vec<(String, String)>,
}

/// Something that happened: a visitor intent, the outcome of a request, or a timer firing.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The visitor is about to chat (the window opened with no chat): Enhanced Chat fetches
    /// its token, and with it the deployment's pre-chat form, ahead of the form. Live Agent has
    /// nothing to prepare.
    Prepare,
    /// The visitor asks for a chat.
    Start(Prechat),
    /// The visitor sends a message; `local_id` names it in [`crate::engine::Event::VisitorMessage`].
    SendText { local_id: u64, text: String },
    /// The visitor started (`true`) or stopped (`false`) typing.
    Typing(bool),
    /// What the visitor is typing right now (sent only when the agent has sneak peek enabled).
    SneakPeek(String),
    /// A custom event for the agent's console.
    CustomEvent { event_type: String, data: String },
    /// The visitor ends the chat.
    End,
    /// The visitor is on a new page (a single-page app navigated): `POST Visitor/Breadcrumb`
    /// with this URL, while a chat runs. Fire and forget: its answer changes nothing.
    Breadcrumb(String),
    /// The browser's connectivity (`navigator.onLine`, `online` / `offline` events). While
    /// offline no request goes out and no retry budget is spent; back online, whatever waits is
    /// retried at once with a fresh budget.
    Online(bool),
    /// The page was frozen (`freeze`) or resumed (`resume`): as offline, then online.
    Frozen(bool),
    /// The page became visible again: whatever waits out a backoff is retried at once.
    Wake,
    /// The outcome of a request from [`crate::engine::Engine::poll_request`].
    Response { id: RequestId, outcome: Outcome },
    /// Part of a streamed answer's body, as it arrived (an empty one when the answer's headers
    /// are in); its end comes as a `Response` (Enhanced Chat's event stream).
    Chunk { id: RequestId, bytes: Vec<u8> },
    /// The time from [`crate::engine::Engine::next_deadline`] has come.
    Tick,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered (any status).
    Http { status: u16, body: String },
    /// The fetch was rejected or the connection dropped.
    Network(String),
    /// The driver aborted the request after its `timeout_ms`.
    TimedOut,
}

/// A request for the driver to issue. The driver prefixes `path` with the endpoint, encodes
/// `query`, sets `headers`, sends `body` as `application/json`, and aborts after `timeout_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub id: RequestId,
    pub resource: Resource,
    pub method: Method,
    /// The resource path (e.g. "/System/Messages"), plus "/{key}" for DeleteSessionId.
    pub path: String,
    /// Query parameters, not yet percent-encoded.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
    /// JSON.
    pub body: Option<String>,
    /// Abort after this long and report [`Outcome::TimedOut`].
    pub timeout_ms: Option<u64>,
}

impl HttpRequest {
    /// A header's value by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value by name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `X-LIVEAGENT-SEQUENCE` header as a number, if present.
    pub fn sequence(&self) -> Option<u64> {
        self.header("X-LIVEAGENT-SEQUENCE")?.parse().ok()
    }
}

/// A request on its way: its id and when the engine gives up on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flight {
    pub id: RequestId,
    pub deadline: Millis,
}
