//! The Live Agent engine's configuration and the requests it asks the driver to issue.

use crate::live_agent::wire::Resource;
use crate::session::{header, Method, Millis, RequestId};
use serde::{Deserialize, Serialize};

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
    /// of a run of failures, and the chat ends with [`crate::session::EndReason::Error`].
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
        header(&self.headers, name)
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
