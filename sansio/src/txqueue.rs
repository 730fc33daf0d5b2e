//! Datagrams a machine has ready, kept in a fixed byte ring until `poll_transmit`.

use crate::{Path, Transmit};
use core::fmt;

/// Up to `COUNT` datagrams totalling at most `BYTES` bytes, in order, with no allocator.
///
/// For a machine whose input produces output on its own (a server answering a request, an
/// agent answering a check): `handle_datagram` pushes, `poll_transmit` pops. Like a link's
/// queue, a full queue drops the **new** datagram and counts it in
/// [`dropped`](TransmitQueue::dropped); the sender's retransmission covers the loss.
pub struct TransmitQueue<const BYTES: usize, const COUNT: usize> {
    bytes: [u8; BYTES],
    /// (path, start in `bytes`, len), oldest at `head`.
    meta: [Option<(Path, usize, usize)>; COUNT],
    head: usize,
    len: usize,
    dropped: u64,
}

impl<const BYTES: usize, const COUNT: usize> TransmitQueue<BYTES, COUNT> {
    /// An empty queue.
    pub const fn new() -> Self {
        TransmitQueue {
            bytes: [0; BYTES],
            meta: [None; COUNT],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// Queue a copy of `data` for `path`; `false` if it was dropped (queue full, or larger than
    /// the free room).
    pub fn push(&mut self, path: Path, data: &[u8]) -> bool {
        self.push_with(path, data.len(), |out| out.copy_from_slice(data))
    }

    /// Queue a datagram of `len` bytes written by `write` into its slot; `false` if it was
    /// dropped.
    pub fn push_with(&mut self, path: Path, len: usize, write: impl FnOnce(&mut [u8])) -> bool {
        let Some(start) = self.room_for(len) else {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        };
        let Some(slot) = self.bytes.get_mut(start..start + len) else {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        };
        write(slot);
        let tail = (self.head + self.len) % COUNT.max(1);
        if let Some(m) = self.meta.get_mut(tail) {
            *m = Some((path, start, len));
            self.len += 1;
        }
        true
    }

    /// Copy the oldest datagram into `out`. One that does not fit in `out` is dropped (and
    /// counted), as a link would drop it, and the next one is tried.
    pub fn pop(&mut self, out: &mut [u8]) -> Option<Transmit> {
        while self.len > 0 {
            let (path, start, len) = self.meta.get_mut(self.head).and_then(Option::take)?;
            self.head = (self.head + 1) % COUNT.max(1);
            self.len -= 1;
            let src = self.bytes.get(start..start + len);
            match (out.get_mut(..len), src) {
                (Some(dst), Some(src)) => {
                    dst.copy_from_slice(src);
                    return Some(Transmit { path, len });
                }
                _ => self.dropped = self.dropped.saturating_add(1),
            }
        }
        None
    }

    /// Datagrams waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Datagrams dropped so far (queue full, or too large for `out` when popped).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Where `len` bytes can go, after the newest datagram and before the oldest. Every
    /// datagram takes at least one byte, so start offsets tell whether the ring has wrapped.
    fn room_for(&self, len: usize) -> Option<usize> {
        let need = len.max(1);
        if self.len == COUNT || need > BYTES {
            return None;
        }
        if self.len == 0 {
            return Some(0);
        }
        let span = |i: usize| {
            self.meta
                .get((self.head + i) % COUNT.max(1))
                .copied()
                .flatten()
        };
        let (_, oldest, _) = span(0)?;
        let (_, newest, newest_len) = span(self.len - 1)?;
        let end = newest + newest_len.max(1);
        if newest >= oldest {
            // Live bytes are oldest..end: room after `end`, or wrap to the front.
            if BYTES - end >= need {
                Some(end)
            } else {
                (oldest >= need).then_some(0)
            }
        } else {
            // Wrapped: live bytes are oldest..BYTES and 0..end.
            (oldest - end >= need).then_some(end)
        }
    }
}

impl<const BYTES: usize, const COUNT: usize> Default for TransmitQueue<BYTES, COUNT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const BYTES: usize, const COUNT: usize> fmt::Debug for TransmitQueue<BYTES, COUNT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransmitQueue")
            .field("len", &self.len)
            .field("dropped", &self.dropped)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(port: u16) -> Path {
        let a = core::net::SocketAddr::from(([127, 0, 0, 1], port));
        Path::udp(a, a)
    }

    #[test]
    fn fifo_across_the_wrap_and_bounded() {
        let mut q = TransmitQueue::<10, 4>::new();
        let mut out = [0u8; 16];
        for round in 0u8..50 {
            let a = [round; 4];
            let b = [round.wrapping_add(1); 3];
            assert!(q.push(path(1), &a));
            assert!(q.push(path(2), &b));
            let t = q.pop(&mut out).unwrap();
            assert_eq!((t.path, &out[..t.len]), (path(1), &a[..]));
            assert!(q.push(path(3), &[round; 5]) || q.len() == 1);
            while let Some(t) = q.pop(&mut out) {
                assert!(t.len <= 5);
            }
        }
        assert!(!q.push(path(1), &[0; 11]), "larger than the ring");
        assert!(q.dropped() >= 1);
    }

    #[test]
    fn full_queue_drops_the_new_datagram() {
        let mut q = TransmitQueue::<8, 2>::new();
        assert!(q.push(path(1), b"abcd"));
        assert!(q.push(path(2), b"efgh"));
        assert!(!q.push(path(3), b"i"));
        assert_eq!(q.dropped(), 1);
        let mut out = [0u8; 4];
        assert_eq!(q.pop(&mut out).unwrap().path, path(1));
        assert_eq!(&out, b"abcd");
        assert!(q.push(path(3), b"ijk"));
        assert_eq!(q.pop(&mut out).unwrap().path, path(2));
        assert_eq!(&out, b"efgh");
        let t = q.pop(&mut out).unwrap();
        assert_eq!(&out[..t.len], b"ijk");
        assert!(q.pop(&mut out).is_none());
    }

    #[test]
    fn a_datagram_too_large_for_out_is_dropped_not_truncated() {
        let mut q = TransmitQueue::<16, 4>::new();
        q.push(path(1), &[7; 10]);
        q.push(path(2), &[8; 2]);
        let mut small = [0u8; 4];
        let t = q.pop(&mut small).unwrap();
        assert_eq!((t.path, t.len), (path(2), 2));
        assert_eq!(q.dropped(), 1);
    }

    #[cfg(feature = "std")]
    #[test]
    fn matches_a_model_under_random_use() {
        use crate::{Entropy, SeededEntropy};
        use std::collections::VecDeque;
        use std::vec::Vec;
        let mut rng = SeededEntropy::new(42);
        let mut q = TransmitQueue::<64, 5>::new();
        let mut model: VecDeque<(u16, Vec<u8>)> = VecDeque::new();
        let mut used = 0usize;
        let mut out = [0u8; 64];
        for step in 0..20_000u32 {
            if rng.below(2) == 0 {
                let len = rng.below(30) as usize;
                let data: Vec<u8> = (0..len).map(|i| (step as usize + i) as u8).collect();
                let port = (step % 1000) as u16;
                if q.push(path(port), &data) {
                    used += len.max(1);
                    model.push_back((port, data));
                } else {
                    // Refused only when all five slots are taken or free bytes are short:
                    // the free space is at most two gaps, plus a tail shorter than the
                    // largest datagram (30 B) left unused at a wrap.
                    let need = len.max(1);
                    assert!(model.len() == 5 || used + 2 * need + 30 > 64, "step {step}");
                }
            } else {
                let got = q.pop(&mut out);
                let want = model.pop_front();
                match (got, want) {
                    (Some(t), Some((port, data))) => {
                        used -= data.len().max(1);
                        assert_eq!(t.path, path(port));
                        assert_eq!(&out[..t.len], &data[..]);
                    }
                    (None, None) => {}
                    (g, w) => panic!("step {step}: queue {g:?}, model {w:?}"),
                }
            }
            assert_eq!(q.len(), model.len());
        }
        assert!(q.dropped() > 0, "the random load must also fill the ring");
    }
}
