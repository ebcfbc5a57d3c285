//! Retrying where an AWS SDK would: a 429 where throttling is not what a call tests (after
//! its `Retry-After`, bounded), and a transient 5xx where no fault was injected (the SDKs'
//! standard retry mode: 3 attempts, exponential backoff with full jitter).

use std::time::Duration;

use super::ReceivedResponse;

/// How many times a 429 is retried where throttling is not what is being tested.
pub const MAX_THROTTLE_RETRIES: u32 = 4;
/// The longest single wait for `Retry-After`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// How long to wait before retry number `attempt` of a throttled call.
pub(crate) fn retry_after(response: &ReceivedResponse, attempt: u32) -> Duration {
    let advised = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let backoff = Duration::from_millis(100 * 2u64.pow(attempt.min(6)));
    advised.unwrap_or(backoff).min(MAX_RETRY_AFTER)
}

/// Attempts at most of a call answered with a transient 5xx: the standard retry mode's 3.
pub const MAX_TRANSIENT_ATTEMPTS: u32 = 3;
/// The standard mode's backoff base and cap.
pub(super) const TRANSIENT_BACKOFF_BASE: Duration = Duration::from_secs(1);
pub(super) const TRANSIENT_BACKOFF_CAP: Duration = Duration::from_secs(20);
/// The base against a loopback target (the mock in the project's tests): the same shape,
/// scaled down so that a defect answering 5xx to every request stays quick to test.
pub(super) const LOOPBACK_BACKOFF_BASE: Duration = Duration::from_millis(50);

/// The statuses the standard retry mode takes as transient.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// How long to wait before retry number `retry` (1-based) of a transient 5xx: a random
/// fraction (`jitter`, in 0..1) of `base * 2^(retry-1)`, at most the cap.
pub(crate) fn transient_backoff(retry: u32, base: Duration, jitter: f64) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(16)))
        .min(TRANSIENT_BACKOFF_CAP);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transient_backoff_grows_and_is_capped() {
        let base = Duration::from_secs(1);
        assert_eq!(transient_backoff(1, base, 1.0), Duration::from_secs(1));
        assert_eq!(transient_backoff(2, base, 1.0), Duration::from_secs(2));
        assert_eq!(transient_backoff(3, base, 0.5), Duration::from_secs(2));
        assert_eq!(transient_backoff(9, base, 1.0), TRANSIENT_BACKOFF_CAP);
        assert_eq!(transient_backoff(1, base, 0.0), Duration::ZERO);
        assert!([500, 502, 503, 504].into_iter().all(is_transient));
        assert!(![429, 501, 400].into_iter().any(is_transient));
    }
}
