//! Unwrapping 16-bit sequence numbers and 32-bit timestamps onto 64-bit counters.

/// Place `v` (a `bits`-bit counter value) on the 64-bit line closest to `last`.
fn unwrap_near(last: u64, v: u64, bits: u32) -> u64 {
    let m = 1u64 << bits;
    let half = m / 2;
    let cand = (last & !(m - 1)) | v;
    if cand + half <= last {
        cand + m
    } else if cand > last + half && cand >= m {
        cand - m
    } else {
        cand
    }
}

/// Extends RTP sequence numbers to 64 bits, handling wrap-around and reordering: each value
/// lands within ±2^15 of the previous one.
///
/// The first value is placed at `2^16 + seq`, so packets reordered from before the first one
/// still get smaller numbers instead of wrapping below zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqUnwrapper {
    last: Option<u64>,
}

impl SeqUnwrapper {
    /// A fresh unwrapper.
    pub const fn new() -> Self {
        SeqUnwrapper { last: None }
    }

    /// The extended value of `seq`; it becomes the reference for the next call.
    pub fn unwrap(&mut self, seq: u16) -> u64 {
        let ext = self.peek(seq);
        self.last = Some(ext);
        ext
    }

    /// The extended value of `seq` without moving the reference.
    pub fn peek(&self, seq: u16) -> u64 {
        match self.last {
            None => (1 << 16) | u64::from(seq),
            Some(last) => unwrap_near(last, u64::from(seq), 16),
        }
    }
}

/// Extends RTP timestamps to 64 bits (each value within ±2^31 of the previous one). The first
/// value is placed at `2^32 + ts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimestampUnwrapper {
    last: Option<u64>,
}

impl TimestampUnwrapper {
    /// A fresh unwrapper.
    pub const fn new() -> Self {
        TimestampUnwrapper { last: None }
    }

    /// The extended value of `ts`; it becomes the reference for the next call.
    pub fn unwrap(&mut self, ts: u32) -> u64 {
        let ext = match self.last {
            None => (1 << 32) | u64::from(ts),
            Some(last) => unwrap_near(last, u64::from(ts), 32),
        };
        self.last = Some(ext);
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_wraps_and_reorders() {
        let mut u = SeqUnwrapper::new();
        let base = u.unwrap(65534);
        assert_eq!(u.unwrap(65535), base + 1);
        assert_eq!(u.unwrap(1), base + 3);
        assert_eq!(u.unwrap(0), base + 2); // late packet from before the wrap
        assert_eq!(u.unwrap(65535), base + 1);
        assert_eq!(u.unwrap(32767), base + 1 + 32768); // half-way forward
        let mut v = SeqUnwrapper::new();
        let first = v.unwrap(5);
        assert_eq!(v.unwrap(65530), first - 11); // reordered from before the first
    }

    #[test]
    fn timestamps_wrap() {
        let mut u = TimestampUnwrapper::new();
        let a = u.unwrap(u32::MAX - 10);
        assert_eq!(u.unwrap(5), a + 16);
        assert_eq!(u.unwrap(u32::MAX), a + 10);
    }
}
