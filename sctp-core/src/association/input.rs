//! Incoming packets: checksum and verification tag first (RFC 9260 §8.5), then each chunk.

use super::config::ppid;
use super::reasm::Stored;
use super::streams::ChanState;
use super::timer::Timer;
use super::tsn::{le, lt, Arrival};
use super::{Association, ChannelId, Event, LostReason, SackDue, State};
use crate::dcep::Dcep;
use crate::wire::chunk::{ChunkType, Data, RawChunk, Sack};
use crate::wire::param::cause;
use crate::wire::{Chunk, Packet};
use sansio::{Entropy, Instant, Path, Rejected};

impl<E: Entropy, B: AsRef<[u8]> + AsMut<[u8]>, const CH: usize, const N: usize>
    Association<E, B, CH, N>
{
    pub(super) fn on_packet(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<(), Rejected> {
        let p = Packet::new_checked(data).map_err(|_| Rejected::Malformed)?;
        if !p.checksum_ok(self.cfg.zero_checksum) {
            return Err(Rejected::Unauthenticated);
        }
        let first = match p.chunks().next() {
            Some(Ok(c)) => c,
            _ => return Err(Rejected::Malformed),
        };
        let vtag = p.verification_tag();
        match first.kind {
            ChunkType::INIT => {
                // INIT must be alone, with a zero tag (RFC 9260 §8.5.1 A).
                if vtag != 0 || p.chunks().count() != 1 {
                    return Err(Rejected::Malformed);
                }
                return self.on_init(now, path, &p, first);
            }
            ChunkType::COOKIE_ECHO => {
                self.on_cookie_echo(now, path, &p, first)?;
                return self.on_chunks(now, &p, 1);
            }
            _ => {}
        }
        if self.state == State::Closed {
            self.out_of_the_blue(path, &p, first);
            return Err(Rejected::Unauthenticated);
        }
        let t_bit = first.flags & 1 != 0;
        let reflected =
            matches!(first.kind, ChunkType::ABORT | ChunkType::SHUTDOWN_COMPLETE) && t_bit;
        let ok = if reflected {
            vtag == self.peer_tag && self.peer_tag != 0
        } else {
            vtag == self.local_tag
        };
        if !ok {
            return Err(Rejected::Unauthenticated);
        }
        self.path = Some(path);
        self.on_chunks(now, &p, 0)
    }

    /// Process the chunks of an accepted packet, skipping the first `skip`.
    fn on_chunks(&mut self, now: Instant, p: &Packet<&[u8]>, skip: usize) -> Result<(), Rejected> {
        let mut had_data = false;
        for raw in p.chunks().skip(skip) {
            let Ok(raw) = raw else { break };
            if self.state == State::Closed {
                break;
            }
            let chunk = match Chunk::parse(raw) {
                Ok(c) => c,
                Err(_) => {
                    self.protocol_violation();
                    break;
                }
            };
            match chunk {
                Chunk::Data(d) => {
                    had_data = true;
                    if !self.on_data(&d) {
                        break;
                    }
                }
                Chunk::Unknown(raw) => {
                    if !self.on_unknown(raw) {
                        break;
                    }
                }
                other => self.on_control(now, other),
            }
        }
        if had_data {
            self.after_data(now);
        }
        Ok(())
    }

    fn on_control(&mut self, now: Instant, c: Chunk<'_>) {
        match c {
            Chunk::InitAck(i) => self.on_init_ack(now, &i),
            Chunk::CookieAck => self.on_cookie_ack(now),
            Chunk::Sack(s) => self.on_sack(now, &s),
            Chunk::Heartbeat(info) => {
                // Echo up to 256 bytes of info; a larger one gets no answer (bounded state).
                self.ctl.hb_ack = heapless::Vec::from_slice(info).ok();
            }
            Chunk::HeartbeatAck(info) => self.on_heartbeat_ack(now, info),
            Chunk::Abort { .. } => self.close(LostReason::PeerAbort),
            Chunk::Shutdown { cum_tsn } => self.on_shutdown(now, cum_tsn),
            Chunk::ShutdownAck => self.on_shutdown_ack(),
            Chunk::ShutdownComplete { .. } => {
                if self.state == State::ShutdownAckSent {
                    self.close(LostReason::Shutdown);
                }
            }
            Chunk::ForwardTsn(f) => self.on_forward_tsn(&f),
            Chunk::ReConfig { params } => self.on_reconfig(now, &params),
            Chunk::Error { causes } => self.on_error(now, &causes),
            Chunk::Pad(_) | Chunk::Init(_) | Chunk::CookieEcho(_) => {}
            Chunk::Data(_) | Chunk::Unknown(_) => {}
        }
    }

    /// ERROR: a Stale Cookie during the handshake means starting again with a new INIT
    /// (RFC 9260 §5.2.6); other causes are notes.
    fn on_error(
        &mut self,
        now: Instant,
        causes: &crate::wire::List<'_, crate::wire::ErrorCause<'_>>,
    ) {
        let stale = crate::wire::chunk::causes(causes)
            .any(|c| matches!(c, Ok(crate::wire::ErrorCause::StaleCookie(_))));
        if stale && self.state == State::CookieEchoed {
            self.state = State::CookieWait;
            self.ctl.cookie_echo = false;
            self.ctl.init = true;
            // A fresh start with a fresh tag (so the peer, if it kept the association,
            // sees a restart, RFC 9260 §5.2.4 action A): budget and back-off begin again.
            self.local_tag = self.random_tag();
            self.local_tsn = self.entropy.next_u32();
            self.t1_count = 0;
            self.t1_rto = self.cfg.rto_initial;
            self.timers.set(Timer::T1, now + self.t1_rto);
        }
    }

    /// RFC 9260 §3.2: the upper two bits of an unknown type. Returns whether to go on.
    fn on_unknown(&mut self, raw: RawChunk<'_>) -> bool {
        let action = raw.unknown_action();
        if action.reports() && self.ctl.error.is_none() {
            // Report the chunk (its first bytes) in an ERROR, bounded.
            let mut cause = heapless::Vec::<u8, 128>::new();
            let take = raw.value.len().min(96);
            let len = (4 + take) as u16;
            let _ = cause.extend_from_slice(&[raw.kind, raw.flags]);
            let _ = cause.extend_from_slice(&len.to_be_bytes());
            let _ = cause.extend_from_slice(raw.value.get(..take).unwrap_or(&[]));
            self.ctl.error = Some(cause);
        }
        action.continues()
    }

    fn protocol_violation(&mut self) {
        self.ctl.abort = Some(cause::PROTOCOL_VIOLATION);
        self.lose(LostReason::Aborted);
    }

    /// A DATA or I-DATA chunk; `false` stops processing the packet.
    fn on_data(&mut self, d: &Data<'_>) -> bool {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return true;
        }
        if d.payload.is_empty() || d.idata != self.caps.idata {
            // RFC 9260 §6.2: empty DATA → ABORT (No User Data); DATA/I-DATA mismatch: §2.2 of 8260.
            self.ctl.abort = Some(if d.payload.is_empty() {
                cause::NO_USER_DATA
            } else {
                cause::PROTOCOL_VIOLATION
            });
            self.lose(LostReason::Aborted);
            return false;
        }
        if d.immediate {
            self.ctl.sack = SackDue::Now;
        }
        match self.tsns.classify(d.tsn) {
            Arrival::Duplicate => {
                self.stats.duplicate_tsns += 1;
                self.tsns.record_dup(d.tsn);
                self.ctl.sack = SackDue::Now;
                return true;
            }
            Arrival::OutOfWindow => {
                self.ctl.sack = SackDue::Now;
                return true;
            }
            Arrival::New => {}
        }
        if lt(self.tsns.cum().wrapping_add(1), d.tsn) {
            self.ctl.sack = SackDue::Now; // out of order: report the gap at once
        }
        let ssn16 = !self.caps.idata;
        let Some(s) = self.streams.get_or_create(d.stream) else {
            return true; // no stream slot: not acknowledged, the peer retries
        };
        // An ordered message we already delivered or skipped: acknowledge, drop.
        if !d.unordered && is_before(d.mid, s.in_mid, ssn16) {
            self.tsns.mark(d.tsn);
            return true;
        }
        let mut stored = self.rx.insert(d, self.cfg.max_message_size);
        if stored == Stored::NoRoom && d.tsn == self.tsns.cum().wrapping_add(1) {
            stored = self.make_room(d);
        }
        match stored {
            Stored::NoRoom => return true,
            Stored::TooLarge => {
                self.ctl.abort = Some(cause::OUT_OF_RESOURCE);
                self.lose(LostReason::OutOfResource);
                return false;
            }
            Stored::Invalid => {}
            Stored::Partial => {}
            Stored::Complete(idx) => {
                self.tsns.mark(d.tsn);
                self.deliver(idx);
                return true;
            }
        }
        self.tsns.mark(d.tsn);
        true
    }

    /// The next expected TSN does not fit: renege out-of-order fragments (RFC 9260 §6.2)
    /// until it does. When even that cannot help and nothing waits for the owner, the
    /// association can never progress: abort (out of resource).
    fn make_room(&mut self, d: &Data<'_>) -> Stored {
        while let Some(tsn) = self.rx.renege_above(self.tsns.cum()) {
            self.stats.reneged += 1;
            self.tsns.unmark(tsn);
            if self.rx.has_room(d.payload.len()) {
                return self.rx.insert(d, self.cfg.max_message_size);
            }
        }
        if !self.rx.has_ready() {
            self.ctl.abort = Some(cause::OUT_OF_RESOURCE);
            self.lose(LostReason::OutOfResource);
        }
        Stored::NoRoom
    }

    /// A message just completed: hand it on now or when its turn comes.
    fn deliver(&mut self, idx: u16) {
        let Some(m) = self.rx.msg(idx).copied() else {
            return;
        };
        if m.unordered {
            self.complete(idx);
            return;
        }
        let ssn16 = !self.caps.idata;
        let Some(s) = self.streams.get(m.stream) else {
            return;
        };
        if m.mid != s.in_mid {
            return; // held until the earlier ones arrive
        }
        let mut idx = idx;
        loop {
            self.complete(idx);
            let Some(s) = self.streams.get_mut(m.stream) else {
                return;
            };
            s.in_mid = next_id(s.in_mid, ssn16);
            let want = s.in_mid;
            match self.rx.find_complete_ordered(m.stream, want) {
                Some(i) => idx = i,
                None => return,
            }
        }
    }

    /// Deliver ordered messages that became deliverable after the stream's expected id
    /// moved (FORWARD-TSN).
    pub(super) fn deliver_held(&mut self, stream: u16) {
        let Some(s) = self.streams.get(stream) else {
            return;
        };
        if let Some(i) = self.rx.find_complete_ordered(stream, s.in_mid) {
            self.deliver(i);
        }
    }

    /// Message `idx` is in order: DCEP is handled here, data queued for the owner.
    fn complete(&mut self, idx: u16) {
        let Some(m) = self.rx.msg(idx).copied() else {
            return;
        };
        if m.ppid == ppid::DCEP {
            let mut buf = [0u8; 512];
            let ok = (m.bytes as usize) <= buf.len();
            if ok {
                self.rx.read(idx, &mut buf);
            }
            self.rx.free_msg(idx);
            if ok {
                self.on_dcep(m.stream, buf.get(..m.bytes as usize).unwrap_or(&[]));
            }
            return;
        }
        let open = self.streams.get(m.stream).is_some_and(|s| s.is_channel());
        if !open {
            self.rx.free_msg(idx);
            return;
        }
        if let Some(s) = self.streams.get_mut(m.stream) {
            if s.state == ChanState::Opening {
                s.state = ChanState::Open; // the peer uses it: it saw our OPEN
            }
        }
        self.rx.push_ready(idx);
        self.emit(Event::MessageReady(ChannelId(m.stream)));
    }

    fn on_dcep(&mut self, stream: u16, msg: &[u8]) {
        match Dcep::parse(msg) {
            Ok(Dcep::Open(o)) => {
                let Some(s) = self.streams.get_or_create(stream) else {
                    return;
                };
                if s.state != ChanState::Bare {
                    return; // a stream we already use: ignore
                }
                s.state = ChanState::Open;
                let cfg = super::ChannelConfig {
                    label: o.label,
                    protocol: o.protocol,
                    ordered: o.ordered,
                    reliability: o.reliability,
                    priority: o.priority,
                    negotiated_id: None,
                };
                s.configure(&cfg);
                let rel = super::Reliability::Reliable;
                self.tx.enqueue(
                    stream,
                    ppid::DCEP,
                    &[crate::dcep::ACK],
                    false,
                    rel,
                    Instant::ZERO,
                );
                self.emit(Event::ChannelOpen(ChannelId(stream)));
            }
            Ok(Dcep::Ack) => {
                if let Some(s) = self.streams.get_mut(stream) {
                    if s.state == ChanState::Opening {
                        s.state = ChanState::Open;
                        self.emit(Event::ChannelOpen(ChannelId(stream)));
                    }
                }
            }
            Err(_) => {}
        }
    }

    /// After the DATA chunks of a packet: SACK now or later (RFC 9260 §6.2).
    fn after_data(&mut self, now: Instant) {
        self.ctl.data_packets = self.ctl.data_packets.saturating_add(1);
        if self.ctl.data_packets >= 2 || self.tsns.has_gaps() {
            self.ctl.sack = SackDue::Now;
        }
        if self.ctl.sack == SackDue::No {
            self.ctl.sack = SackDue::Delayed;
        }
        if self.ctl.sack == SackDue::Delayed && self.timers.get(Timer::DelayedAck).is_none() {
            self.timers
                .set(Timer::DelayedAck, now + self.cfg.delayed_ack);
        }
    }

    fn on_sack(&mut self, now: Instant, s: &Sack<'_>) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        ) {
            return;
        }
        let Some(out) = self.tx.on_sack(s, now) else {
            return;
        };
        // RFC 9260 §8.1: any DATA newly acknowledged (cumulatively or in a gap block) shows
        // the peer is alive.
        if out.newly_acked {
            self.errors = 0;
        }
        if out.fast_retransmit {
            self.stats.fast_retransmits += 1;
            self.ctl.fast_rtx = true;
        }
        self.ctl.fwd_tsn |= self.caps.forward_tsn;
        self.sync_t3(now, out.cum_advanced);
        self.reconfig_poll(now);
        self.shutdown_poll(now);
    }

    fn on_heartbeat_ack(&mut self, now: Instant, info: &[u8]) {
        let Some((nonce, sent)) = self.hb_out else {
            return;
        };
        if info.get(..8) == Some(&nonce.to_be_bytes()[..]) {
            self.hb_out = None;
            self.errors = 0;
            self.tx.rto.sample(now.saturating_duration_since(sent));
        }
    }

    fn on_forward_tsn(&mut self, f: &crate::wire::chunk::ForwardTsn<'_>) {
        if !self.caps.forward_tsn || f.idata != self.caps.idata {
            return;
        }
        let new_cum = f.new_cum_tsn;
        self.ctl.sack = SackDue::Now;
        if le(new_cum, self.tsns.cum()) {
            return;
        }
        if !f.idata {
            self.rx.drop_partial_through_tsn(new_cum);
        }
        self.tsns.forward(new_cum);
        let ssn16 = !self.caps.idata;
        for e in f.entries() {
            if f.idata {
                self.rx
                    .drop_partial_through_mid(e.stream, e.unordered, e.id);
            }
            if e.unordered {
                continue;
            }
            if let Some(s) = self.streams.get_mut(e.stream) {
                if !is_before(e.id, s.in_mid, ssn16) {
                    s.in_mid = next_id(e.id, ssn16);
                }
            }
            self.deliver_held(e.stream);
        }
    }

    fn on_shutdown(&mut self, now: Instant, cum_tsn: u32) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        ) {
            return;
        }
        let sack = Sack {
            cum_tsn,
            a_rwnd: self.tx.peer_rwnd + self.tx.flight,
            gaps: Default::default(),
            dups: Default::default(),
        };
        if lt(self.tx.cum_ack(), cum_tsn) {
            self.tx.on_sack(&sack, now);
            self.sync_t3(now, true);
        }
        if self.state != State::ShutdownSent {
            self.state = State::ShutdownReceived;
        }
        self.shutdown_poll(now);
    }

    fn on_shutdown_ack(&mut self) {
        if matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
            self.ctl = super::Control::new();
            self.ctl.shutdown_complete = true;
            self.lose(LostReason::Shutdown);
        }
    }

    /// Send SHUTDOWN / SHUTDOWN-ACK once everything we sent is acknowledged.
    pub(super) fn shutdown_poll(&mut self, now: Instant) {
        if self.tx.outstanding() || !self.tx.is_idle() {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.state = State::ShutdownSent;
                self.ctl.shutdown = true;
            }
            State::ShutdownReceived => {
                self.state = State::ShutdownAckSent;
                self.ctl.shutdown_ack = true;
            }
            _ => return,
        }
        self.t2_count = 0;
        self.timers.set(Timer::T2, now + self.tx.rto.rto());
    }

    /// Bookkeeping after any input: buffered-amount events, SACK timer.
    pub(super) fn after_input(&mut self, _now: Instant) {
        self.collect_low_water();
        if self.ctl.sack == SackDue::Now {
            self.timers.clear(Timer::DelayedAck);
        }
    }

    /// Queue `BufferedAmountLow` for channels whose buffered amount fell to the mark.
    pub(super) fn collect_low_water(&mut self) {
        let mut lows: heapless::Vec<u16, CH> = heapless::Vec::new();
        for s in self.streams.iter_mut() {
            if core::mem::take(&mut s.low_pending) {
                let _ = lows.push(s.id);
            }
        }
        for id in lows {
            self.emit(Event::BufferedAmountLow(ChannelId(id)));
        }
    }

    /// An out-of-the-blue packet (RFC 9260 §8.4): at most one small reply.
    fn out_of_the_blue(&mut self, path: Path, p: &Packet<&[u8]>, first: RawChunk<'_>) {
        let vtag = p.verification_tag();
        let has = |k: u8| p.chunks().any(|c| c.is_ok_and(|c| c.kind == k));
        if has(ChunkType::ABORT)
            || has(ChunkType::SHUTDOWN_COMPLETE)
            || has(ChunkType::COOKIE_ACK)
            || first.kind == ChunkType::ERROR
        {
            return;
        }
        let chunk = if first.kind == ChunkType::SHUTDOWN_ACK {
            Chunk::ShutdownComplete { t: true }
        } else {
            Chunk::Abort {
                t: true,
                causes: Default::default(),
            }
        };
        self.stateless_reply(path, p.dst_port(), p.src_port(), vtag, &[chunk]);
    }
}

/// `a` comes before `b` in the stream's id space (16-bit SSN or 32-bit MID).
fn is_before(a: u32, b: u32, ssn16: bool) -> bool {
    if ssn16 {
        let (a, b) = (a as u16, b as u16);
        a != b && b.wrapping_sub(a) < 0x8000
    } else {
        lt(a, b)
    }
}

fn next_id(v: u32, ssn16: bool) -> u32 {
    if ssn16 {
        (v + 1) & 0xFFFF
    } else {
        v.wrapping_add(1)
    }
}
