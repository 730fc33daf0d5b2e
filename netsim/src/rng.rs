//! Deterministic random draws derived from the network seed.

use sansio::{Entropy, SeededEntropy};

/// One independent random stream (per realm link, host link, NAT), so that changing one link's
/// settings does not shift the draws of another.
#[derive(Clone, Debug)]
pub(crate) struct Rng(SeededEntropy);

impl Rng {
    /// The stream number `stream` of the network seeded with `seed`.
    pub(crate) fn stream(seed: u64, kind: u64, index: u64) -> Self {
        // Mix (seed, kind, index) through SplitMix64 so that nearby inputs give unrelated
        // starting states.
        let mut mixer = SeededEntropy::new(seed);
        let a = mixer.next_u64();
        let mut mixer = SeededEntropy::new(a ^ kind.wrapping_mul(0xA076_1D64_78BD_642F));
        let b = mixer.next_u64();
        let mut mixer = SeededEntropy::new(b ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB));
        Rng(SeededEntropy::new(mixer.next_u64()))
    }

    /// `true` with probability `p` (clamped to `0.0..=1.0`; `0.0` never draws).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        self.unit() < p
    }

    /// A uniform value in `[0, 1)` with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.0.next_u64() >> 11) as f64 * SCALE
    }

    /// A uniform value in `0..=max`.
    pub(crate) fn up_to(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.0.next_u64();
        }
        let bound = max + 1;
        // Rejection sampling without modulo bias.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let v = self.0.next_u64();
            if v < zone {
                return v % bound;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn streams_differ_and_replay() {
        let mut a = Rng::stream(1, 0, 0);
        let mut b = Rng::stream(1, 0, 1);
        let mut c = Rng::stream(1, 0, 0);
        let (x, y, z) = (a.up_to(u64::MAX), b.up_to(u64::MAX), c.up_to(u64::MAX));
        assert_ne!(x, y);
        assert_eq!(x, z);
    }

    #[test]
    fn chance_edges_and_rate() {
        let mut r = Rng::stream(9, 1, 2);
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        let hits = (0..10_000).filter(|_| r.chance(0.25)).count();
        assert!((2300..2700).contains(&hits), "{hits}");
        assert!((0..1000).all(|_| r.up_to(6) <= 6));
    }
}
