//! Fixed-size slot chains over the owner's receive buffer: fragments arrive in any order and
//! leave in any order, so their bytes live in 256-byte slots linked through a 4-byte header.
//! No allocation, no fragmentation, a hard bound.

/// Bytes per slot, link included.
pub(crate) const SLOT: usize = 256;
/// Payload bytes per slot.
pub(crate) const SLOT_DATA: usize = SLOT - 4;
const NONE: u32 = u32::MAX;

#[derive(Debug)]
pub(crate) struct Pool<B> {
    buf: B,
    free_head: u32,
    free: u32,
    total: u32,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Pool<B> {
    pub(crate) fn new(buf: B) -> Self {
        let total = u32::try_from(buf.as_ref().len() / SLOT).unwrap_or(u32::MAX - 1);
        let mut p = Pool {
            buf,
            free_head: NONE,
            free: 0,
            total,
        };
        for s in (0..total).rev() {
            p.push_free(s);
        }
        p
    }

    fn link(&self, s: u32) -> u32 {
        let at = s as usize * SLOT;
        self.buf
            .as_ref()
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(NONE, u32::from_le_bytes)
    }

    fn set_link(&mut self, s: u32, next: u32) {
        let at = s as usize * SLOT;
        if let Some(b) = self.buf.as_mut().get_mut(at..at + 4) {
            b.copy_from_slice(&next.to_le_bytes());
        }
    }

    fn push_free(&mut self, s: u32) {
        self.set_link(s, self.free_head);
        self.free_head = s;
        self.free += 1;
    }

    /// Slots needed for `len` bytes.
    pub(crate) fn slots_for(len: usize) -> u32 {
        len.div_ceil(SLOT_DATA).max(1) as u32
    }

    pub(crate) fn can_store(&self, len: usize) -> bool {
        Self::slots_for(len) <= self.free
    }

    /// Free payload capacity in bytes.
    pub(crate) fn free_bytes(&self) -> usize {
        self.free as usize * SLOT_DATA
    }

    /// Total payload capacity in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.total as usize * SLOT_DATA
    }

    /// Copy `data` into a fresh chain; its first slot, or `None` when there is no room.
    pub(crate) fn store(&mut self, data: &[u8]) -> Option<u32> {
        if !self.can_store(data.len()) {
            return None;
        }
        let first = self.free_head;
        let mut s = first;
        let mut pieces = data.chunks(SLOT_DATA).peekable();
        if data.is_empty() {
            // A zero-length fragment still owns one slot (simplest bookkeeping).
            self.free_head = self.link(s);
            self.free -= 1;
            return Some(first);
        }
        while let Some(piece) = pieces.next() {
            let next_free = self.link(s);
            let at = s as usize * SLOT + 4;
            if let Some(d) = self.buf.as_mut().get_mut(at..at + piece.len()) {
                d.copy_from_slice(piece);
            }
            self.free -= 1;
            if pieces.peek().is_none() {
                self.free_head = next_free;
                break;
            }
            // The chain continues into the next free slot, which is already `next_free`.
            s = next_free;
        }
        Some(first)
    }

    /// Copy the `len` bytes of the chain at `first` into `out` (which holds at least `len`).
    pub(crate) fn read(&self, first: u32, len: usize, out: &mut [u8]) {
        let mut s = first;
        let mut done = 0;
        while done < len && s != NONE {
            let n = (len - done).min(SLOT_DATA);
            let at = s as usize * SLOT + 4;
            if let (Some(src), Some(dst)) = (
                self.buf.as_ref().get(at..at + n),
                out.get_mut(done..done + n),
            ) {
                dst.copy_from_slice(src);
            }
            done += n;
            s = self.link(s);
        }
    }

    /// Return the chain at `first` holding `len` bytes.
    pub(crate) fn release(&mut self, first: u32, len: usize) {
        let mut s = first;
        for _ in 0..Self::slots_for(len) {
            if s == NONE || s >= self.total {
                break;
            }
            let next = self.link(s);
            self.push_free(s);
            s = next;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn store_read_release_in_any_order() {
        let mut p = Pool::new([0u8; SLOT * 8]);
        assert_eq!(p.free_bytes(), 8 * SLOT_DATA);
        let a: [u8; 600] = core::array::from_fn(|i| i as u8);
        let b = [7u8; 10];
        let ia = p.store(&a).unwrap();
        let ib = p.store(&b).unwrap();
        assert_eq!(p.free, 8 - 3 - 1);
        assert!(p.store(&[0u8; 1100]).is_none());
        p.release(ia, a.len());
        let ic = p.store(&[9u8; 700]).unwrap();
        let mut out = [0u8; 700];
        p.read(ib, 10, &mut out);
        assert_eq!(out[..10], b);
        p.read(ic, 700, &mut out);
        assert!(out.iter().all(|x| *x == 9));
        p.release(ib, 10);
        p.release(ic, 700);
        assert_eq!(p.free, 8);
    }
}
