//! A jitter buffer with fixed memory: reorders packets, detects loss, holds frames for a
//! bounded playout delay and hands out complete frames.
//!
//! Capacity is two const generics: `SLOTS` packets (a power of two is fastest) of at most
//! `MTU` payload bytes each. Memory is `SLOTS × (MTU + ~32)` bytes, fixed at construction:
//! no flood of duplicate, stale or far-future sequence numbers can grow it.
//!
//! A frame is the run of packets sharing one RTP timestamp. In [`FrameMode::Video`] it is
//! complete when its last packet has the marker bit or the next packet (with a new
//! timestamp) has arrived; in [`FrameMode::Audio`] each packet is a frame. Frames come out
//! in order, each at least `min_delay` after its first packet arrived; a frame that stays
//! incomplete for `max_delay` is given up (counted as lost) and playout moves on to the next
//! frame, flagged `after_loss`.

use crate::seq::SeqUnwrapper;
use crate::wire::RtpPacket;
use core::time::Duration;
use sansio::Instant;

/// A packet this far behind the playout point is not late but from a restarted sender
/// (RFC 3550 A.1's `MAX_DROPOUT`).
const RESTART_DISTANCE: u64 = 3000;

/// How frames are delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameMode {
    /// Frames span packets with one timestamp; the marker bit ends a frame.
    Video,
    /// Every packet is a frame.
    Audio,
}

/// Jitter buffer settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitterConfig {
    /// How frames are delimited.
    pub mode: FrameMode,
    /// Least time a frame is held after its first packet arrived (absorbs jitter).
    pub min_delay: Duration,
    /// Longest wait for a missing packet before its frame is given up.
    pub max_delay: Duration,
}

impl JitterConfig {
    /// Video defaults: no added delay, give up a frame after 200 ms.
    pub const fn video() -> Self {
        JitterConfig {
            mode: FrameMode::Video,
            min_delay: Duration::ZERO,
            max_delay: Duration::from_millis(200),
        }
    }
    /// Audio defaults: 40 ms playout delay, give up after 100 ms.
    pub const fn audio() -> Self {
        JitterConfig {
            mode: FrameMode::Audio,
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(100),
        }
    }
}

/// Why a packet was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored.
    Stored,
    /// Already stored (a duplicate).
    Duplicate,
    /// Older than the playout point: its frame was already played or given up.
    TooLate,
    /// Its payload exceeds `MTU`.
    TooLarge,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets stored.
    pub stored: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets that came after their frame was played or given up.
    pub late: u64,
    /// Packets too large for a slot.
    pub too_large: u64,
    /// Sequence numbers never received before playout moved past them.
    pub lost: u64,
    /// Frames handed out.
    pub frames: u64,
    /// Incomplete frames given up.
    pub frames_dropped: u64,
}

#[derive(Clone, Copy, Debug)]
struct Slot<const MTU: usize> {
    seq: Option<u64>,
    timestamp: u32,
    marker: bool,
    arrival: Instant,
    len: usize,
    data: [u8; MTU],
}

impl<const MTU: usize> Slot<MTU> {
    const EMPTY: Self = Slot {
        seq: None,
        timestamp: 0,
        marker: false,
        arrival: Instant::ZERO,
        len: 0,
        data: [0; MTU],
    };
}

/// A frame ready to play: which packets, and what is known about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Extended sequence number of the first packet.
    pub first_seq: u64,
    /// Number of packets.
    pub packets: usize,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Whether packets were lost (or a frame given up) right before this frame: a decoder
    /// may need a keyframe.
    pub after_loss: bool,
    /// Arrival of the first packet.
    pub arrival: Instant,
}

/// The jitter buffer. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct JitterBuffer<const SLOTS: usize, const MTU: usize> {
    config: JitterConfig,
    slots: [Slot<MTU>; SLOTS],
    unwrapper: SeqUnwrapper,
    /// Next sequence number to play.
    head: Option<u64>,
    /// Highest sequence number stored.
    highest: u64,
    /// A packet far behind the head: if the next one follows it, the sender restarted.
    restart_candidate: Option<u16>,
    loss_pending: bool,
    stats: JitterStats,
}

impl<const SLOTS: usize, const MTU: usize> JitterBuffer<SLOTS, MTU> {
    /// An empty buffer.
    pub const fn new(config: JitterConfig) -> Self {
        const { assert!(SLOTS > 0, "a jitter buffer needs at least one slot") };
        JitterBuffer {
            config,
            slots: [Slot::EMPTY; SLOTS],
            unwrapper: SeqUnwrapper::new(),
            head: None,
            highest: 0,
            restart_candidate: None,
            loss_pending: false,
            stats: JitterStats {
                stored: 0,
                duplicates: 0,
                late: 0,
                too_large: 0,
                lost: 0,
                frames: 0,
                frames_dropped: 0,
            },
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Number of packets held.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.seq.is_some()).count()
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|s| s.seq.is_none())
    }

    fn slot(&self, seq: u64) -> Option<&Slot<MTU>> {
        self.slots
            .get((seq % SLOTS as u64) as usize)
            .filter(|s| s.seq == Some(seq))
    }

    fn clear_slot(&mut self, seq: u64) -> bool {
        match self.slots.get_mut((seq % SLOTS as u64) as usize) {
            Some(s) if s.seq == Some(seq) => {
                s.seq = None;
                true
            }
            _ => false,
        }
    }

    /// Store a packet received at `now`.
    pub fn push<B: AsRef<[u8]>>(&mut self, now: Instant, packet: &RtpPacket<B>) -> PushOutcome {
        let payload = packet.payload();
        if payload.len() > MTU {
            self.stats.too_large += 1;
            return PushOutcome::TooLarge;
        }
        let raw = packet.sequence_number();
        let mut seq = self.unwrapper.unwrap(raw);
        let mut head = *self.head.get_or_insert(seq);
        if seq < head {
            if head - seq <= RESTART_DISTANCE || self.restart_candidate != Some(raw.wrapping_sub(1))
            {
                self.restart_candidate = (head - seq > RESTART_DISTANCE).then_some(raw);
                self.stats.late += 1;
                return PushOutcome::TooLate;
            }
            // Two packets in sequence far behind the head: the sender restarted.
            self.reset();
            seq = self.unwrapper.unwrap(raw);
            head = *self.head.get_or_insert(seq);
        }
        self.restart_candidate = None;
        if seq >= head + SLOTS as u64 {
            self.advance_window(seq + 1 - SLOTS as u64);
        }
        let Some(slot) = self.slots.get_mut((seq % SLOTS as u64) as usize) else {
            return PushOutcome::TooLarge; // unreachable: index < SLOTS
        };
        if slot.seq == Some(seq) {
            self.stats.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        slot.seq = Some(seq);
        slot.timestamp = packet.timestamp();
        slot.marker = packet.marker();
        slot.arrival = now;
        slot.len = payload.len();
        if let Some(dst) = slot.data.get_mut(..payload.len()) {
            dst.copy_from_slice(payload);
        }
        self.highest = self.highest.max(seq);
        self.stats.stored += 1;
        PushOutcome::Stored
    }

    /// Move the head to `new_head`, dropping everything before it.
    fn advance_window(&mut self, new_head: u64) {
        let Some(head) = self.head else { return };
        if new_head <= head {
            return;
        }
        let span = (new_head - head).min(SLOTS as u64);
        let mut missing = new_head - head - span; // beyond the window: never stored
        for seq in new_head - span..new_head {
            if !self.clear_slot(seq) {
                missing += 1;
            }
        }
        self.stats.lost += missing;
        self.stats.frames_dropped += 1;
        self.loss_pending = true;
        self.head = Some(new_head);
    }

    /// Drop everything and start over (the sender restarted its sequence numbers).
    pub fn reset(&mut self) {
        let held = self
            .slots
            .iter_mut()
            .filter(|s| s.seq.is_some())
            .map(|s| s.seq = None)
            .count();
        if held > 0 {
            self.stats.frames_dropped += 1;
        }
        self.unwrapper = SeqUnwrapper::new();
        self.head = None;
        self.highest = 0;
        self.restart_candidate = None;
        self.loss_pending = true;
    }

    /// When the blocked head frame is given up: `max_delay` after the earliest arrival of
    /// the packets waiting behind it.
    fn give_up_at(&self) -> Option<Instant> {
        let head = self.head?;
        let earliest = (head..=self.highest)
            .filter_map(|q| self.slot(q))
            .map(|s| s.arrival)
            .min()?;
        Some(earliest + self.config.max_delay)
    }

    /// The head frame: `Ok(count)` if complete, `Err(reason)` if not.
    fn head_frame(&self) -> Option<Result<(u64, usize), ()>> {
        let head = self.head?;
        let first = self.slot(head);
        let Some(first) = first else {
            return (self.highest > head).then_some(Err(()));
        };
        if self.config.mode == FrameMode::Audio {
            return Some(Ok((head, 1)));
        }
        let ts = first.timestamp;
        let mut n = 0usize;
        loop {
            match self.slot(head + n as u64) {
                Some(s) if s.timestamp == ts => {
                    n += 1;
                    if s.marker {
                        return Some(Ok((head, n)));
                    }
                }
                Some(_) => return Some(Ok((head, n))), // next frame started
                None => return Some(Err(())),
            }
            if n >= SLOTS {
                return Some(Err(()));
            }
        }
    }

    /// The next complete frame whose playout time has come, if any. The returned guard
    /// reads the payloads; dropping it frees the slots.
    pub fn pop_frame(&mut self, now: Instant) -> Option<Frame<'_, SLOTS, MTU>> {
        loop {
            match self.head_frame()? {
                Ok((first, n)) => {
                    let (arrival, timestamp) =
                        self.slot(first).map(|s| (s.arrival, s.timestamp))?;
                    if now < arrival + self.config.min_delay {
                        return None;
                    }
                    let info = FrameInfo {
                        first_seq: first,
                        packets: n,
                        timestamp,
                        after_loss: core::mem::take(&mut self.loss_pending),
                        arrival,
                    };
                    self.stats.frames += 1;
                    return Some(Frame { jb: self, info });
                }
                Err(()) => {
                    if now < self.give_up_at()? {
                        return None;
                    }
                    self.skip_head_frame();
                }
            }
        }
    }

    /// Give up the head frame: drop up to the next stored packet with another timestamp.
    fn skip_head_frame(&mut self) {
        let Some(head) = self.head else { return };
        let ts = self.slot(head).map(|s| s.timestamp);
        let mut next = head + 1;
        while next <= self.highest {
            if let Some(s) = self.slot(next) {
                if ts.is_none_or(|t| s.timestamp != t) {
                    break;
                }
            }
            next += 1;
        }
        let lost = (head..next).filter(|&q| self.slot(q).is_none()).count() as u64;
        for q in head..next {
            self.clear_slot(q);
        }
        self.stats.lost += lost;
        self.stats.frames_dropped += 1;
        self.loss_pending = true;
        self.head = Some(next);
    }

    /// When [`pop_frame`](Self::pop_frame) may next return something (`None`: waiting for
    /// packets).
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.head_frame()? {
            Ok((first, _)) => self.slot(first).map(|s| s.arrival + self.config.min_delay),
            Err(()) => self.give_up_at(),
        }
    }

    fn release(&mut self, info: &FrameInfo) {
        for q in info.first_seq..info.first_seq + info.packets as u64 {
            self.clear_slot(q);
        }
        if self.head == Some(info.first_seq) {
            self.head = Some(info.first_seq + info.packets as u64);
        }
    }
}

/// A frame taken from a [`JitterBuffer`]; its slots are freed when it is dropped.
#[derive(Debug)]
pub struct Frame<'a, const SLOTS: usize, const MTU: usize> {
    jb: &'a mut JitterBuffer<SLOTS, MTU>,
    info: FrameInfo,
}

impl<const SLOTS: usize, const MTU: usize> Frame<'_, SLOTS, MTU> {
    /// What is known about the frame.
    pub fn info(&self) -> FrameInfo {
        self.info
    }

    /// The payloads, in sequence order.
    pub fn payloads(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let first = self.info.first_seq;
        (first..first + self.info.packets as u64)
            .filter_map(move |q| self.jb.slot(q).map(|s| s.data.get(..s.len).unwrap_or(&[])))
    }
}

impl<const SLOTS: usize, const MTU: usize> Drop for Frame<'_, SLOTS, MTU> {
    fn drop(&mut self) {
        let info = self.info;
        self.jb.release(&info);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    extern crate std;
    use super::*;
    use crate::wire::RtpHeader;
    use std::boxed::Box;
    use std::vec::Vec;

    fn pkt(seq: u16, ts: u32, marker: bool, body: &[u8]) -> Vec<u8> {
        let h = RtpHeader {
            sequence_number: seq,
            timestamp: ts,
            marker,
            payload_type: 96,
            ssrc: 1,
            ..Default::default()
        };
        let mut out = std::vec![0u8; 12 + body.len()];
        h.emit(body, &mut out).unwrap();
        out
    }

    fn push(jb: &mut JitterBuffer<16, 64>, now: Instant, p: &[u8]) -> PushOutcome {
        jb.push(now, &RtpPacket::new_checked(p).unwrap())
    }

    fn frame(jb: &mut JitterBuffer<16, 64>, now: Instant) -> Option<(FrameInfo, Vec<u8>)> {
        let f = jb.pop_frame(now)?;
        let bytes = f.payloads().flatten().copied().collect();
        Some((f.info(), bytes))
    }

    #[test]
    fn reorders_and_assembles_video_frames() {
        let mut jb = Box::new(JitterBuffer::<16, 64>::new(JitterConfig::video()));
        let t = Instant::from_secs(1);
        // frame A: seq 65534, 65535 (marker); frame B: 0, 1 (marker) — delivered shuffled
        push(&mut jb, t, &pkt(65534, 100, false, b"A1"));
        push(&mut jb, t, &pkt(1, 200, true, b"B2"));
        assert!(jb.pop_frame(t).is_none()); // A incomplete
        push(&mut jb, t, &pkt(65535, 100, true, b"A2"));
        assert_eq!(
            push(&mut jb, t, &pkt(65535, 100, true, b"A2")),
            PushOutcome::Duplicate
        );
        let (info, bytes) = frame(&mut jb, t).unwrap();
        assert_eq!(
            (info.packets, info.timestamp, info.after_loss),
            (2, 100, false)
        );
        assert_eq!(bytes, b"A1A2");
        assert!(jb.pop_frame(t).is_none()); // B misses seq 0
        push(&mut jb, t, &pkt(0, 200, false, b"B1"));
        assert_eq!(frame(&mut jb, t).unwrap().1, b"B1B2");
        assert_eq!(
            push(&mut jb, t, &pkt(65535, 100, true, b"A2")),
            PushOutcome::TooLate
        );
        assert!(jb.is_empty());
    }

    #[test]
    fn gives_up_a_frame_after_max_delay() {
        let mut jb = Box::new(JitterBuffer::<16, 64>::new(JitterConfig::video()));
        let t = Instant::from_secs(1);
        push(&mut jb, t, &pkt(10, 100, false, b"a"));
        // 11 lost
        push(&mut jb, t, &pkt(12, 100, true, b"c"));
        push(&mut jb, t, &pkt(13, 200, true, b"d"));
        assert!(jb.pop_frame(t).is_none());
        assert_eq!(jb.poll_timeout(), Some(t + Duration::from_millis(200)));
        let later = t + Duration::from_millis(200);
        let (info, bytes) = frame(&mut jb, later).unwrap();
        assert_eq!((info.first_seq & 0xFFFF, info.after_loss), (13, true));
        assert_eq!(bytes, b"d");
        let st = jb.stats();
        assert_eq!((st.lost, st.frames_dropped, st.frames), (1, 1, 1));
    }

    #[test]
    fn audio_mode_holds_for_min_delay() {
        let mut jb = Box::new(JitterBuffer::<16, 64>::new(JitterConfig::audio()));
        let t = Instant::from_secs(1);
        push(&mut jb, t, &pkt(5, 960, false, b"x"));
        push(&mut jb, t, &pkt(6, 1920, false, b"y"));
        assert!(jb.pop_frame(t).is_none());
        assert_eq!(jb.poll_timeout(), Some(t + Duration::from_millis(40)));
        let t2 = t + Duration::from_millis(40);
        assert_eq!(frame(&mut jb, t2).unwrap().1, b"x");
        assert_eq!(frame(&mut jb, t2).unwrap().1, b"y");
        assert!(jb.pop_frame(t2).is_none());
        assert_eq!(jb.poll_timeout(), None);
    }

    #[test]
    fn flood_cannot_grow_memory_or_wedge_playout() {
        let mut jb = Box::new(JitterBuffer::<16, 64>::new(JitterConfig::audio()));
        let mut t = Instant::from_secs(1);
        let mut x = 0x1234_5678u32;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            push(&mut jb, t, &pkt(x as u16, x, x & 1 == 0, b"z"));
            t += Duration::from_micros(100);
            while jb.pop_frame(t).is_some() {}
            assert!(jb.len() <= 16);
        }
        // after the flood, an orderly stream from anywhere still plays (at most its first
        // packet is taken for a late one before the restart is recognised)
        for base in [
            x as u16,
            (x as u16).wrapping_add(30_000),
            (x as u16).wrapping_sub(20_000),
        ] {
            for i in 0..8u16 {
                push(&mut jb, t, &pkt(base.wrapping_add(i), 0, false, b"ok"));
            }
            t += Duration::from_secs(1);
            let mut n = 0;
            while let Some(f) = jb.pop_frame(t) {
                n += usize::from(f.payloads().next() == Some(&b"ok"[..]));
            }
            assert!(n >= 7, "{n} of 8 played");
        }
        assert_eq!(
            core::mem::size_of::<JitterBuffer<16, 64>>(),
            core::mem::size_of_val(&*jb)
        );
    }
}
