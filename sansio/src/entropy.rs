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

/// The shared position of a [`ScriptedEntropy`]: how much of the script was drawn and how
/// many bytes were asked for past its end.
///
/// Kept outside the source so every clone of a scripted source (an ICE agent clones its
/// source for each STUN client it runs) draws from one script in call order, as the
/// recording it replays was made, and so a test can check afterwards that the machine drew
/// exactly the script.
#[derive(Debug, Default)]
pub struct ScriptCursor {
    pos: core::cell::Cell<usize>,
    overrun: core::cell::Cell<usize>,
}

impl ScriptCursor {
    /// A cursor at the start of a script.
    pub const fn new() -> Self {
        ScriptCursor {
            pos: core::cell::Cell::new(0),
            overrun: core::cell::Cell::new(0),
        }
    }

    /// Script bytes drawn so far.
    pub fn drawn(&self) -> usize {
        self.pos.get()
    }

    /// Bytes asked for after the script ran out (they were zeros). A faithful replay leaves
    /// this at `0`.
    pub fn overrun(&self) -> usize {
        self.overrun.get()
    }
}

/// An entropy source that yields a given script of bytes, for replaying a captured exchange
/// byte for byte (the transaction IDs, ICE credentials, tie-breaker and nonce secret the
/// machine drew when the capture was made).
///
/// Past the end of the script it yields zeros and counts them in
/// [`ScriptCursor::overrun`]: the replay then diverges, and the test that checks the cursor
/// (or the bytes the machine sends) fails. Clones share the cursor. No allocator.
///
/// **Test and replay only**: the bytes are whatever the script says.
///
/// ```
/// use sansio::{Entropy, ScriptCursor, ScriptedEntropy};
/// let cursor = ScriptCursor::new();
/// let mut e = ScriptedEntropy::new(&[1, 2, 3, 4, 5], &cursor);
/// let mut tid = [0u8; 4];
/// e.fill(&mut tid);
/// assert_eq!(tid, [1, 2, 3, 4]);
/// e.clone().fill(&mut tid);
/// assert_eq!(tid, [5, 0, 0, 0]);
/// assert_eq!((cursor.drawn(), cursor.overrun()), (5, 3));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ScriptedEntropy<'a> {
    script: &'a [u8],
    cursor: &'a ScriptCursor,
}

impl<'a> ScriptedEntropy<'a> {
    /// A source yielding `script` from `cursor`'s position on.
    pub const fn new(script: &'a [u8], cursor: &'a ScriptCursor) -> Self {
        ScriptedEntropy { script, cursor }
    }

    /// Script bytes not drawn yet.
    pub fn remaining(&self) -> usize {
        self.script.len().saturating_sub(self.cursor.drawn())
    }
}

impl Entropy for ScriptedEntropy<'_> {
    fn fill(&mut self, buf: &mut [u8]) {
        let pos = self.cursor.pos.get().min(self.script.len());
        let rest = self.script.get(pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        let (head, tail) = buf.split_at_mut(n);
        head.copy_from_slice(rest.get(..n).unwrap_or(&[]));
        tail.fill(0);
        self.cursor.pos.set(pos + n);
        self.cursor
            .overrun
            .set(self.cursor.overrun.get().saturating_add(tail.len()));
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
    fn scripted_yields_the_script_across_clones_then_counts_overrun() {
        let cursor = ScriptCursor::new();
        let script = [9u8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12];
        let mut a = ScriptedEntropy::new(&script, &cursor);
        let mut b = a;
        assert_eq!(a.next_u64(), u64::from_le_bytes([9, 8, 7, 6, 5, 4, 3, 2]));
        assert_eq!(b.remaining(), 4);
        let mut two = [0u8; 2];
        b.fill(&mut two);
        assert_eq!(two, [1, 0]);
        assert_eq!((cursor.drawn(), cursor.overrun()), (10, 0));
        assert_eq!(a.next_u32(), u32::from_le_bytes([11, 12, 0, 0]));
        assert_eq!(
            (cursor.drawn(), cursor.overrun(), a.remaining()),
            (12, 2, 0)
        );
        a.fill(&mut two);
        assert_eq!((two, cursor.overrun()), ([0, 0], 4));
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
