//! The availability poller: whether an agent can take a chat. `GET Visitor/Availability` (with
//! the estimated wait time) at start, `GET Visitor/Settings` once for the ping rate (50 s when
//! the server does not say), then a check per ping while the window is closed and no chat runs
//! (no timer at all otherwise). A failed check changes nothing shown and backs off: the next one
//! waits twice as long each time, up to [`MAX_BACKOFF_MS`].
//!
//! Sans-IO: requests out ([`Availability::poll_request`], ids from the caller's id space), answers
//! in ([`Availability::answer`]), what is known out ([`Availability::poll_known`]).

use super::{Millis, RequestId};
use crate::live_agent::engine::HttpRequest;
use crate::live_agent::wire::{
    AvailabilityQuery, AvailabilityResponse, Header, Resource, SettingsQuery, SettingsResponse,
};
use crate::session::{Outcome, REQUEST_TIMEOUT_MS};

/// The ping rate when the server gives none (ms).
pub const DEFAULT_PING_MS: u64 = 50_000;
/// The longest wait between checks after failures (ms).
pub const MAX_BACKOFF_MS: u64 = 600_000;

/// What the deployment is: the ids the queries name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deployment {
    pub org_id: String,
    pub deployment_id: String,
    pub button_id: String,
    pub api_version: String,
}

/// Whether the button is online, and the estimated wait (seconds) when it is and the server
/// knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    pub available: bool,
    pub wait_secs: Option<u32>,
}

/// The ping rate from a Settings `pingRate` (ms, or seconds when small), kept within 10 s..10 min.
pub fn ping_ms(ping_rate: f64) -> u64 {
    if !ping_rate.is_finite() || ping_rate <= 0.0 {
        return DEFAULT_PING_MS;
    }
    let ms = if ping_rate < 1_000.0 {
        ping_rate * 1_000.0
    } else {
        ping_rate
    };
    (ms as u64).clamp(10_000, 600_000)
}

/// Ids are compared on their first 15 characters (an 18-character id names the same record).
fn same_id(a: &str, b: &str) -> bool {
    a.chars().take(15).eq(b.chars().take(15))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asking {
    Availability,
    Settings,
}

/// The poller. See the module documentation.
#[derive(Clone, Debug)]
pub struct Availability {
    deployment: Deployment,
    /// The ping rate, once Settings answered.
    ping_ms: Option<u64>,
    flight: Option<(RequestId, Asking)>,
    /// When the next check is due (kept while paused: the check waits for the pause to end).
    next_check: Option<Millis>,
    /// Failed checks in a row.
    failures: u32,
    /// The window is closed and no chat runs: checks go out.
    active: bool,
    /// The first check was answered (or failed): the ping rate is asked for next.
    first_done: bool,
    /// The visitor asked to check again: one check now, even while paused.
    asked: bool,
    requests: Vec<HttpRequest>,
    /// What the last check said, not yet taken by [`Availability::poll_known`].
    known: Option<Known>,
}

impl Availability {
    /// A poller that checks at once (its first request is waiting).
    pub fn new(deployment: Deployment) -> Availability {
        Availability {
            deployment,
            ping_ms: None,
            flight: None,
            next_check: Some(0),
            failures: 0,
            active: true,
            first_done: false,
            asked: false,
            requests: Vec::new(),
            known: None,
        }
    }

    /// Whether checks may go out now (the window is closed and no chat runs).
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }

    /// Checks now (the offline view's "Check again", shown while the window is open), unless a
    /// check is on its way.
    pub fn refresh(&mut self, now: Millis) {
        self.next_check = Some(now);
        self.asked = true;
    }

    /// Issues what is due; `next_id` gives each request its id.
    pub fn pump(&mut self, now: Millis, next_id: &mut dyn FnMut() -> RequestId) {
        if self.flight.is_some() {
            return;
        }
        let asking = if self.first_done && self.ping_ms.is_none() {
            // Right after the first check: the ping rate, once.
            Asking::Settings
        } else if self.next_check.is_some_and(|t| t <= now)
            && (self.active || self.asked || !self.first_done)
        {
            self.asked = false;
            Asking::Availability
        } else {
            return;
        };
        let d = &self.deployment;
        let (resource, query) = match asking {
            Asking::Availability => (
                Resource::Availability,
                AvailabilityQuery {
                    org_id: d.org_id.clone(),
                    deployment_id: d.deployment_id.clone(),
                    ids: vec![d.button_id.clone()],
                    need_estimated_wait_time: true,
                }
                .to_query(),
            ),
            Asking::Settings => (
                Resource::Settings,
                SettingsQuery {
                    org_id: d.org_id.clone(),
                    deployment_id: d.deployment_id.clone(),
                    button_ids: vec![d.button_id.clone()],
                    need_estimated_wait_time: false,
                    update_breadcrumb: false,
                }
                .to_query(),
            ),
        };
        let id = next_id();
        self.flight = Some((id, asking));
        self.requests.push(HttpRequest {
            id,
            resource,
            method: resource.method(),
            path: resource.path().to_string(),
            query,
            headers: vec![(Header::ApiVersion.name(), d.api_version.clone())],
            body: None,
            timeout_ms: Some(REQUEST_TIMEOUT_MS),
        });
    }

    /// The next request to issue.
    #[must_use]
    pub fn poll_request(&mut self) -> Option<HttpRequest> {
        (!self.requests.is_empty()).then(|| self.requests.remove(0))
    }

    /// What the last successful check said, once (then `None` until the next one).
    #[must_use]
    pub fn poll_known(&mut self) -> Option<Known> {
        self.known.take()
    }

    /// Whether `id` is one of this poller's requests.
    pub fn owns(&self, id: RequestId) -> bool {
        self.flight.is_some_and(|(f, _)| f == id)
    }

    /// The outcome of the request `id`.
    pub fn answer(&mut self, id: RequestId, outcome: Outcome, now: Millis) {
        let Some((_, asking)) = self.flight.filter(|(f, _)| *f == id) else {
            return;
        };
        self.flight = None;
        let body = match outcome {
            Outcome::Http { status: 200, body } => Some(body),
            _ => None,
        };
        match asking {
            Asking::Settings => {
                let ping = body
                    .and_then(|b| SettingsResponse::from_json(&b).ok())
                    .map_or(DEFAULT_PING_MS, |s| ping_ms(s.ping_rate));
                self.ping_ms = Some(ping);
                self.next_check = Some(now.saturating_add(self.wait_ms()));
            }
            Asking::Availability => {
                match body.and_then(|b| AvailabilityResponse::from_json(&b).ok()) {
                    Some(answer) => {
                        let button = &self.deployment.button_id;
                        let result = answer.results.iter().find(|r| same_id(&r.id, button));
                        let available = result.is_some_and(|r| r.is_available);
                        let wait = result
                            .and_then(|r| r.estimated_wait_time)
                            .filter(|w| w.is_finite() && *w > 0.0)
                            .map(|w| w.round().min(f64::from(u32::MAX)) as u32);
                        let known = Known {
                            available,
                            wait_secs: if available { wait } else { None },
                        };
                        self.failures = 0;
                        self.known = Some(known);
                    }
                    None => self.failures = self.failures.saturating_add(1),
                }
                self.first_done = true;
                self.next_check = Some(now.saturating_add(self.wait_ms()));
            }
        }
    }

    /// The wait before the next check: the ping rate, doubled per failure in a row.
    fn wait_ms(&self) -> u64 {
        let ping = self.ping_ms.unwrap_or(DEFAULT_PING_MS);
        let factor = 1u64 << self.failures.min(16);
        ping.saturating_mul(factor).min(MAX_BACKOFF_MS.max(ping))
    }

    /// When [`Availability::pump`] has something to do next, if ever (nothing while paused).
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.flight.is_some() {
            None
        } else if self.first_done && self.ping_ms.is_none() {
            Some(0)
        } else if self.active || self.asked || !self.first_done {
            self.next_check
        } else {
            None
        }
    }
}
