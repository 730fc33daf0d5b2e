//! SACK processing, T3-rtx expiry and the PR-SCTP advanced peer ack point.

use super::{SackOutcome, Tx, TxHooks};
use crate::association::tsn::{le, lt};
use crate::wire::chunk::{ForwardTsnEntry, Sack};
use sansio::Instant;

/// FORWARD-TSN stream entries carried at most.
pub(crate) const MAX_FWD_ENTRIES: usize = 16;

/// Fast retransmit after this many miss indications.
const DUP_THRESHOLD: u8 = 3;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize> Tx<B, N> {
    /// Process a SACK. `None` when it is stale or acknowledges TSNs never sent.
    pub(crate) fn on_sack(&mut self, sack: &Sack<'_>, now: Instant) -> Option<SackOutcome> {
        let cum = sack.cum_tsn;
        let last_sent = self.next_tsn.wrapping_sub(1);
        if lt(cum, self.cum_ack()) || lt(last_sent, cum) {
            return None;
        }
        let flight_before = self.flight;
        let mut out = SackOutcome::default();
        let mut htna: Option<u32> = None;
        let mut rtt: Option<Instant> = None;
        let mut acked_bytes = 0u32;
        while le(self.base, cum) && self.base != self.next_tsn {
            if let Some(c) = self.chunk(self.base).copied() {
                if !c.acked && !c.abandoned {
                    acked_bytes += u32::from(c.len);
                    htna = Some(self.base);
                    if c.tx_count == 1 {
                        rtt = Some(c.sent_at);
                    }
                }
            }
            self.release_front();
            out.cum_advanced = true;
        }
        let has_gaps = sack.gaps().next().is_some();
        if has_gaps || self.gap_acked {
            self.clear_gap_acks();
            for (s, e) in sack.gaps() {
                if s == 0 || e < s {
                    continue;
                }
                for off in s..=e {
                    let tsn = cum.wrapping_add(u32::from(off));
                    if !lt(tsn, self.next_tsn) {
                        break;
                    }
                    if let Some(sent_once_at) = self.gap_ack(tsn) {
                        htna = Some(htna.map_or(tsn, |h| if lt(h, tsn) { tsn } else { h }));
                        if sent_once_at.is_some() {
                            rtt = sent_once_at;
                        }
                    }
                }
            }
            self.gap_acked = has_gaps;
        }
        out.newly_acked = htna.is_some();
        if let Some(sent_at) = rtt {
            self.rto.sample(now.saturating_duration_since(sent_at));
        }
        self.cc.on_cum(cum);
        self.cc.on_ack(acked_bytes, flight_before);
        if let Some(h) = htna.filter(|_| has_gaps) {
            out.fast_retransmit = self.count_misses(h);
        }
        self.peer_rwnd = sack.a_rwnd.saturating_sub(self.flight);
        self.pop_finished();
        Some(out)
    }

    /// Release the oldest chunk (cumulatively acknowledged or skipped by FORWARD-TSN).
    fn release_front(&mut self) {
        let tsn = self.base;
        if let Some(c) = self.chunk(tsn).copied() {
            if c.in_flight {
                self.flight -= u32::from(c.len);
            }
            if let Some(m) = self.msg_mut(c.msg) {
                m.live = m.live.saturating_sub(1);
            }
            if let Some(cm) = self.chunk_mut(tsn) {
                *cm = super::TxChunk::default();
            }
        }
        self.base = tsn.wrapping_add(1);
        if lt(self.ack_point, self.cum_ack()) {
            self.ack_point = self.cum_ack();
        }
    }

    /// Free messages at the front that are fully sent and released.
    fn pop_finished(&mut self) {
        while self.msg_head != self.msg_tail {
            let Some(m) = self.msg_at(self.msg_head).copied() else {
                break;
            };
            if m.sent < m.len || m.live > 0 {
                break;
            }
            if let Some(s) = self.msgs.get_mut(super::slot::<N>(self.msg_head)) {
                *s = None;
            }
            self.queued -= m.len as usize;
            self.msg_head = self.msg_head.wrapping_add(1);
            if self.cursor.wrapping_sub(self.msg_head) > self.msg_tail.wrapping_sub(self.msg_head) {
                self.cursor = self.msg_head;
            }
        }
        if self.msg_head == self.msg_tail {
            self.tail = 0;
        }
    }

    fn clear_gap_acks(&mut self) {
        let mut t = self.base;
        while t != self.next_tsn {
            if let Some(c) = self.chunk_mut(t) {
                c.acked = false;
            }
            t = t.wrapping_add(1);
        }
    }

    /// Mark `tsn` gap-acknowledged; `Some(sent_at if sent once)` when it was newly acked
    /// (not acked by the previous SACK either).
    fn gap_ack(&mut self, tsn: u32) -> Option<Option<Instant>> {
        let c = self.chunk_mut(tsn)?;
        if c.acked {
            return None;
        }
        c.acked = true;
        c.retransmit = false;
        let was_in_flight = c.in_flight;
        c.in_flight = false;
        let once = (c.tx_count == 1).then_some(c.sent_at);
        let len = u32::from(c.len);
        if was_in_flight {
            self.flight -= len;
            return Some(once);
        }
        None
    }

    /// Count a miss for every unacked chunk below `htna`; mark the third for fast retransmit.
    fn count_misses(&mut self, htna: u32) -> bool {
        let mut any = false;
        let mut t = self.base;
        while lt(t, htna) {
            let mut freed = 0;
            if let Some(c) = self.chunk_mut(t) {
                if !c.acked && !c.abandoned && c.in_flight && !c.fast_done {
                    c.miss = c.miss.saturating_add(1);
                    if c.miss >= DUP_THRESHOLD {
                        c.retransmit = true;
                        c.fast_done = true;
                        c.in_flight = false;
                        freed = u32::from(c.len);
                        any = true;
                    }
                }
            }
            self.flight -= freed;
            t = t.wrapping_add(1);
        }
        if any {
            self.rtx_pending = true;
            self.cc.on_fast_retransmit(self.next_tsn.wrapping_sub(1));
        }
        any
    }

    /// T3-rtx expired: every unacknowledged chunk goes again, the window collapses.
    pub(crate) fn on_t3(&mut self) {
        self.cc.on_timeout();
        self.rto.back_off();
        let mut t = self.base;
        while t != self.next_tsn {
            if let Some(c) = self.chunk_mut(t) {
                if !c.acked && !c.abandoned {
                    c.retransmit = true;
                    c.in_flight = false;
                }
            }
            t = t.wrapping_add(1);
        }
        self.flight = 0;
        self.rtx_pending = true;
    }

    /// Move the advanced peer ack point over abandoned chunks (RFC 3758 §3.5 C2); the
    /// FORWARD-TSN to send when it passed the cumulative ack.
    pub(crate) fn forward_tsn(
        &mut self,
        entries: &mut heapless::Vec<ForwardTsnEntry, MAX_FWD_ENTRIES>,
    ) -> Option<u32> {
        let mut t = self.ack_point.wrapping_add(1);
        while t != self.next_tsn && self.chunk(t).is_some_and(|c| c.abandoned) {
            self.ack_point = t;
            t = t.wrapping_add(1);
        }
        if !lt(self.cum_ack(), self.ack_point) {
            return None;
        }
        entries.clear();
        let mut t = self.base;
        while le(t, self.ack_point) {
            if let Some(m) = self.chunk(t).and_then(|c| self.msg_at(c.msg)) {
                let unordered = m.unordered;
                if !unordered || self.idata {
                    let e = ForwardTsnEntry {
                        stream: m.stream,
                        unordered,
                        id: m.mid,
                    };
                    match entries
                        .iter_mut()
                        .find(|x| x.stream == e.stream && x.unordered == e.unordered)
                    {
                        Some(x) if lt(x.id, e.id) => x.id = e.id,
                        Some(_) => {}
                        None => {
                            let _ = entries.push(e);
                        }
                    }
                }
            }
            t = t.wrapping_add(1);
        }
        Some(self.ack_point)
    }

    /// Abandon what the reliability policy gives up at `now` among unacknowledged chunks
    /// (lifetime expiry while waiting in flight).
    pub(crate) fn expire(&mut self, now: Instant, hooks: &mut impl TxHooks) {
        let mut t = self.base;
        while t != self.next_tsn {
            if let Some(c) = self.chunk(t).copied() {
                let expired = !c.acked
                    && !c.abandoned
                    && self
                        .msg_at(c.msg)
                        .is_some_and(|m| Self::expired(m, c.tx_count.saturating_sub(1), now));
                if expired {
                    self.abandon(c.msg, hooks);
                }
            }
            t = t.wrapping_add(1);
        }
    }
}
