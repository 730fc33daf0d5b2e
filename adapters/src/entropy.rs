//! The operating system's random number generator as a `sansio::Entropy`.

/// Cryptographically secure randomness from the OS (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl sansio::Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            // No secure randomness means no secure transaction IDs or nonces: stopping is the
            // only safe answer, and it does not happen on any supported OS.
            #[allow(clippy::panic)]
            {
                panic!("the operating system's random number generator failed: {e}")
            }
        }
    }
}
