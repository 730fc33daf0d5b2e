//! Receiver-side loss repair: which sequence numbers to NACK (RFC 4585 §6.2.1), when, and
//! when to give up and ask for a keyframe instead.
//!
//! A gap in sequence numbers makes its packets *missing*. Each missing packet is NACKed once
//! it has been missing for `reorder_delay` (so plain reordering costs nothing), then again
//! every round-trip time (RTT × `rtt_factor`, at least `min_retry`) until it arrives, it has
//! been asked for `max_retries` times, or it is older than `max_age`. Giving up, or a gap
//! larger than the `N` packets the tracker can hold, raises a keyframe request
//! ([`NackTracker::take_keyframe_request`]) for the PLI/FIR path. Memory is fixed: `N`
//! entries.

use crate::seq::SeqUnwrapper;
use crate::wire::rtcp::{nack_entries, NackEntry};
use core::time::Duration;
use sansio::Instant;

/// NACK timing and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NackConfig {
    /// Wait this long after a gap appears before the first NACK.
    pub reorder_delay: Duration,
    /// Retry after RTT × this (in percent).
    pub rtt_factor_percent: u32,
    /// Never retry sooner than this.
    pub min_retry: Duration,
    /// RTT assumed until one is measured.
    pub default_rtt: Duration,
    /// NACKs per packet before giving up.
    pub max_retries: u8,
    /// Give up on packets missing for longer than this.
    pub max_age: Duration,
}

impl Default for NackConfig {
    fn default() -> Self {
        NackConfig {
            reorder_delay: Duration::from_millis(10),
            rtt_factor_percent: 150,
            min_retry: Duration::from_millis(20),
            default_rtt: Duration::from_millis(100),
            max_retries: 10,
            max_age: Duration::from_secs(1),
        }
    }
}

/// A missing packet, in 12 bytes: its sequence number as sent (every entry is within `N`
/// packets of the highest, and the unwrapped arrivals within 2^15 of it, so 16 bits tell them
/// apart), and its times as milliseconds after the tracker's epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Missing {
    seq: u16,
    retries: u8,
    /// When it went missing.
    since: u32,
    /// When it is next due for a NACK.
    next_at: u32,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NackStats {
    /// Sequence numbers NACKed (each retry counts).
    pub requested: u64,
    /// Missing packets that arrived after all.
    pub recovered: u64,
    /// Missing packets given up on.
    pub abandoned: u64,
}

/// What [`NackTracker::on_packet`] made of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The next expected packet, or a newer one (a gap, if any, is now tracked).
    InOrder,
    /// A missing packet arrived.
    Recovered,
    /// An old packet that was not missing (duplicate or already given up).
    Stale,
}

/// Tracks missing packets of one stream; holds at most `N` of them.
#[derive(Clone, Debug)]
pub struct NackTracker<const N: usize> {
    config: NackConfig,
    unwrapper: SeqUnwrapper,
    highest: Option<u64>,
    /// What the entries' times count from (the first packet's arrival, moved forward when
    /// the count nears the end of 32 bits: after about 24 days).
    epoch: Instant,
    missing: heapless::Deque<Missing, N>,
    rtt: Option<Duration>,
    keyframe: bool,
    stats: NackStats,
}

impl<const N: usize> NackTracker<N> {
    /// A tracker.
    pub const fn new(config: NackConfig) -> Self {
        NackTracker {
            config,
            unwrapper: SeqUnwrapper::new(),
            highest: None,
            epoch: Instant::ZERO,
            missing: heapless::Deque::new(),
            rtt: None,
            keyframe: false,
            stats: NackStats {
                requested: 0,
                recovered: 0,
                abandoned: 0,
            },
        }
    }

    /// Update the round-trip time (from RTCP, see [`crate::session`]).
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = Some(rtt);
    }

    /// Counters.
    pub fn stats(&self) -> NackStats {
        self.stats
    }

    /// Number of packets currently missing.
    pub fn missing(&self) -> usize {
        self.missing.len()
    }

    fn retry_interval(&self) -> Duration {
        let rtt = self.rtt.unwrap_or(self.config.default_rtt);
        (rtt * self.config.rtt_factor_percent / 100).max(self.config.min_retry)
    }

    /// `now` in milliseconds after the epoch, rounded down (moving the epoch forward first
    /// when it is far behind).
    fn ms(&mut self, now: Instant) -> u32 {
        let since = |epoch: Instant| {
            let ms = now.saturating_duration_since(epoch).as_millis();
            u64::try_from(ms).unwrap_or(u64::MAX)
        };
        let mut d = since(self.epoch);
        if d > u64::from(u32::MAX / 2) {
            self.rebase(d);
            d = since(self.epoch);
        }
        u32::try_from(d).unwrap_or(u32::MAX)
    }

    /// Move the epoch forward by as much as the oldest entry allows (all of `d` when there is
    /// none); entries that would still not fit are given up.
    fn rebase(&mut self, d: u64) {
        let oldest = self.missing.iter().map(|m| m.since).min();
        let shift = oldest.map_or(d, |o| u64::from(o).min(d));
        self.epoch = self.epoch.saturating_add(Duration::from_millis(shift));
        let shift = u32::try_from(shift).unwrap_or(u32::MAX);
        for m in self.missing.iter_mut() {
            m.since -= shift.min(m.since);
            m.next_at = m.next_at.saturating_sub(shift);
        }
        if d - u64::from(shift) > u64::from(u32::MAX / 2) {
            // Kept longer than a `max_age` of weeks allows for: give them up.
            self.stats.abandoned += self.missing.len() as u64;
            self.missing.clear();
            self.keyframe = true;
            self.epoch = self
                .epoch
                .saturating_add(Duration::from_millis(d - u64::from(shift)));
        }
    }

    /// `d` after `from` (milliseconds after the epoch), rounded up: never due early.
    fn after(from: u32, d: Duration) -> u32 {
        let ms = d.as_micros().div_ceil(1000);
        from.saturating_add(u32::try_from(ms).unwrap_or(u32::MAX))
    }

    /// Account for a received packet.
    pub fn on_packet(&mut self, now: Instant, seq: u16) -> Arrival {
        let ext = self.unwrapper.unwrap(seq);
        let Some(highest) = self.highest else {
            self.highest = Some(ext);
            self.epoch = now;
            return Arrival::InOrder;
        };
        if ext > highest {
            let gap = ext - highest - 1;
            if gap > (N - self.missing.len()) as u64 {
                // Too many to repair: forget them and ask for a keyframe.
                self.stats.abandoned += gap + self.missing.len() as u64;
                self.missing.clear();
                self.keyframe = true;
            } else {
                let since = self.ms(now);
                let next_at = Self::after(since, self.config.reorder_delay);
                // `gap` fits the free room (checked above), so no push fails.
                for q in highest + 1..ext {
                    self.missing
                        .push_back(Missing {
                            seq: q as u16, // the low 16 bits: the number as sent
                            since,
                            next_at,
                            retries: 0,
                        })
                        .ok();
                }
            }
            self.highest = Some(ext);
            return Arrival::InOrder;
        }
        let before = self.missing.len();
        self.missing_retain(|m| m.seq != seq);
        if self.missing.len() < before {
            self.stats.recovered += 1;
            Arrival::Recovered
        } else {
            Arrival::Stale
        }
    }

    fn missing_retain(&mut self, mut keep: impl FnMut(&Missing) -> bool) {
        for _ in 0..self.missing.len() {
            if let Some(m) = self.missing.pop_front() {
                if keep(&m) {
                    // Re-queued right after it was popped: there is room.
                    self.missing.push_back(m).ok();
                }
            }
        }
    }

    /// Sequence numbers due for a NACK at `now`, packed into `out` (as many as fit); their
    /// next retry is scheduled. Returns how many sequence numbers were packed.
    pub fn poll_nack<const E: usize>(
        &mut self,
        now: Instant,
        out: &mut heapless::Vec<NackEntry, E>,
    ) -> usize {
        let now = self.ms(now);
        self.expire(now);
        let next = Self::after(now, self.retry_interval());
        let mut due: heapless::Vec<u16, N> = heapless::Vec::new();
        for m in self.missing.iter() {
            if m.next_at <= now {
                let _ = due.push(m.seq);
            }
        }
        let packed = nack_entries(due.iter().copied(), out);
        let mut left = packed;
        for m in self.missing.iter_mut() {
            if left > 0 && m.next_at <= now {
                m.retries += 1;
                m.next_at = next;
                left -= 1;
            }
        }
        self.stats.requested += packed as u64;
        packed
    }

    /// Give up on what is too old or was asked for too often (`now` in ms after the epoch).
    fn expire(&mut self, now: u32) {
        let (max_retries, max_age) = (self.config.max_retries, self.config.max_age);
        let before = self.missing.len();
        self.missing_retain(|m| {
            !(now >= Self::after(m.since, max_age)
                || (m.retries >= max_retries && m.next_at <= now))
        });
        let dropped = before - self.missing.len();
        if dropped > 0 {
            self.stats.abandoned += dropped as u64;
            self.keyframe = true;
        }
    }

    /// When [`poll_nack`](Self::poll_nack) next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ms = self
            .missing
            .iter()
            .map(|m| m.next_at.min(Self::after(m.since, self.config.max_age)))
            .min()?;
        Some(
            self.epoch
                .saturating_add(Duration::from_millis(u64::from(ms))),
        )
    }

    /// Whether repair was given up since the last call: send a PLI (or FIR).
    pub fn take_keyframe_request(&mut self) -> bool {
        core::mem::take(&mut self.keyframe)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn drain(t: &mut NackTracker<64>, now: Instant) -> heapless::Vec<u16, 64> {
        let mut e = heapless::Vec::<NackEntry, 8>::new();
        t.poll_nack(now, &mut e);
        e.iter().flat_map(|x| x.lost()).collect()
    }

    #[test]
    fn nacks_after_reorder_delay_then_every_rtt() {
        let mut t = NackTracker::<64>::new(NackConfig::default());
        t.set_rtt(Duration::from_millis(40));
        let t0 = Instant::from_secs(1);
        assert_eq!(t.on_packet(t0, 65534), Arrival::InOrder);
        assert_eq!(t.on_packet(t0, 2), Arrival::InOrder); // 65535, 0, 1 missing
        assert!(drain(&mut t, t0).is_empty()); // reordering grace
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_millis(10)));
        let t1 = t0 + Duration::from_millis(10);
        assert_eq!(drain(&mut t, t1), [65535, 0, 1]);
        assert!(drain(&mut t, t1 + Duration::from_millis(59)).is_empty());
        assert_eq!(t.on_packet(t1, 0), Arrival::Recovered);
        assert_eq!(drain(&mut t, t1 + Duration::from_millis(60)), [65535, 1]);
        assert_eq!(t.on_packet(t1, 0), Arrival::Stale);
        assert!(!t.take_keyframe_request());
    }

    #[test]
    fn times_hold_across_the_epoch_moving_forward() {
        assert_eq!(core::mem::size_of::<Missing>(), 12);
        let mut t = NackTracker::<64>::new(NackConfig::default());
        t.set_rtt(Duration::from_millis(40));
        let t0 = Instant::from_secs(1);
        t.on_packet(t0, 1);
        t.on_packet(t0, 3); // 2 missing, its times counted from t0
        assert_eq!(drain(&mut t, t0 + Duration::from_millis(10)), [2]);
        // 30 days on (past 2^31 ms): the epoch moves to the oldest entry, which has expired
        // by then and is given up.
        let t1 = t0 + Duration::from_secs(30 * 24 * 3600);
        t.on_packet(t1, 4);
        t.on_packet(t1, 7); // 5, 6 missing
        assert!(drain(&mut t, t1).is_empty());
        assert_eq!(t.missing(), 2);
        assert!(t.take_keyframe_request(), "2 was given up");
        assert_eq!(t.poll_timeout(), Some(t1 + Duration::from_millis(10)));
        assert!(drain(&mut t, t1 + Duration::from_micros(9_999)).is_empty());
        assert_eq!(drain(&mut t, t1 + Duration::from_millis(10)), [5, 6]);
        assert_eq!(t.on_packet(t1, 6), Arrival::Recovered);
        assert_eq!(drain(&mut t, t1 + Duration::from_millis(70)), [5]);
    }

    #[test]
    fn gives_up_and_requests_keyframe() {
        let cfg = NackConfig {
            max_retries: 2,
            ..NackConfig::default()
        };
        let mut t = NackTracker::<64>::new(cfg);
        let mut now = Instant::from_secs(1);
        t.on_packet(now, 10);
        t.on_packet(now, 12);
        for _ in 0..3 {
            now += Duration::from_millis(200);
            drain(&mut t, now);
        }
        assert_eq!(t.missing(), 0);
        assert!(t.take_keyframe_request());
        assert!(!t.take_keyframe_request());
        assert_eq!(t.stats().requested, 2);
        // a gap wider than the capacity goes straight to a keyframe request
        t.on_packet(now, 1000);
        assert!(t.take_keyframe_request());
        assert_eq!(t.missing(), 0);
    }
}
