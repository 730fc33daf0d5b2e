//! The sending side: the owner's messages in a bounded byte store, fragmented into DATA /
//! I-DATA chunks, kept by TSN until acknowledged; SACK processing, fast retransmit, T3,
//! congestion control and PR-SCTP abandonment (RFC 9260 §6, §7; RFC 3758; RFC 8260).

mod ack;

pub(crate) use ack::MAX_FWD_ENTRIES;

use super::cc::{Cwnd, Rto};
use super::config::Reliability;
use crate::wire::chunk::Data;
use crate::wire::{Chunk, PacketWriter};
use sansio::Instant;

/// What the sender asks of the stream table while it writes chunks.
pub(crate) trait TxHooks {
    /// The next SSN / MID for a new message on `stream`.
    fn next_mid(&mut self, stream: u16, unordered: bool) -> u32;
    /// `bytes` of `stream`'s queued data went out for the first time (or were given up).
    fn sent(&mut self, stream: u16, bytes: u32);
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct TxMsg {
    pub(crate) stream: u16,
    ppid: u32,
    off: u32,
    len: u32,
    sent: u32,
    unordered: bool,
    mid: u32,
    next_fsn: u32,
    rel: Reliability,
    created: Instant,
    abandoned: bool,
    live: u32,
}

#[derive(Clone, Copy, Debug, Default)]
struct TxChunk {
    msg: u32,
    off: u32,
    len: u16,
    begin: bool,
    end: bool,
    fsn: u32,
    sent_at: Instant,
    tx_count: u16,
    acked: bool,
    abandoned: bool,
    retransmit: bool,
    fast_done: bool,
    in_flight: bool,
    miss: u8,
}

/// What one SACK did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SackOutcome {
    pub(crate) cum_advanced: bool,
    /// Some chunk was acknowledged for the first time.
    pub(crate) newly_acked: bool,
    pub(crate) fast_retransmit: bool,
}

#[derive(Debug)]
pub(crate) struct Tx<B, const N: usize> {
    store: B,
    tail: usize,
    msgs: [Option<TxMsg>; N],
    msg_head: u32,
    msg_tail: u32,
    cursor: u32,
    chunks: [TxChunk; N],
    base: u32,
    next_tsn: u32,
    pub(crate) flight: u32,
    pub(crate) peer_rwnd: u32,
    pub(crate) cc: Cwnd,
    pub(crate) rto: Rto,
    ack_point: u32,
    gap_acked: bool,
    /// Some chunk may be marked for retransmission (saves a scan of the window per packet).
    rtx_pending: bool,
    /// The stream the last new chunk came from (I-DATA round robin).
    last_stream: Option<u16>,
    queued: usize,
    pub(crate) idata: bool,
}

fn slot<const N: usize>(x: u32) -> usize {
    x as usize % N
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize> Tx<B, N> {
    pub(crate) fn new(store: B, initial_tsn: u32, mtu: usize, rto: Rto) -> Self {
        Tx {
            store,
            tail: 0,
            msgs: [None; N],
            msg_head: 0,
            msg_tail: 0,
            cursor: 0,
            chunks: [TxChunk::default(); N],
            base: initial_tsn,
            next_tsn: initial_tsn,
            flight: 0,
            peer_rwnd: 0,
            cc: Cwnd::new(mtu, 0),
            rto,
            ack_point: initial_tsn.wrapping_sub(1),
            gap_acked: false,
            rtx_pending: false,
            last_stream: None,
            queued: 0,
            idata: false,
        }
    }

    /// Start over (association established or restarted): same buffers, new TSN space.
    pub(crate) fn reset(&mut self, initial_tsn: u32, mtu: usize, peer_rwnd: u32, rto: Rto) {
        self.tail = 0;
        self.msgs = [None; N];
        (self.msg_head, self.msg_tail, self.cursor) = (0, 0, 0);
        self.chunks = [TxChunk::default(); N];
        (self.base, self.next_tsn) = (initial_tsn, initial_tsn);
        self.flight = 0;
        self.peer_rwnd = peer_rwnd;
        self.cc = Cwnd::new(mtu, peer_rwnd);
        self.rto = rto;
        self.ack_point = initial_tsn.wrapping_sub(1);
        self.gap_acked = false;
        self.rtx_pending = false;
        self.queued = 0;
    }

    pub(crate) fn capacity(&self) -> usize {
        self.store.as_ref().len()
    }

    /// Bytes of messages held (queued or unacknowledged).
    pub(crate) fn queued_bytes(&self) -> usize {
        self.queued
    }

    /// The TSN the peer has cumulatively acknowledged.
    pub(crate) fn cum_ack(&self) -> u32 {
        self.base.wrapping_sub(1)
    }

    pub(crate) fn next_tsn(&self) -> u32 {
        self.next_tsn
    }

    /// Chunks sent and not yet released.
    pub(crate) fn outstanding(&self) -> bool {
        self.base != self.next_tsn
    }

    /// Nothing queued and nothing outstanding.
    pub(crate) fn is_idle(&self) -> bool {
        self.msg_head == self.msg_tail
    }

    /// Whether `stream` has data not yet fragmented into chunks.
    pub(crate) fn has_unsent(&self, stream: u16) -> bool {
        let mut seq = self.msg_head;
        while seq != self.msg_tail {
            if self
                .msg_at(seq)
                .is_some_and(|m| m.stream == stream && m.sent < m.len && !m.abandoned)
            {
                return true;
            }
            seq = seq.wrapping_add(1);
        }
        false
    }

    fn msg_at(&self, seq: u32) -> Option<&TxMsg> {
        if seq.wrapping_sub(self.msg_head) >= self.msg_tail.wrapping_sub(self.msg_head) {
            return None;
        }
        self.msgs.get(slot::<N>(seq)).and_then(|m| m.as_ref())
    }

    fn msg_mut(&mut self, seq: u32) -> Option<&mut TxMsg> {
        if seq.wrapping_sub(self.msg_head) >= self.msg_tail.wrapping_sub(self.msg_head) {
            return None;
        }
        self.msgs.get_mut(slot::<N>(seq)).and_then(|m| m.as_mut())
    }

    /// Where a message of `len` bytes fits in the store (messages never wrap).
    fn place(&self, len: usize) -> Option<usize> {
        let cap = self.capacity();
        let Some(head) = self.msg_at(self.msg_head).map(|m| m.off as usize) else {
            return (len <= cap).then_some(0);
        };
        if self.tail >= head {
            if cap - self.tail >= len {
                Some(self.tail)
            } else if head > len {
                Some(0)
            } else {
                None
            }
        } else if head - self.tail > len {
            Some(self.tail)
        } else {
            None
        }
    }

    /// Whether a message of `len` bytes could be queued now.
    pub(crate) fn can_queue(&self, len: usize) -> bool {
        self.msg_tail.wrapping_sub(self.msg_head) < N as u32 && self.place(len).is_some()
    }

    /// Queue a message (at least one byte). `false` when there is no room now.
    pub(crate) fn enqueue(
        &mut self,
        stream: u16,
        ppid: u32,
        data: &[u8],
        unordered: bool,
        rel: Reliability,
        now: Instant,
    ) -> bool {
        if !self.can_queue(data.len()) || data.is_empty() {
            return false;
        }
        let Some(off) = self.place(data.len()) else {
            return false;
        };
        if let Some(dst) = self.store.as_mut().get_mut(off..off + data.len()) {
            dst.copy_from_slice(data);
        }
        self.tail = off + data.len();
        let m = TxMsg {
            stream,
            ppid,
            off: off as u32,
            len: data.len() as u32,
            sent: 0,
            unordered,
            mid: 0,
            next_fsn: 0,
            rel,
            created: now,
            abandoned: false,
            live: 0,
        };
        if let Some(s) = self.msgs.get_mut(slot::<N>(self.msg_tail)) {
            *s = Some(m);
        }
        self.msg_tail = self.msg_tail.wrapping_add(1);
        self.queued += data.len();
        true
    }

    fn chunk(&self, tsn: u32) -> Option<&TxChunk> {
        if tsn.wrapping_sub(self.base) >= self.next_tsn.wrapping_sub(self.base) {
            return None;
        }
        self.chunks.get(slot::<N>(tsn))
    }

    fn chunk_mut(&mut self, tsn: u32) -> Option<&mut TxChunk> {
        if tsn.wrapping_sub(self.base) >= self.next_tsn.wrapping_sub(self.base) {
            return None;
        }
        self.chunks.get_mut(slot::<N>(tsn))
    }

    fn expired(m: &TxMsg, tx_count: u16, now: Instant) -> bool {
        match m.rel {
            Reliability::Reliable => false,
            Reliability::MaxRetransmits(n) => u32::from(tx_count) > n,
            Reliability::MaxLifetimeMs(ms) => {
                now.saturating_duration_since(m.created).as_millis() > u128::from(ms)
            }
        }
    }

    /// Give message `seq` up (PR-SCTP): its chunks leave the flight, its unsent rest is
    /// never sent.
    fn abandon(&mut self, seq: u32, hooks: &mut impl TxHooks) {
        let Some(m) = self.msg_mut(seq) else { return };
        if m.abandoned {
            return;
        }
        m.abandoned = true;
        let unsent = m.len - m.sent;
        m.sent = m.len;
        let stream = m.stream;
        if unsent > 0 {
            hooks.sent(stream, unsent);
        }
        let mut t = self.base;
        while t != self.next_tsn {
            let mut freed = 0;
            if let Some(c) = self.chunk_mut(t) {
                if c.msg == seq {
                    c.abandoned = true;
                    c.retransmit = false;
                    if c.in_flight {
                        c.in_flight = false;
                        freed = u32::from(c.len);
                    }
                }
            }
            self.flight -= freed;
            t = t.wrapping_add(1);
        }
    }

    /// Write DATA chunks into `w`: retransmissions first, then new data, within the
    /// congestion and receiver windows. `force` sends one packet of retransmissions outside
    /// the congestion window (fast retransmit). Returns whether anything was written.
    pub(crate) fn fill(
        &mut self,
        w: &mut PacketWriter<'_>,
        now: Instant,
        force: bool,
        hooks: &mut impl TxHooks,
    ) -> bool {
        let before = w.chunk_count();
        self.fill_retransmits(w, now, force, hooks);
        self.fill_new(w, now, hooks);
        w.chunk_count() > before
    }

    fn window_open(&self, len: u32, force: bool) -> bool {
        if force {
            return true;
        }
        let cwnd_ok = self.flight < self.cc.cwnd;
        let rwnd_ok = self.peer_rwnd >= len || self.flight == 0;
        cwnd_ok && rwnd_ok
    }

    fn fill_retransmits(
        &mut self,
        w: &mut PacketWriter<'_>,
        now: Instant,
        force: bool,
        hooks: &mut impl TxHooks,
    ) {
        let mut t = self.base;
        while t != self.next_tsn {
            let tsn = t;
            t = t.wrapping_add(1);
            let Some(c) = self.chunk(tsn).copied() else {
                break;
            };
            if !c.retransmit || c.abandoned {
                continue;
            }
            let Some(m) = self.msg_at(c.msg).copied() else {
                continue;
            };
            if Self::expired(&m, c.tx_count, now) {
                self.abandon(c.msg, hooks);
                continue;
            }
            if !self.window_open(u32::from(c.len), force) {
                return;
            }
            if !self.write_chunk(w, tsn, &c, &m) {
                return;
            }
            if let Some(cm) = self.chunk_mut(tsn) {
                cm.retransmit = false;
                cm.in_flight = true;
                cm.sent_at = now;
                cm.tx_count = cm.tx_count.saturating_add(1);
                cm.miss = 0;
            }
            self.flight += u32::from(c.len);
            self.peer_rwnd = self.peer_rwnd.saturating_sub(u32::from(c.len));
        }
        // A whole scan without stopping early: nothing is left marked.
        self.rtx_pending = false;
    }

    fn write_chunk(&self, w: &mut PacketWriter<'_>, tsn: u32, c: &TxChunk, m: &TxMsg) -> bool {
        let start = m.off as usize + c.off as usize;
        let Some(payload) = self.store.as_ref().get(start..start + usize::from(c.len)) else {
            return false;
        };
        let d = Data {
            idata: self.idata,
            tsn,
            stream: m.stream,
            mid: m.mid,
            fsn: c.fsn,
            ppid: m.ppid,
            unordered: m.unordered,
            begin: c.begin,
            end: c.end,
            immediate: false,
            payload,
        };
        w.push(&Chunk::Data(d)).is_ok()
    }

    /// The next message with bytes to fragment, abandoning expired unsent ones.
    fn next_msg(&mut self, now: Instant, hooks: &mut impl TxHooks) -> Option<u32> {
        while self.cursor != self.msg_tail {
            let seq = self.cursor;
            let m = *self.msg_at(seq)?;
            if m.sent < m.len && !m.abandoned {
                if m.sent == 0 && Self::expired(&m, 0, now) {
                    self.abandon(seq, hooks);
                } else {
                    return Some(seq);
                }
            }
            self.cursor = self.cursor.wrapping_add(1);
        }
        None
    }

    /// With I-DATA, take turns between streams (RFC 8260): among the next few messages with
    /// bytes to send, the first one of a stream other than the last served, provided no
    /// earlier message of its stream is waiting (a stream's messages start in order).
    fn interleave(&self, first: u32) -> u32 {
        const LOOKAHEAD: u32 = 16;
        let Some(last) = self.last_stream else {
            return first;
        };
        let mut seen: heapless::Vec<u16, { LOOKAHEAD as usize }> = heapless::Vec::new();
        let mut seq = first;
        while seq != self.msg_tail && seq.wrapping_sub(first) < LOOKAHEAD {
            if let Some(m) = self.msg_at(seq).filter(|m| m.sent < m.len && !m.abandoned) {
                if !seen.contains(&m.stream) {
                    if m.stream != last {
                        return seq;
                    }
                    let _ = seen.push(m.stream);
                }
            }
            seq = seq.wrapping_add(1);
        }
        first
    }

    fn fill_new(&mut self, w: &mut PacketWriter<'_>, now: Instant, hooks: &mut impl TxHooks) {
        let hdr = Data::header_len(self.idata);
        while self.next_tsn.wrapping_sub(self.base) < N as u32 {
            let Some(first) = self.next_msg(now, hooks) else {
                return;
            };
            let seq = if self.idata {
                self.interleave(first)
            } else {
                first
            };
            let Some(m) = self.msg_at(seq).copied() else {
                return;
            };
            let space = w.remaining().saturating_sub(hdr);
            let rest = (m.len - m.sent) as usize;
            // Do not cut a message into a sliver at the end of a full packet.
            if space == 0 || (rest > space && space < 256 && !w.is_empty()) {
                return;
            }
            let len = rest.min(space).min(u16::MAX as usize - 32) as u32;
            if !self.window_open(len, false) {
                return;
            }
            let mut m = m;
            if m.sent == 0 {
                m.mid = hooks.next_mid(m.stream, m.unordered);
            }
            let tsn = self.next_tsn;
            let c = TxChunk {
                msg: seq,
                off: m.sent,
                len: len as u16,
                begin: m.sent == 0,
                end: m.sent + len == m.len,
                fsn: m.next_fsn,
                sent_at: now,
                tx_count: 1,
                in_flight: true,
                ..TxChunk::default()
            };
            if !self.write_chunk(w, tsn, &c, &m) {
                return;
            }
            m.sent += len;
            m.next_fsn = m.next_fsn.wrapping_add(1);
            m.live += 1;
            if let Some(slot) = self.msg_mut(seq) {
                *slot = m;
            }
            if let Some(s) = self.chunks.get_mut(slot::<N>(tsn)) {
                *s = c;
            }
            self.next_tsn = tsn.wrapping_add(1);
            self.last_stream = Some(m.stream);
            self.flight += len;
            self.peer_rwnd = self.peer_rwnd.saturating_sub(len);
            hooks.sent(m.stream, len);
        }
    }
}
