//! Send-side bandwidth estimation from transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01): Google Congestion Control as
//! draft-ietf-rmcat-gcc-02 describes it and libwebrtc runs it.
//!
//! The sender numbers every packet of the connection (the transport-wide sequence header
//! extension) and tells the estimator its send time and size ([`on_sent`]); the receiver
//! reports when each arrived (RTCP transport-cc feedback, [`on_feedback`]). From that:
//!
//! * **delay-based**: packets are grouped by 5 ms bursts, the growth of one-way delay
//!   between groups is smoothed and fitted with a trend line; a trend over an adaptive
//!   threshold is overuse (the bottleneck's queue grows) and the rate drops to 85 % of the
//!   acknowledged rate; under it the rate grows — 8 % a second until the first drop, then
//!   one packet per response time;
//! * **loss-based**: over 10 % loss the rate drops by half the loss fraction, under 2 % it
//!   grows 8 % a second;
//!
//! and the estimate is the smaller of the two, within the configured bounds. The receiving
//! side's part, the feedback itself, is [`FeedbackRecorder`]. Fixed memory:
//! `H` sent packets are remembered (enough for the packets of one feedback interval — 256
//! covers 2.5 Mbit/s of 1200-byte packets at Chromium's 100 ms interval).
//!
//! [`on_sent`]: BandwidthEstimator::on_sent
//! [`on_feedback`]: BandwidthEstimator::on_feedback

mod delay;
mod feedback;
mod rate;

pub use delay::DelaySignal;
pub use feedback::{FeedbackRecorder, FEEDBACK_INTERVAL};

use crate::wire::rtcp::{TransportCc, TwccStatus};
use core::time::Duration;
use delay::DelayDetector;
use rate::{Aimd, LossBased};
use sansio::Instant;

/// Bounds and start of the estimate, in bits per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BweConfig {
    /// The estimate before any feedback.
    pub start_bps: u64,
    /// It never goes below this.
    pub min_bps: u64,
    /// Nor above this.
    pub max_bps: u64,
}

impl Default for BweConfig {
    /// 300 kbit/s to start (what libwebrtc starts video at), 30 kbit/s to 10 Mbit/s.
    fn default() -> Self {
        BweConfig {
            start_bps: 300_000,
            min_bps: 30_000,
            max_bps: 10_000_000,
        }
    }
}

/// A packet we sent, until feedback reports it.
#[derive(Clone, Copy, Debug)]
struct Sent {
    seq: Option<u16>,
    at: Instant,
    size: u16,
    reported: bool,
}

const EMPTY: Sent = Sent {
    seq: None,
    at: Instant::ZERO,
    size: 0,
    reported: false,
};

/// The rate the peer acknowledged receiving, measured over windows of its arrival clock.
#[derive(Clone, Copy, Debug, Default)]
struct AckedRate {
    window_start: Option<i64>,
    bytes: u64,
    rate: Option<f64>,
}

/// Window over which the acknowledged rate is measured (µs of arrival time).
const ACKED_WINDOW_US: i64 = 500_000;

impl AckedRate {
    fn add(&mut self, arrival: i64, size: u16) {
        let start = *self.window_start.get_or_insert(arrival);
        self.bytes += u64::from(size);
        let span = arrival - start;
        if span >= ACKED_WINDOW_US {
            self.rate = Some(self.bytes as f64 * 8e6 / span as f64);
            self.window_start = Some(arrival);
            self.bytes = 0;
        } else if span < 0 {
            // the peer's clock went back (a new reference): start again
            self.window_start = Some(arrival);
            self.bytes = 0;
        }
    }
}

/// GCC over transport-wide feedback, remembering the last `H` packets sent.
#[derive(Clone, Debug)]
pub struct BandwidthEstimator<const H: usize> {
    config: BweConfig,
    sent: [Sent; H],
    delay: DelayDetector,
    aimd: Aimd,
    loss: LossBased,
    acked: AckedRate,
    rtt: Duration,
}

impl<const H: usize> BandwidthEstimator<H> {
    /// An estimator starting at `config.start_bps`.
    pub fn new(config: BweConfig) -> Self {
        const { assert!(H > 0, "the estimator needs room for sent packets") };
        let start = config.start_bps as f64;
        BandwidthEstimator {
            config,
            sent: [EMPTY; H],
            delay: DelayDetector::default(),
            aimd: Aimd::new(start),
            loss: LossBased::new(start),
            acked: AckedRate::default(),
            rtt: Duration::from_millis(100),
        }
    }

    /// A packet with transport-wide sequence number `seq` and `size` bytes on the wire (as
    /// sent: protected, with its headers) left at `now`.
    pub fn on_sent(&mut self, now: Instant, seq: u16, size: usize) {
        if let Some(slot) = self.sent.get_mut(usize::from(seq) % H) {
            *slot = Sent {
                seq: Some(seq),
                at: now,
                size: u16::try_from(size).unwrap_or(u16::MAX),
                reported: false,
            };
        }
    }

    /// The round-trip time measured (from RTCP reports): it paces the rate changes.
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    /// Transport-wide feedback arrived at `now`: update and return the estimate (bit/s).
    /// Packets it reports that we no longer remember (or never sent) are skipped; each
    /// packet counts once, however many feedbacks report it.
    pub fn on_feedback(&mut self, now: Instant, fb: &TransportCc<'_>) -> u64 {
        let mut arrival = i64::from(fb.reference_time()) * 64_000;
        let (mut lost, mut total) = (0u32, 0u32);
        for p in fb.packets() {
            if let TwccStatus::Received { delta } = p.status {
                arrival += i64::from(delta) * 250;
            }
            let Some(slot) = self
                .sent
                .get_mut(usize::from(p.seq) % H)
                .filter(|s| s.seq == Some(p.seq) && !s.reported)
            else {
                continue;
            };
            slot.reported = true;
            total += 1;
            match p.status {
                TwccStatus::NotReceived => lost += 1,
                TwccStatus::Received { .. } => {
                    let (send, size) = (slot.at.as_micros() as i64, slot.size);
                    self.acked.add(arrival, size);
                    self.delay.on_packet(send, arrival);
                }
            }
        }
        let now_us = now.as_micros() as i64;
        let rtt_us = i64::try_from(self.rtt.as_micros()).unwrap_or(i64::MAX / 4);
        if total > 0 {
            self.loss.update(lost, total, rtt_us, now_us);
            let acked = self.acked.rate;
            self.aimd.update(self.delay.signal(), acked, rtt_us, now_us);
        }
        let (lo, hi) = (self.config.min_bps as f64, self.config.max_bps as f64);
        self.aimd.rate = self.aimd.rate.clamp(lo, hi);
        self.loss.rate = self.loss.rate.clamp(lo, hi);
        self.estimate()
    }

    /// The estimate: what the application may send, in bits per second.
    pub fn estimate(&self) -> u64 {
        let r = self.aimd.rate.min(self.loss.rate);
        (r as u64).clamp(self.config.min_bps, self.config.max_bps)
    }

    /// What the delay trend says now.
    pub fn delay_signal(&self) -> DelaySignal {
        self.delay.signal()
    }

    /// The rate the peer acknowledged over the last half second of its clock (bit/s).
    pub fn acked_bps(&self) -> Option<u64> {
        self.acked.rate.map(|r| r as u64)
    }

    /// The last loss fraction measured, in 1/256 (as RTCP reports it).
    pub fn loss_fraction(&self) -> u8 {
        (self.loss.fraction * 256.0).clamp(0.0, 255.0) as u8
    }
}
