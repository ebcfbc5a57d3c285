//! The transient unavailability of [`Variant::TransientUnavailable`]: which distinct
//! requests are refused once with 503 (an SDK retries them; the same request again gets
//! through), with bounded memory.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

#[cfg(doc)]
use super::Variant;

/// Under [`Variant::TransientUnavailable`], the ordinal (from 1) of a distinct request that
/// is refused once, modulo [`TRANSIENT_PERIOD`].
const TRANSIENT_ORDINAL: usize = 3;
/// Under [`Variant::TransientUnavailable`], one distinct request in this many is refused.
const TRANSIENT_PERIOD: usize = 7;
/// Under [`Variant::TransientUnavailable`], how many distinct requests are remembered; past
/// it none is refused (memory stays bounded).
pub(super) const MAX_TRANSIENT_REQUESTS: usize = 100_000;

/// The distinct requests seen under [`Variant::TransientUnavailable`], by a hash of the
/// account and the body.
#[derive(Debug, Default)]
pub(super) struct TransientFaults {
    seen: Mutex<HashSet<u64>>,
}

impl TransientFaults {
    /// Whether this request is refused: the first time a request is seen, if its ordinal
    /// among distinct requests is [`TRANSIENT_ORDINAL`] modulo [`TRANSIENT_PERIOD`]; never
    /// when it was seen before, nor once [`MAX_TRANSIENT_REQUESTS`] are remembered.
    pub(super) fn refuses(&self, account_id: &str, body: &[u8]) -> bool {
        // Fixed keys: the same request has the same key throughout the run.
        let mut hasher = std::hash::DefaultHasher::new();
        account_id.hash(&mut hasher);
        body.hash(&mut hasher);
        let key = hasher.finish();
        let mut seen = chime_contract::util::lock(&self.seen);
        if seen.len() >= MAX_TRANSIENT_REQUESTS || !seen.insert(key) {
            return false;
        }
        seen.len() % TRANSIENT_PERIOD == TRANSIENT_ORDINAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_distinct_request_in_seven_is_refused_once_and_memory_is_bounded() {
        let faults = TransientFaults::default();
        let refused: Vec<usize> = (1..=21)
            .filter(|i| faults.refuses("a", format!("{{\"n\":{i}}}").as_bytes()))
            .collect();
        assert_eq!(refused, [3, 10, 17]);
        for i in 1..=21 {
            assert!(!faults.refuses("a", format!("{{\"n\":{i}}}").as_bytes()));
        }
        // The same body in another account is another request.
        let other: Vec<usize> = (1..=7)
            .filter(|i| faults.refuses("b", format!("{{\"n\":{i}}}").as_bytes()))
            .collect();
        assert_eq!(other.len(), 1);
        let full = TransientFaults::default();
        chime_contract::util::lock(&full.seen).extend(0..MAX_TRANSIENT_REQUESTS as u64);
        assert!((0..20).all(|i| !full.refuses("a", format!("{i}").as_bytes())));
        assert_eq!(
            chime_contract::util::lock(&full.seen).len(),
            MAX_TRANSIENT_REQUESTS
        );
    }
}
