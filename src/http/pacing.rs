//! Pacing and counters of a run's requests: a pacer that spaces requests evenly at a fixed
//! rate (a burst takes one slot for each of its requests, and leaves at the last), and the
//! counters the budget and the user cap are kept with.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Counters of a run.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Requests sent.
    pub requests: AtomicU64,
    /// 429s retried after their Retry-After.
    pub throttle_retries: AtomicU64,
    /// Transient 5xx answers retried (the SDKs' standard retry mode).
    pub transient_retries: AtomicU64,
    /// Milliseconds waited before those retries, in all.
    pub transient_backoff_ms: AtomicU64,
    /// Users created, or reserved by calls in flight that are meant to create one.
    pub users: AtomicU64,
}

/// Spaces requests evenly at a fixed rate.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    pub(crate) fn new(rate: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Takes the next `n` slots at once and waits for the last of them, so that `n`
    /// requests can leave together without any of them running ahead of its slot.
    pub(crate) async fn wait_many(&self, n: u32) {
        tokio::time::sleep_until(self.take(n)).await;
    }

    /// Takes the next `n` slots (at least one); returns when the last of them is due.
    fn take(&self, n: u32) -> tokio::time::Instant {
        let mut next = crate::util::lock(&self.next);
        let first = (*next).max(tokio::time::Instant::now());
        let last = first + self.interval.saturating_mul(n.saturating_sub(1));
        *next = last + self.interval;
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_takes_one_slot_for_each_request_and_is_due_at_the_last() {
        let pacer = Pacer::new(10.0);
        let start = tokio::time::Instant::now();
        let single = pacer.take(1);
        assert!(single - start < Duration::from_millis(20));
        let burst = pacer.take(5);
        assert_eq!(burst - single, Duration::from_millis(500));
        assert_eq!(pacer.take(1) - burst, Duration::from_millis(100));
        assert_eq!(pacer.take(0) - burst, Duration::from_millis(200));
    }
}
