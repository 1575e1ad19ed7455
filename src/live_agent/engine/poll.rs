//! The Messages long poll: its ack, the last offset, and the one poll on its way.

use super::types::Flight;
use crate::session::Millis;
use crate::session::Retry;

/// Added to `clientPollTimeout` before a poll counts as dead.
pub const POLL_MARGIN_MS: u64 = 5_000;

/// How long the replacement of a poll the engine abandoned (and the driver aborted) waits: time
/// for the aborted connection to close, so the server never sees two polls of the session at once
/// (it answers 409 to that and ends the chat).
pub const ABANDON_PAUSE_MS: u64 = 100;

/// The poll loop's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poll {
    /// The `ack` of the next poll: -1 first, then the `sequence` of the last 200.
    pub ack: i64,
    /// The `offset` of the last 200 that carried one (for ReconnectSession).
    pub offset: Option<i64>,
    /// Whether the loop runs (from ChasitorInit's answer until the chat ends).
    pub active: bool,
    /// The poll on its way; never more than one.
    pub flight: Option<Flight>,
    /// A backoff wait before the next poll.
    pub retry_at: Option<Millis>,
    pub retry: Retry,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            ack: -1,
            offset: None,
            active: false,
            flight: None,
            retry_at: None,
            retry: Retry::default(),
        }
    }
}

impl Poll {
    /// Whether a poll should go out now.
    pub fn due(&self, now: Millis) -> bool {
        self.active && self.flight.is_none() && self.retry_at.is_none_or(|t| t <= now)
    }

    /// The poll's timeout: `clientPollTimeout` seconds plus a margin.
    pub fn timeout_ms(client_poll_timeout_secs: u32) -> u64 {
        u64::from(client_poll_timeout_secs) * 1000 + POLL_MARGIN_MS
    }
}
