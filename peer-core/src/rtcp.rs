//! RTCP and loss repair for one track: rtp-core's [`RtpSession`] (SR/RR/SDES at the RFC 3550
//! interval, RTT, feedback in and out), a NACK tracker on what we receive (video, with the
//! `rtp-receive` feature), a rate-limited keyframe requester, and — with `alloc` — a store
//! of what we sent on a video track to answer NACKs from.
//!
//! The connection owns one such control per negotiated track, created when SRTP keys exist.
//! Everything it writes goes out through the connection's one send pipeline
//! (`poll_transmit`), SRTCP-protected there.

use crate::config::Settings;
#[cfg(feature = "rtp-receive")]
use crate::session::CodecKind;
use crate::session::{TrackInfo, TrackKind};
use crate::stats::TrackStats;
use core::time::Duration;
use rtp_core::keyframe::{KeyframeRequest, KeyframeRequester};
#[cfg(feature = "rtp-receive")]
use rtp_core::nack::{NackConfig, NackTracker};
#[cfg(feature = "rtp-receive")]
use rtp_core::packetize::{h264::H264Depacketizer, vp8::Vp8Depacketizer, Depacketizer};
use rtp_core::rtx::RtxStream;
use rtp_core::session::{RtpSession, SessionConfig, SessionEvent};
#[cfg(feature = "rtp-receive")]
use rtp_core::wire::rtcp::NackEntry;
use rtp_core::wire::RtpPacket;
use sansio::{Instant, Path, SeededEntropy};

/// Missing packets a video track tracks for NACKs.
pub const NACK_CAPACITY: usize = 64;
/// Packets of a video track kept to answer NACKs from (with `alloc`).
pub const RESEND_SLOTS: usize = 128;
/// Largest packet kept for a resend.
pub const RESEND_MTU: usize = 1200;
/// Remote sources an RTP session of a track keeps statistics for.
pub const SOURCES: usize = 4;
/// Events an RTP session of a track holds: the control takes them after every RTCP packet
/// (one compound packet makes a report, a round-trip time and a few feedback messages),
/// instead of rtp-core's default 32.
pub const SESSION_EVENTS: usize = 16;
/// Feedback messages an RTP session of a track queues: with `rtp-receive`, rtp-core's
/// default (NACKs and keyframe requests for the video it receives); without, the track
/// receives no media and has nothing to ask of its sender but a keyframe request the
/// application makes (76 bytes a slot).
#[cfg(feature = "rtp-receive")]
pub const SESSION_FEEDBACK: usize = rtp_core::session::FEEDBACK;
/// Feedback messages an RTP session of a track queues (without `rtp-receive`).
#[cfg(not(feature = "rtp-receive"))]
pub const SESSION_FEEDBACK: usize = 2;

#[cfg(feature = "alloc")]
type Resend = alloc::boxed::Box<rtp_core::rtx::RtxBuffer<RESEND_SLOTS, RESEND_MTU>>;

/// What a track's RTCP asks of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feedback {
    /// The peer asked for a keyframe (PLI or FIR).
    Keyframe,
    /// The peer lost this packet of ours.
    Resend(u16),
    /// A round-trip time was measured.
    Rtt(Duration),
}

/// RTCP state of one track.
#[derive(Debug)]
pub(crate) struct Control {
    session: RtpSession<SeededEntropy, SOURCES, SESSION_EVENTS, SESSION_FEEDBACK>,
    keyframe: KeyframeRequester,
    /// Loss of the video we receive, for NACKs (only with `rtp-receive`).
    #[cfg(feature = "rtp-receive")]
    nack: Option<NackTracker<NACK_CAPACITY>>,
    #[cfg(feature = "alloc")]
    resend: Option<Resend>,
    /// Our RFC 4588 stream, when RTX was negotiated: resends go there, wrapped.
    rtx: Option<RtxStream>,
    #[cfg(feature = "rtp-receive")]
    last_keyframe: Option<u32>,
    /// The peer's SSRC, announced in its SDP or latched from its first routed packet.
    pub(crate) remote_ssrc: Option<u32>,
    pub(crate) stats: TrackStats,
}

impl Control {
    /// The control of `track`, starting at `now`; `seed` randomises the report interval.
    // Not inlined: built in its own frame and returned in place, where inlined into
    // `start_rtcp` the session was staged on the stack several times (8.3 KB).
    #[inline(never)]
    pub(crate) fn new(track: &TrackInfo, config: &Settings, now: Instant, seed: u64) -> Self {
        let codec = track.send_codec().copied();
        let clock_rate = codec.map_or(90_000, |c| c.clock_rate);
        let video = track.kind == TrackKind::Video;
        let unspecified = core::net::SocketAddr::from(([0, 0, 0, 0], 0));
        let cfg = SessionConfig {
            local_ssrc: track.local_ssrc,
            cname: heapless::String::try_from(config.cname).unwrap_or_default(),
            clock_rate,
            remote_clock_rate: clock_rate,
            session_bandwidth: if video { 2_000_000 } else { 128_000 },
            min_interval: config.rtcp_interval,
            ntp_at_zero: config.ntp_at_zero,
            // Unused: the connection sends RTCP over its selected pair.
            path: Path::udp(unspecified, unspecified),
            // SRTP authenticated the packet: no probation needed.
            probation: 0,
            reduced_size: false,
        };
        Control {
            session: RtpSession::new(cfg, now, SeededEntropy::new(seed)),
            keyframe: KeyframeRequester::new(KeyframeRequest::Pli, Duration::from_millis(300)),
            #[cfg(feature = "rtp-receive")]
            nack: (video && track.receives()).then(|| NackTracker::new(NackConfig::default())),
            #[cfg(feature = "alloc")]
            resend: (video && track.sends()).then(|| {
                alloc::boxed::Box::new(rtp_core::rtx::RtxBuffer::new(Duration::from_secs(1)))
            }),
            rtx: rtx_stream(track, seed),
            #[cfg(feature = "rtp-receive")]
            last_keyframe: None,
            remote_ssrc: track.remote_ssrc,
            stats: TrackStats {
                remote_ssrc: track.remote_ssrc,
                ..TrackStats::default()
            },
        }
    }

    /// A packet of ours went out (plain RTP, before SRTP): for sender reports and resends.
    pub(crate) fn on_sent(&mut self, now: Instant, packet: &[u8]) {
        let Ok(p) = RtpPacket::new_checked(packet) else {
            return;
        };
        self.session
            .on_rtp_sent(now, p.timestamp(), p.payload().len());
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += p.payload().len() as u64;
        #[cfg(feature = "alloc")]
        if let Some(r) = self.resend.as_mut() {
            r.insert(now, packet);
        }
    }

    /// A packet of the peer arrived on this track (decrypted, RTX unwrapped).
    #[cfg(feature = "rtp-receive")]
    pub(crate) fn on_received(&mut self, now: Instant, p: &RtpPacket<&[u8]>, codec: CodecKind) {
        self.session.receive_rtp(now, p);
        self.stats.packets_received += 1;
        self.stats.bytes_received += p.payload().len() as u64;
        // Loss is tracked on the peer's one stream of this track (another SSRC routed here
        // by its mid has sequence numbers of its own).
        let tracked = self.remote_ssrc == Some(p.ssrc());
        if let Some(n) = self.nack.as_mut().filter(|_| tracked) {
            n.on_packet(now, p.sequence_number());
            if n.take_keyframe_request() {
                self.keyframe.on_decoder_broken();
            }
        }
        if is_keyframe(codec, p.payload()) {
            if self.last_keyframe != Some(p.timestamp()) {
                self.stats.keyframes_received += 1;
                self.last_keyframe = Some(p.timestamp());
            }
            self.keyframe.on_keyframe();
        }
        if let Some(st) = self.remote_ssrc.and_then(|s| self.session.source_stats(s)) {
            self.stats.packets_lost = st.cumulative_lost();
            self.stats.jitter = st.jitter();
        }
    }

    /// An SRTCP packet of the peer (decrypted): what it asks of us, through `out`.
    pub(crate) fn on_rtcp(&mut self, now: Instant, data: &[u8], mut out: impl FnMut(Feedback)) {
        if self.session.receive_rtcp(now, data).is_err() {
            return;
        }
        while let Some(ev) = self.session.poll_event() {
            match ev {
                SessionEvent::PictureLoss { .. } | SessionEvent::FullIntraRequest { .. } => {
                    self.stats.keyframe_requests_received += 1;
                    out(Feedback::Keyframe);
                }
                SessionEvent::Nack { entry, .. } => {
                    for seq in entry.lost() {
                        self.stats.nacks_received += 1;
                        out(Feedback::Resend(seq));
                    }
                }
                SessionEvent::RoundTripTime { rtt } => {
                    self.keyframe.set_rtt(rtt);
                    #[cfg(feature = "rtp-receive")]
                    if let Some(n) = self.nack.as_mut() {
                        n.set_rtt(rtt);
                    }
                    out(Feedback::Rtt(rtt));
                }
                _ => {}
            }
        }
    }

    /// Ask the peer for a keyframe (PLI, rate-limited, repeated until one arrives).
    pub(crate) fn request_keyframe(&mut self) {
        self.keyframe.on_decoder_broken();
    }

    /// Write the packet the peer asked for again (plain RTP) into `out`.
    #[cfg(feature = "alloc")]
    pub(crate) fn resend(&mut self, now: Instant, seq: u16, out: &mut [u8]) -> Option<usize> {
        let rtt = self.session.rtt().unwrap_or(Duration::ZERO);
        let n = self
            .resend
            .as_mut()?
            .retransmit(now, seq, rtt, self.rtx.as_mut(), out)
            .ok()?;
        self.stats.retransmitted += 1;
        if self.rtx.is_some() {
            self.stats.rtx_sent += 1;
        }
        self.stats.packets_sent += 1;
        Some(n)
    }

    /// Whether resends go on our RTX stream.
    pub(crate) fn uses_rtx(&self) -> bool {
        self.rtx.is_some()
    }

    /// Without `alloc` nothing is kept to resend.
    #[cfg(not(feature = "alloc"))]
    pub(crate) fn resend(&mut self, _now: Instant, _seq: u16, _out: &mut [u8]) -> Option<usize> {
        None
    }

    /// The next RTCP compound packet (plain) due at `now`, written into `out`.
    pub(crate) fn poll_rtcp(&mut self, now: Instant, out: &mut [u8]) -> Option<usize> {
        if let Some(ssrc) = self.remote_ssrc {
            if self.keyframe.poll_request(now).is_some() {
                self.session.request_pli(ssrc);
                self.stats.plis_sent += 1;
            }
            #[cfg(feature = "rtp-receive")]
            if let Some(n) = self.nack.as_mut() {
                let mut entries: heapless::Vec<NackEntry, 16> = heapless::Vec::new();
                let k = n.poll_nack(now, &mut entries);
                if k > 0 {
                    self.session.request_nack(ssrc, &entries);
                    self.stats.nacks_sent += k as u64;
                }
            }
        }
        let t = self.session.poll_transmit(now, out)?;
        self.stats.reports_sent = self.session.stats().rtcp_sent;
        Some(t.len)
    }

    /// Let the report timer fire.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
    }

    /// When this track next has RTCP to send. Requests that need the peer's SSRC wait for
    /// it (they could not be written, and an overdue deadline would spin the owner's loop).
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let session = self.session.poll_timeout();
        if self.remote_ssrc.is_none() {
            return session;
        }
        #[cfg(feature = "rtp-receive")]
        let nack = self.nack.as_ref().and_then(|n| n.poll_timeout());
        #[cfg(not(feature = "rtp-receive"))]
        let nack = None;
        [session, self.keyframe.poll_timeout(), nack]
            .into_iter()
            .flatten()
            .min()
    }

    /// Leave: a BYE goes out with the next report.
    pub(crate) fn close(&mut self) {
        self.session.close();
    }
}

/// Our RTX stream on `track`, when it has an RTX SSRC and its send codec an RTX payload
/// type; its first sequence number is drawn from `seed`.
fn rtx_stream(track: &TrackInfo, seed: u64) -> Option<RtxStream> {
    Some(RtxStream {
        ssrc: track.local_rtx_ssrc?,
        payload_type: track.send_codec()?.rtx_pt?,
        next_seq: (seed >> 32) as u16,
    })
}

/// Whether `payload` (of `codec`) starts or belongs to a keyframe.
#[cfg(feature = "rtp-receive")]
fn is_keyframe(codec: CodecKind, payload: &[u8]) -> bool {
    match codec {
        CodecKind::Vp8 => Vp8Depacketizer::default().is_keyframe(payload),
        CodecKind::H264 => H264Depacketizer::new().is_keyframe(payload),
        _ => false,
    }
}
