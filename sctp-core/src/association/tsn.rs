//! Serial-number arithmetic and the receiver's record of TSNs: cumulative point, a bitmap
//! window above it, duplicates, gap blocks (RFC 9260 §6.2, §3.3.4).

/// `a < b` in 32-bit serial arithmetic (RFC 1982).
pub(crate) fn lt(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 0x8000_0000
}

/// `a <= b` in serial arithmetic.
pub(crate) fn le(a: u32, b: u32) -> bool {
    a == b || lt(a, b)
}

/// TSNs tracked above the cumulative point; later ones are dropped unacknowledged.
pub(crate) const WINDOW: u32 = 4096;
const WORDS: usize = (WINDOW / 64) as usize;
/// Duplicate TSNs kept for the next SACK.
pub(crate) const MAX_DUPS: usize = 16;

/// What an arriving TSN is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    New,
    Duplicate,
    OutOfWindow,
}

#[derive(Clone, Debug)]
pub(crate) struct TsnTracker {
    cum: u32,
    max_seen: u32,
    bits: [u64; WORDS],
    dups: heapless::Vec<u32, MAX_DUPS>,
}

impl TsnTracker {
    pub(crate) fn new(initial_tsn: u32) -> Self {
        let cum = initial_tsn.wrapping_sub(1);
        TsnTracker {
            cum,
            max_seen: cum,
            bits: [0; WORDS],
            dups: heapless::Vec::new(),
        }
    }

    pub(crate) fn cum(&self) -> u32 {
        self.cum
    }

    fn slot(tsn: u32) -> (usize, u64) {
        let i = tsn % WINDOW;
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn bit(&self, tsn: u32) -> bool {
        let (w, m) = Self::slot(tsn);
        self.bits.get(w).is_some_and(|v| v & m != 0)
    }

    fn set(&mut self, tsn: u32, on: bool) {
        let (w, m) = Self::slot(tsn);
        if let Some(v) = self.bits.get_mut(w) {
            if on {
                *v |= m;
            } else {
                *v &= !m;
            }
        }
    }

    pub(crate) fn classify(&self, tsn: u32) -> Arrival {
        if le(tsn, self.cum) {
            return Arrival::Duplicate;
        }
        if tsn.wrapping_sub(self.cum) > WINDOW - 1 {
            return Arrival::OutOfWindow;
        }
        if self.bit(tsn) {
            Arrival::Duplicate
        } else {
            Arrival::New
        }
    }

    /// Record a new TSN; returns whether the cumulative point moved.
    pub(crate) fn mark(&mut self, tsn: u32) -> bool {
        self.set(tsn, true);
        if lt(self.max_seen, tsn) {
            self.max_seen = tsn;
        }
        self.advance()
    }

    fn advance(&mut self) -> bool {
        let before = self.cum;
        while self.bit(self.cum.wrapping_add(1)) {
            self.cum = self.cum.wrapping_add(1);
            self.set(self.cum, false);
        }
        if lt(self.max_seen, self.cum) {
            self.max_seen = self.cum;
        }
        before != self.cum
    }

    /// Forget a TSN above the cumulative point (reneging, RFC 9260 §6.2).
    pub(crate) fn unmark(&mut self, tsn: u32) {
        if lt(self.cum, tsn) {
            self.set(tsn, false);
        }
    }

    pub(crate) fn record_dup(&mut self, tsn: u32) {
        let _ = self.dups.push(tsn);
    }

    pub(crate) fn take_dups(&mut self) -> heapless::Vec<u32, MAX_DUPS> {
        core::mem::take(&mut self.dups)
    }

    pub(crate) fn has_dups(&self) -> bool {
        !self.dups.is_empty()
    }

    pub(crate) fn has_gaps(&self) -> bool {
        lt(self.cum, self.max_seen)
    }

    /// Move the cumulative point to `new_cum` (FORWARD-TSN); returns whether it moved.
    pub(crate) fn forward(&mut self, new_cum: u32) -> bool {
        if le(new_cum, self.cum) {
            return false;
        }
        if new_cum.wrapping_sub(self.cum) >= WINDOW {
            self.bits = [0; WORDS];
        } else {
            let mut t = self.cum;
            while t != new_cum {
                t = t.wrapping_add(1);
                self.set(t, false);
            }
        }
        self.cum = new_cum;
        self.advance();
        true
    }

    /// Gap ack blocks (offsets from the cumulative point), at most `N`.
    pub(crate) fn gaps<const N: usize>(&self) -> heapless::Vec<(u16, u16), N> {
        let mut out = heapless::Vec::new();
        let span = self.max_seen.wrapping_sub(self.cum).min(WINDOW - 1);
        let mut start: Option<u32> = None;
        for off in 1..=span + 1 {
            let on = off <= span && self.bit(self.cum.wrapping_add(off));
            match (on, start) {
                (true, None) => start = Some(off),
                (false, Some(s)) => {
                    if out.push((s as u16, (off - 1) as u16)).is_err() {
                        break;
                    }
                    start = None;
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn serial_compare_wraps() {
        assert!(lt(u32::MAX, 0));
        assert!(lt(5, 6));
        assert!(!lt(6, 5));
        assert!(le(7, 7));
    }

    #[test]
    fn cum_gaps_dups_and_forward() {
        let mut t = TsnTracker::new(u32::MAX - 1); // wraps during the test
        assert_eq!(t.classify(u32::MAX - 1), Arrival::New);
        assert!(t.mark(u32::MAX - 1));
        assert!(!t.mark(1)); // gap at MAX, 0
        assert!(!t.mark(3));
        assert_eq!(t.gaps::<4>().as_slice(), &[(3, 3), (5, 5)]);
        assert_eq!(t.classify(1), Arrival::Duplicate);
        assert_eq!(t.classify(u32::MAX - 2), Arrival::Duplicate);
        assert_eq!(
            t.classify((u32::MAX - 1).wrapping_add(WINDOW)),
            Arrival::OutOfWindow
        );
        assert!(t.mark(u32::MAX));
        assert!(t.mark(0));
        assert_eq!(t.cum(), 1);
        assert_eq!(t.gaps::<4>().as_slice(), &[(2, 2)]);
        t.unmark(3);
        assert!(!t.has_gaps() || t.gaps::<4>().is_empty());
        assert!(t.forward(10));
        assert_eq!(t.cum(), 10);
        assert!(!t.forward(9));
        t.mark(11);
        assert_eq!(t.cum(), 11);
    }
}
