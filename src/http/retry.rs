//! Retrying a 429 where throttling is not what a call tests: how long to wait, bounded.

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
