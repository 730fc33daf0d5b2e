//! The receiving side of transport-wide congestion control: note when each packet with a
//! transport-wide sequence number arrived and report it to the sender in RTCP
//! transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), every
//! 100 ms as Chromium does. The sender's estimator ([`super::BandwidthEstimator`], or a
//! browser's) needs it to send faster than its start rate.

use crate::seq::SeqUnwrapper;
use crate::wire::rtcp::{TransportCcRepr, TwccPackets};
use core::time::Duration;
use sansio::Instant;

/// Time between feedback messages.
pub const FEEDBACK_INTERVAL: Duration = Duration::from_millis(100);

/// Arrival times of the last `N` transport-wide sequence numbers and what was reported.
#[derive(Clone, Debug)]
pub struct FeedbackRecorder<const N: usize> {
    arrivals: [Option<(u64, Instant)>; N],
    unwrap: SeqUnwrapper,
    /// The first (unwrapped) number not reported yet.
    next: Option<u64>,
    highest: Option<u64>,
    fb_count: u8,
    last_sent: Option<Instant>,
}

impl<const N: usize> Default for FeedbackRecorder<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> FeedbackRecorder<N> {
    /// Nothing recorded.
    pub const fn new() -> Self {
        const { assert!(N > 0 && N <= 8192, "N sizes one feedback message") };
        FeedbackRecorder {
            arrivals: [None; N],
            unwrap: SeqUnwrapper::new(),
            next: None,
            highest: None,
            fb_count: 0,
            last_sent: None,
        }
    }

    /// A packet carrying transport-wide number `seq` arrived at `now`. Packets older than
    /// what was already reported are ignored (they were reported lost).
    pub fn on_packet(&mut self, now: Instant, seq: u16) {
        let ext = self.unwrap.unwrap(seq);
        let next = *self.next.get_or_insert(ext);
        if ext < next {
            return;
        }
        if let Some(slot) = self.arrivals.get_mut((ext % N as u64) as usize) {
            *slot = Some((ext, now));
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
    }

    /// When the next feedback is due (`None` while nothing waits to be reported).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let (next, highest) = (self.next?, self.highest?);
        if highest < next {
            return None;
        }
        Some(
            self.last_sent
                .map_or(Instant::ZERO, |t| t + FEEDBACK_INTERVAL),
        )
    }

    /// Write the feedback due at `now` (a transport-cc RTCP packet from `sender_ssrc`
    /// about `media_ssrc`) into `out`; its length, or `None` when none is due or it does
    /// not fit. One message covers at most `N` numbers; the rest go in the next.
    pub fn poll_feedback(
        &mut self,
        now: Instant,
        sender_ssrc: u32,
        media_ssrc: u32,
        out: &mut [u8],
    ) -> Option<usize> {
        if self.poll_timeout()? > now {
            return None;
        }
        let (base, highest) = (self.next?, self.highest?);
        let count = (highest - base + 1).min(N as u64);
        let received = |ext: u64| {
            self.arrivals
                .get((ext % N as u64) as usize)
                .copied()
                .flatten()
                .filter(|(e, _)| *e == ext)
                .map(|(_, at)| at)
        };
        let first = (base..base + count).find_map(received)?;
        let reference = first.as_micros() / 64_000;
        let mut prev = reference * 64_000;
        let mut deltas: heapless::Vec<Option<i16>, N> = heapless::Vec::new();
        for ext in base..base + count {
            let d = match received(ext) {
                None => None,
                Some(at) => {
                    let q = (at.as_micros() as i64 - prev as i64).div_euclid(250);
                    // a gap the 16-bit delta cannot say ends this message here
                    let Ok(q) = i16::try_from(q) else { break };
                    prev = (prev as i64 + i64::from(q) * 250) as u64;
                    Some(q)
                }
            };
            if deltas.push(d).is_err() {
                break;
            }
        }
        let repr = TransportCcRepr {
            sender_ssrc,
            media_ssrc,
            base_seq: base as u16,
            reference_time: (reference & 0x7F_FFFF) as i32,
            fb_count: self.fb_count,
            packets: TwccPackets::Deltas(&deltas),
        };
        let n = repr.emit(out).ok()?;
        self.next = Some(base + deltas.len() as u64);
        self.fb_count = self.fb_count.wrapping_add(1);
        self.last_sent = Some(now);
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::wire::rtcp::{RtcpPacket, TwccStatus};

    fn at(ms: u64) -> Instant {
        Instant::from_micros(ms * 1000)
    }

    #[test]
    fn reports_arrivals_and_gaps_then_only_what_is_new() {
        let mut r = FeedbackRecorder::<64>::new();
        assert_eq!(r.poll_timeout(), None);
        for (seq, ms) in [(65534u16, 1000), (65535, 1002), (1, 1010)] {
            r.on_packet(at(ms), seq);
        }
        let mut buf = [0u8; 200];
        let n = r.poll_feedback(at(1010), 7, 9, &mut buf).unwrap();
        let (RtcpPacket::TransportCc(fb), _) = RtcpPacket::parse(&buf[..n]).unwrap() else {
            panic!("not transport-cc");
        };
        assert_eq!(
            (fb.sender_ssrc(), fb.base_seq(), fb.status_count()),
            (7, 65534, 4)
        );
        let got: heapless::Vec<_, 8> = fb.packets().map(|p| (p.seq, p.status)).collect();
        // reference 1000 ms is 15 × 64 ms + 40 ms: the first delta is 40 ms = 160 × 250 µs
        assert_eq!(
            got,
            [
                (65534, TwccStatus::Received { delta: 160 }),
                (65535, TwccStatus::Received { delta: 8 }),
                (0, TwccStatus::NotReceived),
                (1, TwccStatus::Received { delta: 32 }),
            ]
        );
        assert_eq!(r.poll_timeout(), None, "all reported");
        r.on_packet(at(1020), 0); // late: already reported lost
        r.on_packet(at(1030), 2);
        assert_eq!(r.poll_timeout(), Some(at(1110)));
        assert_eq!(r.poll_feedback(at(1050), 7, 9, &mut buf), None, "not due");
        let n = r.poll_feedback(at(1110), 7, 9, &mut buf).unwrap();
        let (RtcpPacket::TransportCc(fb), _) = RtcpPacket::parse(&buf[..n]).unwrap() else {
            panic!("not transport-cc");
        };
        assert_eq!((fb.base_seq(), fb.status_count(), fb.fb_count()), (2, 1, 1));
    }
}
