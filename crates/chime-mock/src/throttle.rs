//! The per-account token bucket of throttled accounts. Time is passed in by the caller, so
//! the bucket is tested with a made-up clock.

use std::time::{Duration, Instant};

use crate::ThrottleConfig;

/// A token bucket: starts full with `burst` tokens and refills at `rate_per_second`.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    rate_per_second: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket at time `now`. The configuration is checked before a server starts;
    /// a non-positive rate is treated as one request per second all the same.
    pub(crate) fn new(config: &ThrottleConfig, now: Instant) -> TokenBucket {
        let rate = if config.rate_per_second.is_finite() && config.rate_per_second > 0.0 {
            config.rate_per_second
        } else {
            1.0
        };
        let burst = f64::from(config.burst.max(1));
        TokenBucket {
            rate_per_second: rate,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token at time `now`, or says how long until one is available.
    pub(crate) fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate_per_second).min(self.burst);
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.rate_per_second;
            Err(Duration::from_secs_f64(wait.clamp(0.0, 86_400.0)))
        }
    }
}

/// The `Retry-After` value for a wait: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_bucket_refills_at_the_rate() {
        let start = Instant::now();
        let config = ThrottleConfig {
            rate_per_second: 2.0,
            burst: 3,
        };
        let mut bucket = TokenBucket::new(&config, start);
        for _ in 0..3 {
            assert_eq!(bucket.try_take(start), Ok(()));
        }
        let wait = bucket.try_take(start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(retry_after_seconds(wait), 1);
        // Half a second later one token is back, and only one.
        let later = start + Duration::from_millis(500);
        assert_eq!(bucket.try_take(later), Ok(()));
        assert!(bucket.try_take(later).is_err());
        // A long pause refills no more than the burst.
        let much_later = later + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(bucket.try_take(much_later), Ok(()));
        }
        assert!(bucket.try_take(much_later).is_err());
    }

    #[test]
    fn a_clock_going_backwards_does_not_refill_or_panic() {
        let start = Instant::now() + Duration::from_secs(10);
        let config = ThrottleConfig {
            rate_per_second: 0.1,
            burst: 1,
        };
        let mut bucket = TokenBucket::new(&config, start);
        assert_eq!(bucket.try_take(start), Ok(()));
        let wait = bucket.try_take(start - Duration::from_secs(5)).unwrap_err();
        assert_eq!(retry_after_seconds(wait), 10);
    }

    #[test]
    fn retry_after_is_whole_seconds_and_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1200)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(3)), 3);
    }
}
