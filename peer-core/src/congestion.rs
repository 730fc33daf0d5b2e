//! Transport-wide congestion control, both ways.
//!
//! * What we send: rtp-core's send-side bandwidth estimator (GCC) is fed with every RTP
//!   packet that carries a transport-wide sequence number and with the peer's transport-cc
//!   feedback.
//! * What we receive: the arrival of every packet with a transport-wide number is recorded
//!   and reported to the peer every 100 ms, so that its estimator (a browser's) can raise its
//!   rate.
//!
//! Both need `alloc` (the estimator remembers [`BWE_HISTORY`] packets and the recorder
//! [`FEEDBACK_WINDOW`], about 8 and 24 KiB, on the heap); without it neither runs.
//!
//! The application reads the estimate in [`PeerStats::target_bitrate`] and hears of every
//! change of 10 % or more as [`PeerEvent::TargetBitrate`]: the rate to give the video
//! encoder.
//!
//! [`PeerStats::target_bitrate`]: crate::PeerStats::target_bitrate
//! [`PeerEvent::TargetBitrate`]: crate::PeerEvent::TargetBitrate

use core::time::Duration;
use rtp_core::bwe::BweConfig;
use sansio::Instant;

/// Packets the estimator remembers until feedback reports them (with `alloc`).
pub const BWE_HISTORY: usize = 512;
/// Transport-wide numbers one feedback message can report (with `alloc`).
pub const FEEDBACK_WINDOW: usize = 1024;

#[cfg(feature = "alloc")]
type Estimator = alloc::boxed::Box<rtp_core::bwe::BandwidthEstimator<BWE_HISTORY>>;
#[cfg(feature = "alloc")]
type Recorder = alloc::boxed::Box<rtp_core::bwe::FeedbackRecorder<FEEDBACK_WINDOW>>;

/// The estimator of one connection, once a negotiated track uses transport-wide sequence
/// numbers.
#[derive(Debug, Default)]
pub(crate) struct Congestion {
    #[cfg(feature = "alloc")]
    bwe: Option<Estimator>,
    #[cfg(feature = "alloc")]
    recorder: Option<Recorder>,
    /// The estimate last announced as an event.
    #[cfg(feature = "alloc")]
    announced: Option<u64>,
}

impl Congestion {
    /// Estimate and give feedback from now on (`on`: a track negotiated transport-wide
    /// congestion control), starting from `config`. A renegotiation that keeps it on keeps
    /// the estimate.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    pub(crate) fn start(&mut self, on: bool, config: BweConfig) {
        #[cfg(feature = "alloc")]
        if on != self.recorder.is_some() {
            self.recorder = on.then(alloc::boxed::Box::default);
        }
        #[cfg(feature = "alloc")]
        match (on, self.bwe.is_some()) {
            (true, false) => {
                self.bwe = Some(alloc::boxed::Box::new(
                    rtp_core::bwe::BandwidthEstimator::new(config),
                ));
            }
            (false, _) => self.bwe = None,
            (true, true) => {}
        }
    }

    /// A packet with transport-wide number `seq` went out, `size` bytes protected.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    pub(crate) fn on_sent(&mut self, now: Instant, seq: Option<u16>, size: usize) {
        #[cfg(feature = "alloc")]
        if let (Some(b), Some(seq)) = (self.bwe.as_mut(), seq) {
            b.on_sent(now, seq, size);
        }
    }

    /// A packet of the peer arrived carrying transport-wide number `seq`.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    #[cfg(feature = "rtp-receive")]
    pub(crate) fn on_received(&mut self, now: Instant, seq: Option<u16>) {
        #[cfg(feature = "alloc")]
        if let (Some(r), Some(seq)) = (self.recorder.as_mut(), seq) {
            r.on_packet(now, seq);
        }
    }

    /// The transport-cc feedback due at `now` (plain RTCP) into `out`.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    pub(crate) fn poll_feedback(
        &mut self,
        now: Instant,
        ssrcs: (u32, u32),
        out: &mut [u8],
    ) -> Option<usize> {
        #[cfg(feature = "alloc")]
        {
            self.recorder
                .as_mut()?
                .poll_feedback(now, ssrcs.0, ssrcs.1, out)
        }
        #[cfg(not(feature = "alloc"))]
        {
            None
        }
    }

    /// When feedback is next due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        #[cfg(feature = "alloc")]
        {
            self.recorder.as_ref()?.poll_timeout()
        }
        #[cfg(not(feature = "alloc"))]
        {
            None
        }
    }

    /// A round trip was measured.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    pub(crate) fn set_rtt(&mut self, rtt: Duration) {
        #[cfg(feature = "alloc")]
        if let Some(b) = self.bwe.as_mut() {
            b.set_rtt(rtt);
        }
    }

    /// An SRTCP compound packet of the peer (decrypted): its transport-cc feedback updates
    /// the estimate. Returns the estimate when it moved 10 % or more from the last one
    /// announced.
    #[cfg_attr(not(feature = "alloc"), allow(unused_variables))]
    pub(crate) fn on_rtcp(&mut self, now: Instant, data: &[u8]) -> Option<u64> {
        #[cfg(feature = "alloc")]
        {
            use rtp_core::wire::rtcp::{Compound, RtcpPacket};
            let b = self.bwe.as_mut()?;
            let mut fed = false;
            for p in Compound::new(data).flatten() {
                if let RtcpPacket::TransportCc(fb) = p {
                    b.on_feedback(now, &fb);
                    fed = true;
                }
            }
            let estimate = b.estimate();
            let moved = self
                .announced
                .is_none_or(|a| estimate.abs_diff(a) * 10 >= a);
            if fed && moved {
                self.announced = Some(estimate);
                return Some(estimate);
            }
        }
        None
    }

    /// The current estimate (bit/s), once estimating.
    pub(crate) fn estimate(&self) -> Option<u64> {
        #[cfg(feature = "alloc")]
        {
            self.bwe.as_ref().map(|b| b.estimate())
        }
        #[cfg(not(feature = "alloc"))]
        {
            None
        }
    }
}
