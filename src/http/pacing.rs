//! Pacing and counters of a run's requests: a pacer that spaces requests evenly at a fixed
//! rate (no bursts), and the counters the budget and the user cap are kept with.

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

    /// Waits for this request's slot.
    pub(crate) async fn wait(&self) {
        let slot = {
            let mut next = crate::util::lock(&self.next);
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
