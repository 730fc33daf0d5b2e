//! The anti-replay window (RFC 6347 §4.1.2.6, RFC 4303 §3.4.3).

/// A 64-record sliding window over 48-bit sequence numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Highest sequence number accepted so far (valid when `started`).
    top: u64,
    /// Bit `i` set: `top - i` was accepted.
    seen: u64,
    started: bool,
}

impl ReplayWindow {
    /// Records older than this many below the highest are refused.
    pub const SIZE: u64 = 64;

    /// An empty window.
    pub const fn new() -> Self {
        ReplayWindow {
            top: 0,
            seen: 0,
            started: false,
        }
    }

    /// Whether `seq` is new and not too old. Check before decrypting; [`accept`] only after the
    /// record authenticated, so forged records cannot move the window.
    ///
    /// [`accept`]: ReplayWindow::accept
    pub fn check(&self, seq: u64) -> bool {
        if !self.started || seq > self.top {
            return true;
        }
        let age = self.top - seq;
        age < Self::SIZE && self.seen & (1 << age) == 0
    }

    /// Record `seq` as received.
    pub fn accept(&mut self, seq: u64) {
        if !self.started {
            *self = ReplayWindow {
                top: seq,
                seen: 1,
                started: true,
            };
        } else if seq > self.top {
            let shift = seq - self.top;
            self.seen = if shift >= Self::SIZE {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.top = seq;
        } else {
            let age = self.top - seq;
            if age < Self::SIZE {
                self.seen |= 1 << age;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_old_records_are_refused() {
        let mut w = ReplayWindow::new();
        assert!(w.check(5));
        w.accept(5);
        assert!(!w.check(5));
        assert!(w.check(4), "reordered but new");
        w.accept(4);
        assert!(!w.check(4));
        w.accept(100);
        assert!(
            !w.check(5),
            "36 below the top is inside the window but was seen"
        );
        assert!(w.check(37));
        assert!(!w.check(36), "64 below the top: out of the window");
        assert!(w.check(101));
        w.accept(100 + 64);
        assert!(!w.check(100));
        assert!(w.check(101));
        w.accept(101);
        assert!(!w.check(101));
    }

    #[test]
    fn window_never_accepts_twice_under_any_order() {
        // A deterministic shuffle of 0..200 with duplicates: each value passes check once.
        let mut w = ReplayWindow::new();
        let mut accepted = [false; 200];
        let mut x: u64 = 1;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let seq = (x >> 33) % 200;
            if w.check(seq) {
                assert!(!accepted[seq as usize], "{seq} accepted twice");
                accepted[seq as usize] = true;
                w.accept(seq);
            }
        }
    }
}
