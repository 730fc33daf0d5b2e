//! A fixed-capacity SSRC → state table: no allocator, linear search over a packed array of
//! SSRCs (a handful of streams per context is the common case; `N` = 16 is one cache line
//! of keys on a 64-bit host).

/// Up to `N` streams, each an SSRC and a `Copy` state.
#[derive(Clone, Debug)]
pub(crate) struct SsrcTable<S: Copy, const N: usize> {
    ssrcs: [u32; N],
    states: [S; N],
    len: usize,
}

impl<S: Copy, const N: usize> SsrcTable<S, N> {
    /// An empty table; `fill` initialises unused slots.
    pub(crate) const fn new(fill: S) -> Self {
        SsrcTable {
            ssrcs: [0; N],
            states: [fill; N],
            len: 0,
        }
    }

    /// Slot of `ssrc`, if present.
    #[inline]
    pub(crate) fn find(&self, ssrc: u32) -> Option<usize> {
        self.ssrcs.get(..self.len)?.iter().position(|&s| s == ssrc)
    }

    /// The state in `slot` (a copy).
    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Option<S> {
        self.states.get(slot).copied()
    }

    /// The state of `ssrc` (a copy).
    pub(crate) fn get_by_ssrc(&self, ssrc: u32) -> Option<S> {
        self.find(ssrc).and_then(|i| self.get(i))
    }

    /// Overwrite the state in `slot`.
    #[inline]
    pub(crate) fn set(&mut self, slot: usize, state: S) {
        if let Some(s) = self.states.get_mut(slot) {
            *s = state;
        }
    }

    /// True when no stream can be added.
    pub(crate) fn is_full(&self) -> bool {
        self.len >= N
    }

    /// Add `ssrc` (not present) with `state`; `false` when full.
    pub(crate) fn insert(&mut self, ssrc: u32, state: S) -> bool {
        match (self.ssrcs.get_mut(self.len), self.states.get_mut(self.len)) {
            (Some(k), Some(v)) => {
                *k = ssrc;
                *v = state;
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    /// Set the state of `ssrc`, adding it if absent; `false` when it is absent and the
    /// table is full.
    pub(crate) fn upsert(&mut self, ssrc: u32, state: S) -> bool {
        match self.find(ssrc) {
            Some(i) => {
                self.set(i, state);
                true
            }
            None => self.insert(ssrc, state),
        }
    }

    /// Remove `ssrc`; `false` if it was not there. The last entry takes its slot.
    pub(crate) fn remove(&mut self, ssrc: u32) -> bool {
        let Some(i) = self.find(ssrc) else {
            return false;
        };
        let last = self.len - 1;
        self.ssrcs.swap(i, last);
        self.states.swap(i, last);
        self.len = last;
        true
    }

    /// Number of streams.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_remove_and_full() {
        let mut t = SsrcTable::<u8, 2>::new(0);
        assert!(t.insert(7, 1));
        assert!(t.insert(9, 2));
        assert!(t.is_full());
        assert!(!t.insert(11, 3));
        assert_eq!(t.get_by_ssrc(9), Some(2));
        assert!(t.remove(7));
        assert!(!t.remove(7));
        assert_eq!(t.len(), 1);
        assert_eq!(t.get_by_ssrc(9), Some(2));
        assert!(t.upsert(9, 5));
        assert_eq!(t.get_by_ssrc(9), Some(5));
        assert!(t.upsert(11, 6));
        assert_eq!(t.get_by_ssrc(11), Some(6));
    }
}
