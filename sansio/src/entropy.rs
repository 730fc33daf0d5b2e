//! Randomness, injected.

/// A source of random bytes given to a machine at construction.
///
/// Transaction IDs, ICE credentials and tie-breakers, SCTP verification tags and nonce or
/// cookie secrets all come from here. Production code passes a cryptographically secure
/// source (the OS generator in the adapters, a hardware RNG on a microcontroller); tests pass a
/// [`SeededEntropy`] so runs are reproducible.
pub trait Entropy {
    /// Fill `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);

    /// A random `u32`.
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        u32::from_le_bytes(b)
    }

    /// A random `u64`.
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        u64::from_le_bytes(b)
    }

    /// A random value in `0..bound` (`0` when `bound` is `0`), without modulo bias.
    fn below(&mut self, bound: u32) -> u32 {
        if bound == 0 {
            return 0;
        }
        // Lemire's multiply-shift with rejection.
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let m = u64::from(self.next_u32()) * u64::from(bound);
            if (m as u32) >= threshold {
                return (m >> 32) as u32;
            }
        }
    }
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, buf: &mut [u8]) {
        (**self).fill(buf)
    }
}

/// A copy of an entropy source whose output is masked by a stream unique to `salt`.
///
/// Several components that each need their own source (the STUN clients inside an ICE
/// agent) can share one cloneable source: a secure source stays secure (XOR with an
/// independent stream keeps uniform bytes uniform), and clones of a deterministic test source
/// no longer produce identical transaction IDs.
#[derive(Clone, Debug)]
pub struct Forked<E> {
    inner: E,
    mask: SeededEntropy,
}

impl<E: Entropy> Forked<E> {
    /// `inner`, masked by the stream for `salt`.
    pub fn new(inner: E, salt: u64) -> Self {
        Forked {
            inner,
            mask: SeededEntropy::new(salt ^ 0x5EED_F0F0_1234_ABCD),
        }
    }
}

impl<E: Entropy> Entropy for Forked<E> {
    fn fill(&mut self, buf: &mut [u8]) {
        self.inner.fill(buf);
        let mut mask = [0u8; 8];
        for chunk in buf.chunks_mut(8) {
            self.mask.fill(&mut mask);
            for (b, m) in chunk.iter_mut().zip(mask) {
                *b ^= m;
            }
        }
    }
}

/// A deterministic generator (SplitMix64) for tests and simulations.
///
/// **Not cryptographically secure**: predictable transaction IDs let an off-path attacker
/// forge responses. Use it only where reproducibility matters more than secrecy.
#[derive(Clone, Debug)]
pub struct SeededEntropy {
    state: u64,
}

impl SeededEntropy {
    /// A generator whose whole output is determined by `seed`.
    pub const fn new(seed: u64) -> Self {
        SeededEntropy { state: seed }
    }

    fn step(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.step().to_le_bytes();
            for (dst, src) in chunk.iter_mut().zip(v) {
                *dst = src;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible_and_varies() {
        let (mut a, mut b) = (SeededEntropy::new(7), SeededEntropy::new(7));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        a.fill(&mut x);
        assert_ne!(x, y);
        assert_ne!(
            SeededEntropy::new(8).next_u64(),
            SeededEntropy::new(7).next_u64()
        );
    }

    #[test]
    fn forks_of_one_source_differ() {
        let base = SeededEntropy::new(9);
        let (mut a, mut b) = (Forked::new(base.clone(), 1), Forked::new(base, 2));
        assert_ne!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn below_stays_in_range() {
        let mut e = SeededEntropy::new(1);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let v = e.below(5) as usize;
            assert!(v < 5);
            seen[v] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(e.below(0), 0);
    }
}
