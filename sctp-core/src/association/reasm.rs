//! Reassembly: fragments (DATA by TSN, I-DATA by MID/FSN) grouped into messages, in bounded
//! tables, their bytes in a [`Pool`]; complete messages wait in a FIFO until read.

use super::pool::Pool;
use super::tsn::{le, lt};
use crate::wire::chunk::Data;

pub(crate) const NIL: u16 = u16::MAX;

#[derive(Clone, Copy, Debug, Default)]
struct Frag {
    tsn: u32,
    /// FSN (I-DATA) or TSN (DATA): the order inside the message.
    seq: u32,
    slot: u32,
    len: u32,
    begin: bool,
    end: bool,
    next: u16,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Msg {
    used: bool,
    pub(crate) stream: u16,
    pub(crate) unordered: bool,
    pub(crate) mid: u32,
    pub(crate) ppid: u32,
    head: u16,
    tail: u16,
    count: u32,
    pub(crate) bytes: u32,
    first: Option<u32>,
    last: Option<u32>,
    ready: bool,
    next_ready: u16,
    /// Next in the partial list (used, not ready) or in the free list (unused).
    next_partial: u16,
    /// Lowest and highest `seq` held (valid when `count > 0`).
    lo: u32,
    hi: u32,
}

impl Msg {
    fn complete(&self) -> bool {
        match (self.first, self.last) {
            (Some(f), Some(l)) => l.wrapping_sub(f).wrapping_add(1) == self.count,
            _ => false,
        }
    }
}

/// What became of a stored DATA chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Kept; the message is not complete yet.
    Partial,
    /// Kept, and message `idx` is now complete.
    Complete(u16),
    /// No fragment slot or no buffer space.
    NoRoom,
    /// The message would exceed the largest message allowed.
    TooLarge,
    /// Inconsistent with what was already received (a repeated fragment number).
    Invalid,
}

#[derive(Debug)]
pub(crate) struct Reassembly<B, const N: usize> {
    pool: Pool<B>,
    frags: [Frag; N],
    msgs: [Msg; N],
    free_frag: u16,
    frags_free: usize,
    ready_head: u16,
    ready_tail: u16,
    ready_bytes: usize,
    hint: u16,
    /// Messages being assembled or held for order (few): what lookups scan.
    partial_head: u16,
    /// Unused message records.
    free_msg: u16,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize> Reassembly<B, N> {
    const CHECK: () = assert!(N > 0 && N < NIL as usize, "CHUNKS must be in 1..65535");

    pub(crate) fn new(buf: B) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CHECK;
        let mut frags = [Frag::default(); N];
        for (i, f) in frags.iter_mut().enumerate() {
            f.next = if i + 1 < N { (i + 1) as u16 } else { NIL };
        }
        let mut msgs = [Msg::default(); N];
        for (i, m) in msgs.iter_mut().enumerate() {
            m.next_partial = if i + 1 < N { (i + 1) as u16 } else { NIL };
        }
        Reassembly {
            pool: Pool::new(buf),
            frags,
            msgs,
            free_frag: 0,
            frags_free: N,
            ready_head: NIL,
            ready_tail: NIL,
            ready_bytes: 0,
            hint: 0,
            partial_head: NIL,
            free_msg: 0,
        }
    }

    fn next_partial(&self, i: u16) -> u16 {
        self.msgs
            .get(usize::from(i))
            .map_or(NIL, |m| m.next_partial)
    }

    /// Take message `i` out of the partial list.
    fn unlist(&mut self, i: u16) {
        let (mut prev, mut cur) = (NIL, self.partial_head);
        while cur != NIL && cur != i {
            prev = cur;
            cur = self.next_partial(cur);
        }
        if cur == NIL {
            return;
        }
        let next = self.next_partial(i);
        if prev == NIL {
            self.partial_head = next;
        } else if let Some(p) = self.msgs.get_mut(usize::from(prev)) {
            p.next_partial = next;
        }
    }

    /// Return record `i` (already out of every list) to the free list.
    fn recycle(&mut self, i: u16) {
        let free = self.free_msg;
        if let Some(m) = self.msgs.get_mut(usize::from(i)) {
            *m = Msg {
                next_partial: free,
                ..Msg::default()
            };
            self.free_msg = i;
        }
    }

    /// Receive window to advertise.
    pub(crate) fn window(&self) -> u32 {
        if self.frags_free == 0 {
            return 0;
        }
        u32::try_from(self.pool.free_bytes()).unwrap_or(u32::MAX)
    }

    pub(crate) fn capacity(&self) -> usize {
        self.pool.capacity()
    }

    pub(crate) fn has_room(&self, len: usize) -> bool {
        self.frags_free > 0 && self.pool.can_store(len)
    }

    pub(crate) fn msg(&self, i: u16) -> Option<&Msg> {
        self.msgs.get(usize::from(i)).filter(|m| m.used)
    }

    fn frag(&self, i: u16) -> Frag {
        self.frags.get(usize::from(i)).copied().unwrap_or_default()
    }

    fn frag_mut(&mut self, i: u16) -> Option<&mut Frag> {
        self.frags.get_mut(usize::from(i))
    }

    fn find_msg(&mut self, d: &Data<'_>) -> Option<u16> {
        let matches = |m: &Msg| {
            m.used && !m.ready && m.stream == d.stream && m.unordered == d.unordered && {
                if d.idata || !d.unordered {
                    m.mid == d.mid
                } else {
                    // Unordered DATA: fragments of one message have consecutive TSNs.
                    adjacent(m, d.tsn, d.begin, d.end)
                }
            }
        };
        if self.msgs.get(usize::from(self.hint)).is_some_and(matches) {
            return Some(self.hint);
        }
        let mut i = self.partial_head;
        while i != NIL {
            if self.msgs.get(usize::from(i)).is_some_and(matches) {
                self.hint = i;
                return Some(i);
            }
            i = self.next_partial(i);
        }
        None
    }

    fn new_msg(&mut self, d: &Data<'_>) -> Option<u16> {
        let i = self.free_msg;
        if i == NIL {
            return None;
        }
        self.free_msg = self.next_partial(i);
        let head = self.partial_head;
        self.partial_head = i;
        if let Some(m) = self.msgs.get_mut(usize::from(i)) {
            *m = Msg {
                used: true,
                stream: d.stream,
                unordered: d.unordered,
                mid: d.mid,
                head: NIL,
                tail: NIL,
                next_ready: NIL,
                next_partial: head,
                ..Msg::default()
            };
        }
        self.hint = i;
        Some(i)
    }

    /// Store a DATA / I-DATA chunk whose TSN is new.
    pub(crate) fn insert(&mut self, d: &Data<'_>, max_message: usize) -> Stored {
        if !self.has_room(d.payload.len()) {
            return Stored::NoRoom;
        }
        let seq = if d.idata {
            if d.begin {
                0
            } else {
                d.fsn
            }
        } else {
            d.tsn
        };
        let idx = match self.find_msg(d) {
            Some(i) => i,
            None => match self.new_msg(d) {
                Some(i) => i,
                None => return Stored::NoRoom,
            },
        };
        let Some(m) = self.msg(idx).copied() else {
            return Stored::Invalid;
        };
        if m.bytes as usize + d.payload.len() > max_message {
            if m.count == 0 {
                self.unlist(idx);
                self.recycle(idx);
            }
            return Stored::TooLarge;
        }
        if self.list_has(m.head, seq) {
            return Stored::Invalid;
        }
        let Some(slot) = self.pool.store(d.payload) else {
            return Stored::NoRoom;
        };
        let fi = self.free_frag;
        self.free_frag = self.frag(fi).next;
        self.frags_free -= 1;
        if let Some(f) = self.frag_mut(fi) {
            *f = Frag {
                tsn: d.tsn,
                seq,
                slot,
                len: d.payload.len() as u32,
                begin: d.begin,
                end: d.end,
                next: NIL,
            };
        }
        self.link_sorted(idx, fi);
        let Some(m) = self.msgs.get_mut(usize::from(idx)) else {
            return Stored::Invalid;
        };
        if m.count == 0 {
            (m.lo, m.hi) = (seq, seq);
        } else if lt(seq, m.lo) {
            m.lo = seq;
        } else if lt(m.hi, seq) {
            m.hi = seq;
        }
        m.count += 1;
        m.bytes += d.payload.len() as u32;
        if d.begin {
            m.first = Some(seq);
        }
        if d.begin || !d.idata {
            m.ppid = d.ppid;
        }
        if d.end {
            m.last = Some(seq);
        }
        let idx = if !d.idata && d.unordered {
            self.merge_unordered(idx)
        } else {
            idx
        };
        match self.msg(idx) {
            Some(m) if m.complete() => Stored::Complete(idx),
            _ => Stored::Partial,
        }
    }

    fn list_has(&self, mut i: u16, seq: u32) -> bool {
        while i != NIL {
            let f = self.frag(i);
            if f.seq == seq {
                return true;
            }
            i = f.next;
        }
        false
    }

    /// Insert fragment `fi` into message `mi`'s list, sorted by `seq`.
    fn link_sorted(&mut self, mi: u16, fi: u16) {
        let Some(m) = self.msg(mi).copied() else {
            return;
        };
        let seq = self.frag(fi).seq;
        let tail = self.frag(m.tail);
        if m.head == NIL || (m.tail != NIL && lt(tail.seq, seq)) {
            if m.tail != NIL {
                if let Some(t) = self.frag_mut(m.tail) {
                    t.next = fi;
                }
            }
            if let Some(mm) = self.msgs.get_mut(usize::from(mi)) {
                if mm.head == NIL {
                    mm.head = fi;
                }
                mm.tail = fi;
            }
            return;
        }
        let (mut prev, mut cur) = (NIL, m.head);
        while cur != NIL && lt(self.frag(cur).seq, seq) {
            prev = cur;
            cur = self.frag(cur).next;
        }
        if let Some(f) = self.frag_mut(fi) {
            f.next = cur;
        }
        if prev == NIL {
            if let Some(mm) = self.msgs.get_mut(usize::from(mi)) {
                mm.head = fi;
            }
        } else if let Some(p) = self.frag_mut(prev) {
            p.next = fi;
        }
    }

    /// An unordered DATA fragment may join two partial messages: merge them. Returns the
    /// index the message ends up in.
    fn merge_unordered(&mut self, mi: u16) -> u16 {
        let mut mi = mi;
        if let Some(o) = self.neighbour(mi, true) {
            self.merge(mi, o);
        }
        if let Some(p) = self.neighbour(mi, false) {
            self.merge(p, mi);
            mi = p;
        }
        mi
    }

    /// The partial unordered message right after (`after`) or before message `mi`.
    fn neighbour(&self, mi: u16, after: bool) -> Option<u16> {
        let m = self.msg(mi).copied()?;
        let mut i = self.partial_head;
        while i != NIL {
            let o = self.msgs.get(usize::from(i))?;
            let hit = i != mi
                && o.used
                && !o.ready
                && o.unordered
                && o.stream == m.stream
                && o.count > 0
                && if after {
                    m.last.is_none() && o.first.is_none() && o.lo == m.hi.wrapping_add(1)
                } else {
                    o.last.is_none() && m.first.is_none() && o.hi.wrapping_add(1) == m.lo
                };
            if hit {
                return Some(i);
            }
            i = o.next_partial;
        }
        None
    }

    /// Append message `b`'s fragments to message `a`.
    fn merge(&mut self, a: u16, b: u16) {
        let (Some(ma), Some(mb)) = (self.msg(a).copied(), self.msg(b).copied()) else {
            return;
        };
        if let Some(t) = self.frag_mut(ma.tail) {
            t.next = mb.head;
        }
        if let Some(m) = self.msgs.get_mut(usize::from(a)) {
            m.tail = mb.tail;
            m.count += mb.count;
            m.bytes += mb.bytes;
            m.last = mb.last;
            m.hi = mb.hi;
        }
        self.unlist(b);
        self.recycle(b);
        self.hint = a;
    }

    /// A complete, not yet queued message of `stream` with this ordered id.
    pub(crate) fn find_complete_ordered(&self, stream: u16, mid: u32) -> Option<u16> {
        let mut i = self.partial_head;
        while i != NIL {
            let m = self.msgs.get(usize::from(i))?;
            if m.used && !m.unordered && m.stream == stream && m.mid == mid && m.complete() {
                return Some(i);
            }
            i = m.next_partial;
        }
        None
    }

    /// Queue a complete message for the owner.
    pub(crate) fn push_ready(&mut self, i: u16) {
        if self.msg(i).is_none_or(|m| m.ready) {
            return;
        }
        self.unlist(i);
        let Some(m) = self.msgs.get_mut(usize::from(i)) else {
            return;
        };
        m.ready = true;
        m.next_ready = NIL;
        self.ready_bytes += m.bytes as usize;
        if self.ready_tail == NIL {
            self.ready_head = i;
        } else if let Some(t) = self.msgs.get_mut(usize::from(self.ready_tail)) {
            t.next_ready = i;
        }
        self.ready_tail = i;
    }

    /// The oldest ready message.
    pub(crate) fn peek_ready(&self) -> Option<(u16, Msg)> {
        self.msg(self.ready_head).map(|m| (self.ready_head, *m))
    }

    pub(crate) fn has_ready(&self) -> bool {
        self.ready_head != NIL
    }

    /// Bytes of complete messages waiting for the owner.
    pub(crate) fn ready_bytes(&self) -> usize {
        self.ready_bytes
    }

    /// Copy message `i` into `out` (at least its length).
    pub(crate) fn read(&self, i: u16, out: &mut [u8]) {
        let Some(m) = self.msg(i) else { return };
        let (mut f, mut at) = (m.head, 0usize);
        while f != NIL {
            let fr = self.frag(f);
            let len = fr.len as usize;
            if let Some(dst) = out.get_mut(at..at + len) {
                self.pool.read(fr.slot, len, dst);
            }
            at += len;
            f = fr.next;
        }
    }

    /// Remove the oldest ready message.
    pub(crate) fn pop_ready(&mut self) {
        let i = self.ready_head;
        let Some(m) = self.msg(i).copied() else {
            return;
        };
        self.ready_head = m.next_ready;
        if self.ready_head == NIL {
            self.ready_tail = NIL;
        }
        self.ready_bytes -= m.bytes as usize;
        self.free_msg(i);
    }

    /// Drop message `i` and its fragments.
    pub(crate) fn free_msg(&mut self, i: u16) {
        let Some(m) = self.msg(i).copied() else {
            return;
        };
        let mut f = m.head;
        while f != NIL {
            let fr = self.frag(f);
            self.pool.release(fr.slot, fr.len as usize);
            let free = self.free_frag;
            if let Some(x) = self.frag_mut(f) {
                x.next = free;
            }
            self.free_frag = f;
            self.frags_free += 1;
            f = fr.next;
        }
        if !m.ready {
            self.unlist(i);
        }
        self.recycle(i);
    }

    /// Drop partial messages that FORWARD-TSN gave up (RFC 3758 §3.6): DATA by TSN.
    pub(crate) fn drop_partial_through_tsn(&mut self, new_cum: u32) {
        for i in 0..self.msgs.len() {
            let m = self.msgs.get(i).copied().unwrap_or_default();
            if m.used
                && !m.ready
                && !m.complete()
                && m.head != NIL
                && le(self.frag(m.head).tsn, new_cum)
            {
                self.free_msg(i as u16);
            }
        }
    }

    /// Drop partial messages of `stream` up to `mid` (I-FORWARD-TSN, RFC 8260 §2.3.1).
    pub(crate) fn drop_partial_through_mid(&mut self, stream: u16, unordered: bool, mid: u32) {
        for i in 0..self.msgs.len() {
            let m = self.msgs.get(i).copied().unwrap_or_default();
            if m.used
                && !m.ready
                && m.stream == stream
                && m.unordered == unordered
                && le(m.mid, mid)
            {
                self.free_msg(i as u16);
            }
        }
    }

    /// Renege (RFC 9260 §6.2) the not-yet-delivered fragment with the highest TSN above
    /// `cum`; returns its TSN.
    pub(crate) fn renege_above(&mut self, cum: u32) -> Option<u32> {
        let mut best: Option<(u16, u16, u32)> = None; // (msg, frag, tsn)
        for (mi, m) in self.msgs.iter().enumerate() {
            if !m.used || m.ready {
                continue;
            }
            let mut f = m.head;
            while f != NIL {
                let fr = self.frag(f);
                if lt(cum, fr.tsn) && best.is_none_or(|(_, _, t)| lt(t, fr.tsn)) {
                    best = Some((mi as u16, f, fr.tsn));
                }
                f = fr.next;
            }
        }
        let (mi, fi, tsn) = best?;
        self.unlink(mi, fi);
        Some(tsn)
    }

    fn unlink(&mut self, mi: u16, fi: u16) {
        let Some(m) = self.msg(mi).copied() else {
            return;
        };
        let (mut prev, mut cur) = (NIL, m.head);
        while cur != NIL && cur != fi {
            prev = cur;
            cur = self.frag(cur).next;
        }
        let fr = self.frag(fi);
        if prev == NIL {
            if let Some(mm) = self.msgs.get_mut(usize::from(mi)) {
                mm.head = fr.next;
            }
        } else if let Some(p) = self.frag_mut(prev) {
            p.next = fr.next;
        }
        self.pool.release(fr.slot, fr.len as usize);
        let free = self.free_frag;
        if let Some(x) = self.frag_mut(fi) {
            x.next = free;
        }
        self.free_frag = fi;
        self.frags_free += 1;
        let Some(mm) = self.msgs.get_mut(usize::from(mi)) else {
            return;
        };
        if mm.tail == fi {
            mm.tail = prev;
        }
        mm.count -= 1;
        mm.bytes -= fr.len;
        if fr.begin {
            mm.first = None;
        }
        if fr.end {
            mm.last = None;
        }
        if mm.count == 0 {
            self.unlist(mi);
            self.recycle(mi);
            return;
        }
        let (head, tail) = (mm.head, mm.tail);
        let (lo, hi) = (self.frag(head).seq, self.frag(tail).seq);
        if let Some(mm) = self.msgs.get_mut(usize::from(mi)) {
            (mm.lo, mm.hi) = (lo, hi);
        }
    }

    /// Drop every message not yet complete and queued (a new association starts).
    pub(crate) fn clear_partial(&mut self) {
        while self.partial_head != NIL {
            if self.msg(self.partial_head).is_none() {
                self.partial_head = NIL; // cannot happen: listed records are in use
                break;
            }
            self.free_msg(self.partial_head);
        }
    }

    /// Forget everything (association restart).
    pub(crate) fn clear(&mut self) {
        for i in 0..self.msgs.len() {
            self.free_msg(i as u16);
        }
        self.ready_head = NIL;
        self.ready_tail = NIL;
        self.ready_bytes = 0;
    }
}

fn adjacent(m: &Msg, tsn: u32, begin: bool, end: bool) -> bool {
    // Joins after the message's last fragment, or before its first one.
    let after = m.last.is_none() && !begin && m.tail_seq_plus_one() == Some(tsn);
    let before = m.first.is_none() && !end && m.head_seq_minus_one() == Some(tsn);
    after || before
}

impl Msg {
    fn tail_seq_plus_one(&self) -> Option<u32> {
        (self.count > 0).then(|| self.hi.wrapping_add(1))
    }
    fn head_seq_minus_one(&self) -> Option<u32> {
        (self.count > 0).then(|| self.lo.wrapping_sub(1))
    }
}
