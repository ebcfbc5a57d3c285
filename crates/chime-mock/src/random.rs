//! Where the mock's randomness comes from: the thread's generator by default, or one
//! generator seeded by `--seed`, so that UserIds, PINs, request ids and random faults are
//! a function of the seed and of the order in which requests arrive.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use uuid::Uuid;

/// The mock's source of random values.
#[derive(Debug)]
pub(crate) struct Randomness {
    seeded: Option<Mutex<StdRng>>,
}

impl Randomness {
    /// Seeded when `seed` is given, from the thread's generator otherwise.
    pub(crate) fn new(seed: Option<u64>) -> Randomness {
        Randomness {
            seeded: seed.map(|seed| Mutex::new(StdRng::seed_from_u64(seed))),
        }
    }

    /// Runs `f` with the generator in use.
    fn with<T>(&self, f: impl FnOnce(&mut dyn Rng) -> T) -> T {
        match &self.seeded {
            Some(rng) => f(&mut *chime_contract::util::lock(rng)),
            None => f(&mut rand::rng()),
        }
    }

    /// A version-4 UUID.
    pub(crate) fn uuid(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.with(|rng| rng.fill_bytes(&mut bytes));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A number of `digits` decimal digits (leading zeros kept).
    pub(crate) fn digits(&self, digits: usize) -> String {
        self.with(|rng| {
            (0..digits)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect()
        })
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&self) -> f64 {
        self.with(|rng| rng.random::<f64>())
    }

    /// `bits` random bits (at most 64).
    pub(crate) fn bits(&self, bits: u32) -> u64 {
        self.with(|rng| rng.next_u64() >> (64 - bits.clamp(1, 64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_seed_gives_one_sequence_and_another_seed_another() {
        let draw = |seed| {
            let r = Randomness::new(Some(seed));
            (r.uuid(), r.digits(10), r.uuid())
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let (id, pin, _) = draw(7);
        assert_eq!(id.get_version_num(), 4);
        assert!(pin.len() == 10 && pin.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn without_a_seed_values_differ() {
        let r = Randomness::new(None);
        assert_ne!(r.uuid(), r.uuid());
    }
}
