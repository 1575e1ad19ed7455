//! Capped exponential backoff with jitter, and the retry budget of one run of failures.

use super::Millis;
use serde::{Deserialize, Serialize};

/// The first retry waits about this long.
pub const BACKOFF_BASE_MS: u64 = 500;
/// Waits double up to this cap.
pub const BACKOFF_CAP_MS: u64 = 10_000;

/// The wait before retry number `attempt` (0-based): `min(cap, base * 2^attempt)`, minus a
/// jitter of up to a quarter of it taken from `rand` (so `rand = 0` gives the plain doubling
/// 500, 1000, 2000, 4000, 8000, 10000, 10000...).
pub fn backoff_delay(attempt: u32, rand: u32) -> u64 {
    let exp = BACKOFF_BASE_MS
        .saturating_mul(1u64 << attempt.min(20))
        .min(BACKOFF_CAP_MS);
    exp - u64::from(rand) % (exp / 4 + 1)
}

/// One channel's run of failures (reset by a success).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    first_failure: Option<Millis>,
    attempts: u32,
}

impl Retry {
    /// Records a failure at `now`. `Some(wait)` before the next attempt, or `None` when
    /// `budget_ms` has passed since the first failure of this run: give up.
    pub fn fail(&mut self, now: Millis, budget_ms: u64, rand: u32) -> Option<u64> {
        let first = *self.first_failure.get_or_insert(now);
        if now.saturating_sub(first) >= budget_ms {
            return None;
        }
        let wait = backoff_delay(self.attempts, rand);
        self.attempts = self.attempts.saturating_add(1);
        Some(wait)
    }

    /// Like [`Retry::fail`] for a failure that is retried at once (a dead poll): `false` when
    /// the budget is spent.
    pub fn fail_now(&mut self, now: Millis, budget_ms: u64) -> bool {
        let first = *self.first_failure.get_or_insert(now);
        self.attempts = self.attempts.saturating_add(1);
        now.saturating_sub(first) < budget_ms
    }

    /// A failure while the browser is offline or the page frozen: the next wait, counted as an
    /// attempt but spending none of the budget (the visitor's own network is down, not the
    /// server).
    pub fn fail_paused(&mut self, rand: u32) -> u64 {
        let wait = backoff_delay(self.attempts, rand);
        self.attempts = self.attempts.saturating_add(1);
        wait
    }

    /// [`Retry::fail`], or [`Retry::fail_paused`] while `paused`.
    pub fn fail_unless_paused(
        &mut self,
        paused: bool,
        now: Millis,
        budget_ms: u64,
        rand: u32,
    ) -> Option<u64> {
        if paused {
            Some(self.fail_paused(rand))
        } else {
            self.fail(now, budget_ms, rand)
        }
    }

    /// Whether a run of failures is on (no success since the first one).
    pub fn failing(&self) -> bool {
        self.attempts > 0
    }

    /// A success ends the run.
    pub fn succeed(&mut self) {
        *self = Retry::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_without_jitter() {
        let waits: Vec<u64> = (0..8).map(|a| backoff_delay(a, 0)).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    }

    #[test]
    fn jitter_stays_within_a_quarter_below() {
        for attempt in 0..10 {
            let plain = backoff_delay(attempt, 0);
            for rand in [1, 7, 1000, u32::MAX] {
                let w = backoff_delay(attempt, rand);
                assert!(w <= plain && w >= plain - plain / 4, "{attempt} {rand} {w}");
            }
        }
        assert_eq!(backoff_delay(0, 1), 499);
    }

    #[test]
    fn failures_while_paused_spend_no_budget() {
        let mut r = Retry::default();
        assert_eq!(r.fail_paused(0), 500);
        assert_eq!(r.fail_paused(0), 1000);
        assert!(r.failing());
        // The budget counts from the first failure outside the pause.
        assert_eq!(r.fail(100_000, 3000, 0), Some(2000));
        assert_eq!(r.fail(102_000, 3000, 0), Some(4000));
        assert_eq!(r.fail(103_000, 3000, 0), None);
        r.succeed();
        assert!(!r.failing());
    }

    #[test]
    fn budget_counts_from_the_first_failure() {
        let mut r = Retry::default();
        assert_eq!(r.fail(1000, 3000, 0), Some(500));
        assert_eq!(r.fail(1500, 3000, 0), Some(1000));
        assert_eq!(r.fail(2500, 3000, 0), Some(2000));
        assert_eq!(r.fail(4000, 3000, 0), None);
        r.succeed();
        assert_eq!(r.fail(9000, 3000, 0), Some(500));
    }
}
