//! The sliding replay window (RFC 3711 §3.3.2), and the SRTP index estimate with rollover
//! (RFC 3711 §3.3.1 and Appendix A).
//!
//! The window is a ring of `64 × W` bits: bit `i mod 64W` records whether index `i` was
//! accepted, for the indices `highest - size < i <= highest`. Checking is separate from
//! accepting, so a packet that fails authentication leaves the window untouched.

/// Why a packet index was refused by the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Already accepted.
    Replayed,
    /// Behind the window.
    TooOld,
}

/// A replay window over 64-bit packet indices, holding up to `64 × W` packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReplayWindow<const W: usize> {
    bits: [u64; W],
    /// Highest accepted index, or the first expected one while `started` is false.
    highest: u64,
    started: bool,
}

impl<const W: usize> ReplayWindow<W> {
    /// Bits in the ring.
    pub(crate) const CAPACITY: u64 = 64 * W as u64;

    /// An empty window whose first packet is expected near `start`.
    pub(crate) const fn new(start: u64) -> Self {
        ReplayWindow {
            bits: [0; W],
            highest: start,
            started: false,
        }
    }

    /// True once a packet was accepted.
    pub(crate) const fn started(&self) -> bool {
        self.started
    }

    /// The highest accepted index (or the expected start before the first packet).
    pub(crate) const fn highest(&self) -> u64 {
        self.highest
    }

    fn slot(index: u64) -> (usize, u64) {
        let bit = index % Self::CAPACITY;
        ((bit / 64) as usize, 1u64 << (bit % 64))
    }

    fn is_set(&self, index: u64) -> bool {
        let (word, mask) = Self::slot(index);
        self.bits.get(word).is_some_and(|w| w & mask != 0)
    }

    fn set(&mut self, index: u64, on: bool) {
        let (word, mask) = Self::slot(index);
        if let Some(w) = self.bits.get_mut(word) {
            if on {
                *w |= mask;
            } else {
                *w &= !mask;
            }
        }
    }

    /// May `index` be accepted, with a window of `size` packets (`1..=CAPACITY`)?
    pub(crate) fn check(&self, index: u64, size: u64) -> Result<(), Refused> {
        if !self.started || index > self.highest {
            return Ok(());
        }
        let behind = self.highest - index;
        if behind >= size.min(Self::CAPACITY) {
            Err(Refused::TooOld)
        } else if self.is_set(index) {
            Err(Refused::Replayed)
        } else {
            Ok(())
        }
    }

    /// Record `index` as accepted (after [`check`](Self::check) and authentication).
    pub(crate) fn accept(&mut self, index: u64) {
        if !self.started {
            self.started = true;
            self.bits = [0; W];
            self.highest = index;
        } else if index > self.highest {
            let delta = index - self.highest;
            if delta >= Self::CAPACITY {
                self.bits = [0; W];
            } else {
                // Forget the ring slots the new indices reuse; at most CAPACITY steps.
                for i in self.highest + 1..index {
                    self.set(i, false);
                }
            }
            self.highest = index;
        }
        self.set(index, true);
    }
}

/// The packet index of a received or sent SRTP packet with sequence number `seq`
/// (RFC 3711 Appendix A), given the stream's highest index so far (`ROC × 2^16 + s_l`), or
/// `None` when the estimate falls outside `0..2^48` (before the first rollover, or after the
/// last one a key allows).
pub(crate) fn estimate_index(highest: u64, started: bool, seq: u16) -> Option<u64> {
    let roc = highest >> 16;
    if !started {
        return Some((roc << 16) | u64::from(seq));
    }
    let s_l = highest as u16;
    let v = if s_l < 0x8000 {
        if i32::from(seq) - i32::from(s_l) > 0x8000 {
            roc.checked_sub(1)?
        } else {
            roc
        }
    } else if i32::from(s_l) - 0x8000 > i32::from(seq) {
        roc + 1
    } else {
        roc
    };
    (v <= u64::from(u32::MAX)).then_some((v << 16) | u64::from(seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_accepts_each_index_once_within_size() {
        let mut w = ReplayWindow::<2>::new(0);
        assert_eq!(w.check(1000, 64), Ok(()));
        w.accept(1000);
        assert_eq!(w.check(1000, 64), Err(Refused::Replayed));
        assert_eq!(w.check(999, 64), Ok(()));
        assert_eq!(w.check(1000 - 63, 64), Ok(()));
        assert_eq!(w.check(1000 - 64, 64), Err(Refused::TooOld));
        w.accept(990);
        assert_eq!(w.check(990, 64), Err(Refused::Replayed));
        // Jumping ahead by less than the ring keeps what is still inside the window.
        w.accept(1050);
        assert_eq!(w.check(1000, 128), Err(Refused::Replayed));
        assert_eq!(w.check(1049, 128), Ok(()));
        // Jumping ahead by more than the ring clears it.
        w.accept(5000);
        assert_eq!(w.check(4999, 128), Ok(()));
        assert_eq!(w.check(5000, 128), Err(Refused::Replayed));
    }

    #[test]
    fn ring_slots_are_cleared_when_reused() {
        let mut w = ReplayWindow::<1>::new(0);
        w.accept(10);
        w.accept(70);
        w.accept(80);
        // 74 maps to the ring slot 10 used; passing it on the way to 80 must have cleared it.
        assert_eq!(w.check(74, 64), Ok(()));
        assert_eq!(w.check(70, 64), Err(Refused::Replayed));
        assert_eq!(w.check(16, 64), Err(Refused::TooOld));
    }

    #[test]
    fn estimate_follows_appendix_a() {
        let at = |roc: u64, seq: u64| (roc << 16) | seq;
        assert_eq!(estimate_index(at(0, 0), false, 0xFFFF), Some(at(0, 0xFFFF)));
        assert_eq!(estimate_index(at(5, 0xFFF0), true, 0x0005), Some(at(6, 5)));
        assert_eq!(
            estimate_index(at(6, 0x0005), true, 0xFFF0),
            Some(at(5, 0xFFF0))
        );
        assert_eq!(estimate_index(at(6, 0x0005), true, 0x0004), Some(at(6, 4)));
        assert_eq!(
            estimate_index(at(6, 0x9000), true, 0x1001),
            Some(at(6, 0x1001))
        );
        assert_eq!(
            estimate_index(at(6, 0x9000), true, 0x0FFF),
            Some(at(7, 0x0FFF))
        );
        assert_eq!(estimate_index(at(0, 10), true, 0xF000), None);
        let last = u64::from(u32::MAX);
        assert_eq!(estimate_index(at(last, 0xFFF0), true, 3), None);
    }
}
