//! The RTP session (RFC 3550 §6): receive statistics per source, SR/RR/SDES at the
//! randomised RTCP interval, NTP/RTP timestamp mapping, round-trip time, BYE, source
//! time-outs, and feedback (NACK, PLI, FIR, REMB) in both directions — as a sans-IO machine.
//!
//! Call order (the [`SansIo`] contract): one `handle_*` call or command, then drain
//! [`poll_transmit`](RtpSession::poll_transmit), then drain
//! [`poll_event`](RtpSession::poll_event), then read
//! [`poll_timeout`](RtpSession::poll_timeout) and call
//! [`handle_timeout`](RtpSession::handle_timeout) when it passes.
//!
//! State is fixed-size: at most `N` remote sources (further ones are ignored and counted),
//! `EV` queued events ([`EVENTS`] by default), `FB` queued feedback messages ([`FEEDBACK`]
//! by default; a sender that never asks for retransmissions or keyframes needs one or two).

use crate::interval::{self, IntervalInputs, UDP_IP_OVERHEAD};
use crate::ntp::{round_trip_time, NtpTime};
use crate::stats::{ReceiveStats, SeqOutcome};
use crate::wire::rtcp::{
    emit_compound, sdes_item, ByeRepr, Compound, FirEntry, FirRepr, NackEntry, NackRepr, Pli,
    ReceiverReportRepr, RembRepr, ReportBlock, RtcpPacket, RtcpRepr, SdesChunkRepr, SdesItem,
    SdesRepr, SenderReportRepr,
};
use crate::wire::RtpPacket;
use core::time::Duration;
use sansio::{classify, Entropy, Instant, PacketKind, Path, Rejected, SansIo, Transmit};

/// Session settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our SSRC (pick it at random).
    pub local_ssrc: u32,
    /// Our CNAME (RFC 7022: a random, per-session identifier is fine).
    pub cname: heapless::String<64>,
    /// Clock rate of the stream we send (for SR RTP timestamps).
    pub clock_rate: u32,
    /// Clock rate assumed for remote sources (for jitter).
    pub remote_clock_rate: u32,
    /// Session bandwidth, bits per second.
    pub session_bandwidth: u32,
    /// Minimum RTCP interval: 5 s per RFC 3550; WebRTC stacks use about 1 s.
    pub min_interval: Duration,
    /// The NTP time at [`Instant::ZERO`] (read the wall clock once).
    pub ntp_at_zero: NtpTime,
    /// Where RTCP is sent (with rtcp-mux, the RTP path).
    pub path: Path,
    /// Packets in sequence before a new source counts (RFC 3550 A.1 uses 2).
    pub probation: u8,
    /// Send feedback alone (reduced-size RTCP, RFC 5506) rather than in a compound packet.
    pub reduced_size: bool,
}

/// What the session reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A new remote source sent RTP or RTCP.
    NewSource {
        /// Its SSRC.
        ssrc: u32,
    },
    /// A source said BYE.
    SourceLeft {
        /// Its SSRC.
        ssrc: u32,
    },
    /// A source was silent for five reporting intervals and was dropped.
    SourceTimedOut {
        /// Its SSRC.
        ssrc: u32,
    },
    /// A sender report: maps the source's RTP clock to wall-clock (lip sync).
    SenderReport {
        /// The sender.
        ssrc: u32,
        /// Its NTP time.
        ntp: NtpTime,
        /// Its RTP time at that instant.
        rtp_time: u32,
    },
    /// A report block about our stream.
    ReceptionReport {
        /// Who reported.
        reporter: u32,
        /// The block.
        block: ReportBlock,
    },
    /// A new round-trip time measurement (from a report block about our stream).
    RoundTripTime {
        /// The RTT.
        rtt: Duration,
    },
    /// The peer lost our packets: retransmit them (see [`crate::rtx`]).
    Nack {
        /// Our stream.
        media_ssrc: u32,
        /// Lost packets.
        entry: NackEntry,
    },
    /// The peer needs a keyframe.
    PictureLoss {
        /// Our stream.
        media_ssrc: u32,
    },
    /// The peer needs a decoder refresh (FIR).
    FullIntraRequest {
        /// Our stream.
        media_ssrc: u32,
        /// Command sequence number (repeats of the same request share it).
        seq: u8,
    },
    /// The peer's receive bandwidth estimate.
    Remb {
        /// Bits per second.
        bitrate: u64,
    },
    /// Transport-wide feedback arrived (parse the datagram for its contents).
    TransportFeedback {
        /// Who sent it.
        sender_ssrc: u32,
    },
}

#[derive(Clone, Copy, Debug)]
struct Source {
    ssrc: u32,
    stats: Option<ReceiveStats>,
    last_heard: Instant,
    last_rtp: Option<Instant>,
    sr: Option<(NtpTime, u32)>,
}

#[derive(Clone, Debug)]
enum Feedback {
    Nack {
        media_ssrc: u32,
        entries: heapless::Vec<NackEntry, 16>,
    },
    Pli {
        media_ssrc: u32,
    },
    Fir {
        media_ssrc: u32,
        seq: u8,
    },
    Remb {
        bitrate: u64,
        ssrcs: heapless::Vec<u32, 4>,
    },
}

#[derive(Clone, Copy, Debug, Default)]
struct Sent {
    packets: u32,
    octets: u32,
    last: Option<(Instant, u32)>,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// RTCP compound packets sent.
    pub rtcp_sent: u64,
    /// RTCP datagrams received and accepted.
    pub rtcp_received: u64,
    /// Sources ignored because the table was full.
    pub sources_ignored: u64,
    /// Events dropped because nobody drained them.
    pub events_dropped: u64,
    /// Feedback messages dropped because the queue was full.
    pub feedback_dropped: u64,
}

/// Events a session holds by default (its `EV`): an owner that drains them after each
/// RTCP packet it hands in needs fewer (an event is 40 bytes).
pub const EVENTS: usize = 32;

/// Feedback messages (NACK, PLI, FIR, REMB) a session queues by default (its `FB`); one
/// is about 76 bytes on a 32-bit target, and one goes out with each RTCP packet.
pub const FEEDBACK: usize = 8;

/// An RTP session for one local source and up to `N` remote ones, holding up to `EV`
/// events and `FB` feedback messages waiting to go out (a full queue drops the newest and
/// counts it: `SessionStats::feedback_dropped`). See the [module docs](self).
#[derive(Debug)]
pub struct RtpSession<E, const N: usize, const EV: usize = EVENTS, const FB: usize = FEEDBACK> {
    config: SessionConfig,
    entropy: E,
    sources: heapless::Vec<Source, N>,
    sent: Sent,
    next_report: Instant,
    report_due: bool,
    initial: bool,
    avg_rtcp_size: u32,
    rtt: Option<Duration>,
    feedback: heapless::Deque<Feedback, FB>,
    fir_seq: u8,
    bye: Bye,
    rotate: usize,
    events: sansio::EventQueue<SessionEvent, EV>,
    stats: SessionStats,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bye {
    No,
    Pending,
    Sent,
}

impl<E: Entropy, const N: usize, const EV: usize, const FB: usize> RtpSession<E, N, EV, FB> {
    /// A session starting at `now`; the first report goes out after half a randomised
    /// interval (RFC 3550 §6.2).
    pub fn new(config: SessionConfig, now: Instant, entropy: E) -> Self {
        let mut s = RtpSession {
            config,
            entropy,
            sources: heapless::Vec::new(),
            sent: Sent::default(),
            next_report: now,
            report_due: false,
            initial: true,
            avg_rtcp_size: 100 + UDP_IP_OVERHEAD,
            rtt: None,
            feedback: heapless::Deque::new(),
            fir_seq: 0,
            bye: Bye::No,
            rotate: 0,
            events: sansio::EventQueue::new(),
            stats: SessionStats::default(),
        };
        s.next_report = now + s.interval();
        s
    }

    /// Our SSRC.
    pub fn local_ssrc(&self) -> u32 {
        self.config.local_ssrc
    }

    /// The latest round-trip time, if measured.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// Receive statistics of a remote source.
    pub fn source_stats(&self, ssrc: u32) -> Option<&ReceiveStats> {
        self.sources.iter().find(|s| s.ssrc == ssrc)?.stats.as_ref()
    }

    /// The wall-clock (NTP) time of RTP timestamp `rtp` of source `ssrc`, from its last
    /// sender report; `clock_rate` is the source's RTP clock.
    pub fn rtp_to_ntp(&self, ssrc: u32, rtp: u32, clock_rate: u32) -> Option<NtpTime> {
        let (ntp, sr_rtp) = self.sources.iter().find(|s| s.ssrc == ssrc)?.sr?;
        let delta = i64::from(rtp.wrapping_sub(sr_rtp) as i32); // ticks, ±2^31
        let frac = (i128::from(delta) << 32) / i128::from(clock_rate.max(1));
        Some(NtpTime((i128::from(ntp.0) + frac) as u64))
    }

    fn interval_inputs(&self, now: Instant) -> IntervalInputs {
        let td = self.config.min_interval * 2;
        let remote_senders = self
            .sources
            .iter()
            .filter(|s| s.last_rtp.is_some_and(|t| now < t + td))
            .count() as u32;
        let we_sent = self.sent.last.is_some_and(|(t, _)| now < t + td);
        IntervalInputs {
            members: 1 + self.sources.len() as u32,
            senders: remote_senders + u32::from(we_sent),
            we_sent,
            session_bandwidth: self.config.session_bandwidth,
            avg_rtcp_size: self.avg_rtcp_size,
            initial: self.initial,
            min_interval: self.config.min_interval,
        }
    }

    fn interval(&mut self) -> Duration {
        let inputs = self.interval_inputs(self.next_report);
        interval::randomized(&inputs, &mut self.entropy)
    }

    /// Queue an event. A source leaving or timing out releases what the application keeps
    /// for it (a decoder, a jitter buffer), so those are critical (never dropped while an
    /// ordinary event can make room); the rest are dropped and counted when the owner does
    /// not drain.
    fn event(&mut self, e: SessionEvent) {
        let critical = matches!(
            e,
            SessionEvent::SourceLeft { .. } | SessionEvent::SourceTimedOut { .. }
        );
        let kept = if critical {
            self.events.push_critical(e).is_ok()
        } else {
            self.events.push(e)
        };
        if !kept {
            self.stats.events_dropped += 1;
        }
    }

    fn source(&mut self, ssrc: u32, now: Instant) -> Option<&mut Source> {
        if let Some(i) = self.sources.iter().position(|s| s.ssrc == ssrc) {
            let s = self.sources.get_mut(i)?;
            s.last_heard = now;
            return Some(s);
        }
        let fresh = Source {
            ssrc,
            stats: None,
            last_heard: now,
            last_rtp: None,
            sr: None,
        };
        if self.sources.push(fresh).is_err() {
            self.stats.sources_ignored += 1;
            return None;
        }
        self.event(SessionEvent::NewSource { ssrc });
        self.sources.last_mut()
    }

    /// Account for a received RTP packet (also done by `handle_datagram`). Returns what the
    /// RFC 3550 A.1 validation made of it.
    pub fn receive_rtp<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        packet: &RtpPacket<B>,
    ) -> Option<SeqOutcome> {
        let ssrc = packet.ssrc();
        if ssrc == self.config.local_ssrc {
            return None; // our own packet looped back, or an SSRC collision
        }
        let (rate, probation) = (self.config.remote_clock_rate, self.config.probation);
        let src = self.source(ssrc, now)?;
        src.last_rtp = Some(now);
        let seq = packet.sequence_number();
        let stats = src
            .stats
            .get_or_insert_with(|| ReceiveStats::new(seq, rate, probation));
        Some(stats.update(seq, packet.timestamp(), now, packet.payload().len()))
    }

    /// Account for an RTP packet we sent (for SR counts and timestamps).
    pub fn on_rtp_sent(&mut self, now: Instant, rtp_timestamp: u32, payload_len: usize) {
        self.sent.packets = self.sent.packets.wrapping_add(1);
        self.sent.octets = self.sent.octets.wrapping_add(payload_len as u32);
        self.sent.last = Some((now, rtp_timestamp));
    }

    /// Ask the sender of `media_ssrc` to retransmit (sent at the next `poll_transmit`).
    pub fn request_nack(&mut self, media_ssrc: u32, entries: &[NackEntry]) {
        for chunk in entries.chunks(16) {
            let mut v = heapless::Vec::new();
            let _ = v.extend_from_slice(chunk);
            self.queue_feedback(Feedback::Nack {
                media_ssrc,
                entries: v,
            });
        }
    }

    /// Ask the sender of `media_ssrc` for a keyframe with a PLI.
    pub fn request_pli(&mut self, media_ssrc: u32) {
        self.queue_feedback(Feedback::Pli { media_ssrc });
    }

    /// Ask the sender of `media_ssrc` for a decoder refresh with a FIR (a new request).
    pub fn request_fir(&mut self, media_ssrc: u32) {
        self.fir_seq = self.fir_seq.wrapping_add(1);
        self.queue_feedback(Feedback::Fir {
            media_ssrc,
            seq: self.fir_seq,
        });
    }

    /// Tell the senders of `ssrcs` (at most 4) our receive bandwidth estimate.
    pub fn send_remb(&mut self, bitrate: u64, ssrcs: &[u32]) {
        let mut v = heapless::Vec::new();
        let _ = v.extend_from_slice(ssrcs.get(..ssrcs.len().min(4)).unwrap_or(&[]));
        self.queue_feedback(Feedback::Remb { bitrate, ssrcs: v });
    }

    fn queue_feedback(&mut self, f: Feedback) {
        if self.bye == Bye::No && self.feedback.push_back(f).is_err() {
            self.stats.feedback_dropped += 1;
        }
    }

    /// Leave the session: a BYE goes out at the next `poll_transmit`; no report follows.
    pub fn close(&mut self) {
        if self.bye == Bye::No {
            self.bye = Bye::Pending;
        }
    }

    /// Whether the BYE was sent.
    pub fn is_closed(&self) -> bool {
        self.bye == Bye::Sent
    }

    /// Feed one datagram: RTP or RTCP; anything else is [`Rejected::NotForUs`].
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        _path: Path,
        data: &[u8],
    ) -> Result<(), Rejected> {
        match classify(data) {
            PacketKind::Rtp => {
                let p = RtpPacket::new_checked(data).map_err(|_| Rejected::Malformed)?;
                self.receive_rtp(now, &p);
                Ok(())
            }
            PacketKind::Rtcp => self.receive_rtcp(now, data),
            _ => Err(Rejected::NotForUs),
        }
    }

    /// Process an RTCP datagram (compound or reduced-size).
    pub fn receive_rtcp(&mut self, now: Instant, data: &[u8]) -> Result<(), Rejected> {
        Compound::validate(data).map_err(|_| Rejected::Malformed)?;
        self.stats.rtcp_received += 1;
        let size = data.len() as u32 + UDP_IP_OVERHEAD;
        self.avg_rtcp_size = (size + 15 * self.avg_rtcp_size) / 16;
        for p in Compound::new(data).flatten() {
            self.rtcp_packet(now, p);
        }
        Ok(())
    }

    fn rtcp_packet(&mut self, now: Instant, p: RtcpPacket<'_>) {
        let me = self.config.local_ssrc;
        match p {
            RtcpPacket::SenderReport(sr) if sr.ssrc() != me => {
                let ntp = NtpTime(sr.ntp_time());
                if let Some(src) = self.source(sr.ssrc(), now) {
                    src.sr = Some((ntp, sr.rtp_time()));
                    if let Some(st) = src.stats.as_mut() {
                        st.on_sender_report(ntp, now);
                    }
                }
                self.event(SessionEvent::SenderReport {
                    ssrc: sr.ssrc(),
                    ntp,
                    rtp_time: sr.rtp_time(),
                });
                for b in sr.report_blocks() {
                    self.report_block(now, sr.ssrc(), b);
                }
            }
            RtcpPacket::ReceiverReport(rr) if rr.ssrc() != me => {
                let _ = self.source(rr.ssrc(), now);
                for b in rr.report_blocks() {
                    self.report_block(now, rr.ssrc(), b);
                }
            }
            RtcpPacket::Bye(bye) => {
                for ssrc in bye.sources() {
                    if let Some(i) = self.sources.iter().position(|s| s.ssrc == ssrc) {
                        self.sources.swap_remove(i);
                        self.event(SessionEvent::SourceLeft { ssrc });
                    }
                }
            }
            RtcpPacket::Nack(n) if n.media_ssrc() == me => {
                for entry in n.entries() {
                    self.event(SessionEvent::Nack {
                        media_ssrc: me,
                        entry,
                    });
                }
            }
            RtcpPacket::Pli(p) if p.media_ssrc == me => {
                self.event(SessionEvent::PictureLoss { media_ssrc: me })
            }
            RtcpPacket::Fir(f) => {
                for e in f.entries().filter(|e| e.ssrc == me) {
                    self.event(SessionEvent::FullIntraRequest {
                        media_ssrc: me,
                        seq: e.seq,
                    });
                }
            }
            RtcpPacket::Remb(r) => self.event(SessionEvent::Remb {
                bitrate: r.bitrate(),
            }),
            RtcpPacket::TransportCc(t) => self.event(SessionEvent::TransportFeedback {
                sender_ssrc: t.sender_ssrc(),
            }),
            _ => {}
        }
    }

    fn report_block(&mut self, now: Instant, reporter: u32, block: ReportBlock) {
        if block.ssrc != self.config.local_ssrc {
            return;
        }
        self.event(SessionEvent::ReceptionReport { reporter, block });
        let arrival = NtpTime::at(now, self.config.ntp_at_zero);
        if let Some(rtt) = round_trip_time(arrival, block.last_sr, block.delay_since_last_sr) {
            self.rtt = Some(rtt);
            self.event(SessionEvent::RoundTripTime { rtt });
        }
    }

    /// Let timers fire: report scheduling and source time-outs.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.bye != Bye::No || now < self.next_report {
            return;
        }
        self.report_due = true;
        self.initial = false;
        let td = interval::deterministic(&self.interval_inputs(now));
        let timeout = td * 5;
        let mut i = 0;
        while let Some(s) = self.sources.get(i) {
            if now > s.last_heard + timeout {
                let ssrc = s.ssrc;
                self.sources.swap_remove(i);
                self.event(SessionEvent::SourceTimedOut { ssrc });
            } else {
                i += 1;
            }
        }
        self.next_report = now;
        self.next_report = now + self.interval();
    }

    fn report_blocks(&mut self, now: Instant) -> heapless::Vec<ReportBlock, 31> {
        let mut blocks = heapless::Vec::new();
        let n = self.sources.len();
        for k in 0..n.min(31) {
            let i = (self.rotate + k) % n;
            if let Some(src) = self.sources.get_mut(i) {
                if let Some(st) = src.stats.as_mut().filter(|s| s.is_valid()) {
                    let _ = blocks.push(st.report_block(src.ssrc, now));
                }
            }
        }
        self.rotate = if n > 31 { (self.rotate + 31) % n } else { 0 };
        blocks
    }

    /// Write the next RTCP datagram into `out`, if one is due.
    pub fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let with_report = self.report_due || self.bye == Bye::Pending || !self.config.reduced_size;
        if !(self.report_due || self.bye == Bye::Pending || !self.feedback.is_empty()) {
            return None;
        }
        let fb = if self.bye == Bye::Pending {
            None
        } else {
            self.feedback.pop_front()
        };
        let blocks = if with_report {
            self.report_blocks(now)
        } else {
            heapless::Vec::new()
        };
        let len = self.write_compound(now, with_report, &blocks, fb.as_ref(), out);
        if with_report {
            self.report_due = false;
        }
        if self.bye == Bye::Pending {
            self.bye = Bye::Sent;
            self.feedback.clear();
        }
        let len = len?;
        self.stats.rtcp_sent += 1;
        self.avg_rtcp_size = (len as u32 + UDP_IP_OVERHEAD + 15 * self.avg_rtcp_size) / 16;
        Some(Transmit {
            path: self.config.path,
            len,
        })
    }

    fn write_compound(
        &self,
        now: Instant,
        with_report: bool,
        blocks: &[ReportBlock],
        fb: Option<&Feedback>,
        out: &mut [u8],
    ) -> Option<usize> {
        let me = self.config.local_ssrc;
        let cname = [SdesItem {
            kind: sdes_item::CNAME,
            value: self.config.cname.as_bytes(),
        }];
        let chunk = [SdesChunkRepr {
            ssrc: me,
            items: &cname,
        }];
        let bye_src = [me];
        let fir_entry;
        let mut reprs: heapless::Vec<RtcpRepr<'_>, 4> = heapless::Vec::new();
        if with_report {
            let report = match self.sent.last {
                Some((at, ts)) if now < at + self.config.min_interval * 2 => {
                    let elapsed = (now - at).as_micros() as u64;
                    let ticks = elapsed * u64::from(self.config.clock_rate) / 1_000_000;
                    RtcpRepr::SenderReport(SenderReportRepr {
                        ssrc: me,
                        ntp_time: NtpTime::at(now, self.config.ntp_at_zero).0,
                        rtp_time: ts.wrapping_add(ticks as u32),
                        packet_count: self.sent.packets,
                        octet_count: self.sent.octets,
                        reports: blocks,
                    })
                }
                _ => RtcpRepr::ReceiverReport(ReceiverReportRepr {
                    ssrc: me,
                    reports: blocks,
                }),
            };
            reprs.push(report).ok()?;
            reprs
                .push(RtcpRepr::Sdes(SdesRepr { chunks: &chunk }))
                .ok()?;
        }
        if self.bye == Bye::Pending {
            reprs
                .push(RtcpRepr::Bye(ByeRepr {
                    sources: &bye_src,
                    reason: None,
                }))
                .ok()?;
        }
        match fb {
            Some(Feedback::Nack {
                media_ssrc,
                entries,
            }) => {
                reprs
                    .push(RtcpRepr::Nack(NackRepr {
                        sender_ssrc: me,
                        media_ssrc: *media_ssrc,
                        entries,
                    }))
                    .ok()?;
            }
            Some(Feedback::Pli { media_ssrc }) => {
                reprs
                    .push(RtcpRepr::Pli(Pli {
                        sender_ssrc: me,
                        media_ssrc: *media_ssrc,
                    }))
                    .ok()?;
            }
            Some(Feedback::Fir { media_ssrc, seq }) => {
                fir_entry = [FirEntry {
                    ssrc: *media_ssrc,
                    seq: *seq,
                }];
                reprs
                    .push(RtcpRepr::Fir(FirRepr {
                        sender_ssrc: me,
                        entries: &fir_entry,
                    }))
                    .ok()?;
            }
            Some(Feedback::Remb { bitrate, ssrcs }) => {
                reprs
                    .push(RtcpRepr::Remb(RembRepr {
                        sender_ssrc: me,
                        bitrate: *bitrate,
                        ssrcs,
                    }))
                    .ok()?;
            }
            None => {}
        }
        emit_compound(&reprs, out).ok()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop()
    }

    /// When `handle_timeout` should next be called (`None` after BYE).
    pub fn poll_timeout(&self) -> Option<Instant> {
        (self.bye == Bye::No).then_some(self.next_report)
    }
}

impl<E: Entropy, const N: usize, const EV: usize, const FB: usize> SansIo
    for RtpSession<E, N, EV, FB>
{
    type Event = SessionEvent;

    type Data<'a> = sansio::NoData;

    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<sansio::NoData>, Rejected> {
        RtpSession::handle_datagram(self, now, path, data).map(|()| None)
    }
    fn handle_timeout(&mut self, now: Instant) {
        RtpSession::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        RtpSession::poll_transmit(self, now, out)
    }
    fn poll_event(&mut self) -> Option<SessionEvent> {
        RtpSession::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        RtpSession::poll_timeout(self)
    }
}
