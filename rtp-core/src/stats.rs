//! Per-source receive statistics: sequence validation (RFC 3550 A.1), loss (A.3) and
//! interarrival jitter (A.8), and the report block that summarises them (§6.4.1).

use crate::ntp::{to_short, NtpTime};
use crate::wire::rtcp::ReportBlock;
use sansio::Instant;

const RTP_SEQ_MOD: u32 = 1 << 16;
/// A jump larger than this is a restart or a misbehaving sender (RFC 3550 A.1).
pub const MAX_DROPOUT: u16 = 3000;
/// Packets this far behind are late duplicates, not a restart (RFC 3550 A.1).
pub const MAX_MISORDER: u16 = 100;

/// What [`ReceiveStats::update`] made of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqOutcome {
    /// In sequence or a tolerable reorder; counted.
    Valid,
    /// The source is still on probation (A.1); counted once it is over.
    Probation,
    /// A very large jump: ignored, unless the next packet confirms it (then the source is
    /// re-synchronised).
    BadJump,
}

/// Receive statistics of one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiveStats {
    clock_rate: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<u32>,
    /// Jitter ×16 in timestamp units (A.8 keeps 4 fractional bits).
    jitter_q4: u32,
    last_sr: u32,
    last_sr_at: Option<Instant>,
    /// The first packet of a source accepted without probation is still to come.
    first: bool,
    /// Bytes of payload received.
    pub octets: u64,
}

impl ReceiveStats {
    /// Start tracking a source whose first packet has `seq`; `probation` packets in
    /// sequence are needed before it counts (RFC 3550 A.1 uses 2; 0 accepts at once).
    pub fn new(seq: u16, clock_rate: u32, probation: u8) -> Self {
        let mut s = ReceiveStats {
            clock_rate,
            max_seq: seq.wrapping_sub(1),
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
            last_sr: 0,
            last_sr_at: None,
            first: false,
            octets: 0,
        };
        if probation == 0 {
            s.init_seq(seq);
            s.first = true;
        }
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Account for a packet (RFC 3550 A.1 `update_seq`, then A.8 jitter for counted ones).
    pub fn update(
        &mut self,
        seq: u16,
        rtp_ts: u32,
        arrival: Instant,
        payload_len: usize,
    ) -> SeqOutcome {
        let out = self.update_seq(seq);
        if out == SeqOutcome::Valid {
            self.update_jitter(rtp_ts, arrival);
            self.octets += payload_len as u64;
        }
        out
    }

    fn update_seq(&mut self, seq: u16) -> SeqOutcome {
        if core::mem::take(&mut self.first) && seq == self.max_seq {
            self.received += 1;
            return SeqOutcome::Valid;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqOutcome::Valid;
                }
            } else {
                self.probation = self.probation.max(1);
                self.max_seq = seq;
            }
            return SeqOutcome::Probation;
        }
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += RTP_SEQ_MOD; // wrapped
            }
            self.max_seq = seq;
        } else if udelta <= (RTP_SEQ_MOD - u32::from(MAX_MISORDER)) as u16 {
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq); // two sequential packets: the sender restarted
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return SeqOutcome::BadJump;
            }
        }
        // else: duplicate or reordered packet, counted
        self.received += 1;
        SeqOutcome::Valid
    }

    fn update_jitter(&mut self, rtp_ts: u32, arrival: Instant) {
        let arrival_ts =
            (u128::from(arrival.as_micros()) * u128::from(self.clock_rate) / 1_000_000) as u32;
        let transit = arrival_ts.wrapping_sub(rtp_ts);
        if let Some(prev) = self.transit {
            let d = (transit.wrapping_sub(prev) as i32).unsigned_abs();
            // J += (|D| - J) / 16, kept ×16: Jq4 += |D| - (Jq4 + 8) / 16
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Record a sender report from this source (for LSR/DLSR).
    pub fn on_sender_report(&mut self, ntp: NtpTime, now: Instant) {
        self.last_sr = ntp.middle();
        self.last_sr_at = Some(now);
    }

    /// Extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected so far.
    pub fn expected(&self) -> u32 {
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Packets received and counted.
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cumulative packets lost (can be negative with duplicates), clamped to 24 bits.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = i64::from(self.expected()) - i64::from(self.received);
        lost.clamp(-0x80_0000, 0x7F_FFFF) as i32
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Whether the source is out of probation.
    pub fn is_valid(&self) -> bool {
        self.probation == 0
    }

    /// The report block for this source at `now`; starts a new interval for the fraction
    /// lost (RFC 3550 A.3).
    pub fn report_block(&mut self, ssrc: u32, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost(),
            extended_highest_seq: self.extended_max(),
            jitter: self.jitter(),
            last_sr: self.last_sr,
            delay_since_last_sr: self.last_sr_at.map_or(0, |t| to_short(now - t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    #[test]
    fn loss_fraction_and_wrap() {
        let mut s = ReceiveStats::new(65530, 90_000, 0);
        let t = Instant::from_secs(1);
        for seq in [65530u16, 65531, 65533, 65535, 0, 1, 3] {
            assert_eq!(s.update(seq, 0, t, 100), SeqOutcome::Valid);
        }
        // expected 65530..=65539 (10), received 7
        assert_eq!(s.expected(), 10);
        assert_eq!(s.extended_max(), 65536 + 3);
        let rb = s.report_block(7, t);
        assert_eq!(rb.cumulative_lost, 3);
        assert_eq!(rb.fraction_lost, (3 * 256 / 10) as u8);
        // next interval: no loss
        s.update(4, 0, t, 100);
        assert_eq!(s.report_block(7, t).fraction_lost, 0);
    }

    #[test]
    fn first_packet_zero_is_not_a_wrap() {
        let mut s = ReceiveStats::new(0, 90_000, 0);
        for seq in 0..5u16 {
            assert_eq!(s.update(seq, 0, Instant::ZERO, 1), SeqOutcome::Valid);
        }
        assert_eq!(
            (s.extended_max(), s.expected(), s.cumulative_lost()),
            (4, 5, 0)
        );
    }

    #[test]
    fn probation_and_restart() {
        let mut s = ReceiveStats::new(100, 8000, 2);
        assert_eq!(s.update(100, 0, Instant::ZERO, 1), SeqOutcome::Probation);
        assert_eq!(s.update(101, 0, Instant::ZERO, 1), SeqOutcome::Valid);
        assert!(s.is_valid());
        assert_eq!(s.update(20_000, 0, Instant::ZERO, 1), SeqOutcome::BadJump);
        assert_eq!(s.update(20_001, 0, Instant::ZERO, 1), SeqOutcome::Valid); // restart
        assert_eq!(s.expected(), 1);
    }

    #[test]
    fn jitter_converges_to_the_delay_variation() {
        // 90 kHz, 20 ms frames; arrivals alternate 0 and +2 ms late: |D| = 180 ticks.
        let mut s = ReceiveStats::new(0, 90_000, 0);
        for i in 0..2000u64 {
            let late = if i % 2 == 1 { 2_000 } else { 0 };
            let arrival = Instant::from_micros(1_000_000 + i * 20_000 + late);
            s.update(i as u16, (i * 1800) as u32, arrival, 10);
        }
        assert!((175..=181).contains(&s.jitter()), "jitter {}", s.jitter());
        s.on_sender_report(NtpTime(0x0001_0002_0003_0000), Instant::from_secs(1));
        let rb = s.report_block(1, Instant::from_secs(1) + Duration::from_millis(500));
        assert_eq!(rb.last_sr, 0x0002_0003);
        assert_eq!(rb.delay_since_last_sr, 0x8000);
    }
}
