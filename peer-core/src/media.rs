//! RTP media: frames out (packetized, SRTP-protected, sent over the selected pair) and packets
//! in (SRTP-unprotected, routed to their track by SSRC or payload type).

use crate::event::{Delivered, PeerError, PeerEvent, TrackId};
use crate::peer::PeerConnection;
use crate::rtcp::Feedback;
use crate::session::{CodecKind, TrackInfo, MAX_MID};
use crate::stats::{PeerStats, TrackStats};
use dtls_core::{Dtls, SrtpKeys, SrtpProfile};
use rtp_core::packetize::h264::H264Packetizer;
use rtp_core::packetize::opus::OpusPacketizer;
use rtp_core::packetize::vp8::Vp8Packetizer;
use rtp_core::packetize::RtpPacketizer;
use rtp_core::wire::ext::{AbsSendTime, TransportSequence};
use rtp_core::wire::{ExtensionElement, HeaderExtension, RtpPacket};
use sansio::{DtlsRole, Entropy, Instant, Transmit};
use srtp_core::{Config as SrtpConfig, DtlsSrtpKeys, Profile, SrtpSession};

/// The SRTP session for the keys DTLS exported, from the side that was `role`.
pub(crate) fn srtp_session<const SS: usize>(
    keys: &SrtpKeys,
    role: DtlsRole,
) -> Option<SrtpSession<SS>> {
    let profile = match keys.profile() {
        SrtpProfile::Aes128CmHmacSha1_80 => Profile::Aes128CmHmacSha1_80,
        SrtpProfile::Aes128CmHmacSha1_32 => Profile::Aes128CmHmacSha1_32,
        SrtpProfile::AeadAes128Gcm => Profile::AeadAes128Gcm,
        SrtpProfile::AeadAes256Gcm => Profile::AeadAes256Gcm,
    };
    let keys = DtlsSrtpKeys::from_keying_material(profile, keys.as_bytes(), role).ok()?;
    let config = SrtpConfig {
        // Packets of the peer's SSRCs are accepted once they authenticate.
        accept_unknown_ssrc: true,
        // Without RTX a NACKed packet is resent on its own stream: the same index again.
        allow_repeat_tx: true,
        ..SrtpConfig::default()
    };
    SrtpSession::new(&keys, config).ok()
}

/// The fixed RTP header our packetizers write (no CSRCs).
const RTP_HEADER: usize = 12;

/// abs-send-time at `now`: 6.18 fixed-point seconds, 24 bits.
fn abs_send_time(now: Instant) -> AbsSendTime {
    let fixed = (u128::from(now.as_micros()) << 18) / 1_000_000;
    AbsSendTime((fixed & 0x00FF_FFFF) as u32)
}

/// The packetizer of a track's send codec.
#[derive(Clone, Debug)]
enum Payloader {
    H264(RtpPacketizer<H264Packetizer>),
    Vp8(RtpPacketizer<Vp8Packetizer>),
    /// Opus and G.711: one frame per packet.
    Single(RtpPacketizer<OpusPacketizer>),
    None,
}

/// Bytes kept free in each packet for the header extensions we write: the 4-byte block
/// header, mid (1 + up to 16), abs-send-time (1 + 3), transport-wide sequence (1 + 2), padded.
const EXTENSION_ROOM: usize = 32;

/// The negotiated header extensions a track's packets carry (RFC 8285 one-byte form).
#[derive(Clone, Debug, Default)]
struct SendExtensions {
    /// `a=mid` and the id of the mid extension (RFC 8843 §15).
    mid: Option<(u8, heapless::String<MAX_MID>)>,
    /// The id of abs-send-time.
    abs_send_time: Option<u8>,
    /// The id of the transport-wide sequence number.
    transport_cc: Option<u8>,
}

impl SendExtensions {
    fn of(t: &TrackInfo) -> Self {
        SendExtensions {
            mid: t
                .ext_mid
                .filter(|_| !t.mid.is_empty())
                .map(|id| (id, t.mid.clone())),
            abs_send_time: t.ext_abs_send_time,
            transport_cc: t.ext_twcc,
        }
    }

    fn any(&self) -> bool {
        self.mid.is_some() || self.abs_send_time.is_some() || self.transport_cc.is_some()
    }
}

/// What a track needs to send: its packetizer (sequence numbers live there) and the header
/// extensions its packets carry.
#[derive(Clone, Debug)]
pub(crate) struct Sender {
    payloader: Payloader,
    extensions: SendExtensions,
}

impl Sender {
    pub(crate) fn new(t: &TrackInfo, entropy: &mut impl Entropy, mtu: usize) -> Self {
        let seq = entropy.next_u32() as u16;
        let extensions = SendExtensions::of(t);
        // SRTP adds up to 16 bytes of tag; TURN ChannelData 4 more; then the extensions.
        let room = if extensions.any() { EXTENSION_ROOM } else { 0 };
        let mtu = mtu.saturating_sub(24 + room);
        let payloader = match (t.sends(), t.send_codec()) {
            (true, Some(c)) => match c.kind {
                CodecKind::H264 => Payloader::H264(RtpPacketizer::new(
                    H264Packetizer::new(),
                    c.pt,
                    t.local_ssrc,
                    seq,
                    mtu,
                )),
                CodecKind::Vp8 => Payloader::Vp8(RtpPacketizer::new(
                    Vp8Packetizer::new(entropy.next_u32() as u16 & 0x7FFF),
                    c.pt,
                    t.local_ssrc,
                    seq,
                    mtu,
                )),
                CodecKind::Opus | CodecKind::Pcmu | CodecKind::Pcma => Payloader::Single(
                    RtpPacketizer::new(OpusPacketizer::new(), c.pt, t.local_ssrc, seq, mtu),
                ),
                CodecKind::Other => Payloader::None,
            },
            _ => Payloader::None,
        };
        Sender {
            payloader,
            extensions,
        }
    }

    /// Put the negotiated header extensions — mid, abs-send-time at `now`, and the next
    /// transport-wide sequence number from `twcc` — into the packet the packetizer wrote at
    /// `buf[..len]` (a 12-byte header without CSRCs or extension): the payload moves up by
    /// the block's length and the X bit is set. Returns the new length.
    fn write_extensions(
        &self,
        buf: &mut [u8],
        len: usize,
        now: Instant,
        twcc: &mut u16,
    ) -> Result<(usize, Option<u16>), PeerError> {
        let ext = &self.extensions;
        let used = ext.transport_cc.map(|_| *twcc);
        let abs = abs_send_time(now).to_bytes();
        let seq = TransportSequence(*twcc).to_bytes();
        let mut els: heapless::Vec<ExtensionElement<'_>, 3> = heapless::Vec::new();
        if let Some((id, mid)) = &ext.mid {
            let _ = els.push(ExtensionElement::new(*id, mid.as_bytes()));
        }
        if let Some(id) = ext.abs_send_time {
            let _ = els.push(ExtensionElement::new(id, &abs));
        }
        if let Some(id) = ext.transport_cc {
            let _ = els.push(ExtensionElement::new(id, &seq));
            *twcc = twcc.wrapping_add(1);
        }
        if els.is_empty() {
            return Ok((len, used));
        }
        let block = HeaderExtension::Elements(&els);
        let ext_len = block.buffer_len().map_err(|_| PeerError::Packetize)?;
        let end = len + ext_len;
        if len < RTP_HEADER || end > buf.len() {
            return Err(PeerError::Packetize);
        }
        buf.copy_within(RTP_HEADER..len, RTP_HEADER + ext_len);
        let at = buf
            .get_mut(RTP_HEADER..RTP_HEADER + ext_len)
            .ok_or(PeerError::Packetize)?;
        block.emit(at).map_err(|_| PeerError::Packetize)?;
        if let Some(b0) = buf.first_mut() {
            *b0 |= 0x10; // X: a header extension follows the fixed header
        }
        Ok((end, used))
    }

    /// Give a resend (plain RTP at `buf[..len]`) the send time `now` and the next
    /// transport-wide sequence number from `twcc`, where its header carries them: a
    /// retransmission is a new packet for congestion control.
    /// Returns the transport-wide number it got.
    pub(crate) fn restamp(
        &self,
        buf: &mut [u8],
        len: usize,
        now: Instant,
        twcc: &mut u16,
    ) -> Option<u16> {
        let Some(Ok(mut p)) = buf.get_mut(..len).map(RtpPacket::new_checked) else {
            return None;
        };
        let ext = &self.extensions;
        if let Some(at) = ext.abs_send_time.and_then(|id| p.extension_mut(id)) {
            if at.len() == 3 {
                at.copy_from_slice(&abs_send_time(now).to_bytes());
            }
        }
        let at = ext.transport_cc.and_then(|id| p.extension_mut(id))?;
        let used = *twcc;
        if at.len() != 2 {
            return None;
        }
        at.copy_from_slice(&TransportSequence(used).to_bytes());
        *twcc = twcc.wrapping_add(1);
        Some(used)
    }

    /// Forget a frame the caller stopped sending half-way (its `FrameSender` dropped early).
    fn start_frame(&mut self) {
        match &mut self.payloader {
            Payloader::H264(p) => p.start_frame(),
            Payloader::Vp8(p) => p.start_frame(),
            Payloader::Single(p) => p.start_frame(),
            Payloader::None => {}
        }
    }

    fn next_packet(
        &mut self,
        frame: &[u8],
        ts: u32,
        out: &mut [u8],
    ) -> Result<Option<usize>, PeerError> {
        let r = match &mut self.payloader {
            Payloader::H264(p) => p.next_packet(frame, ts, out),
            Payloader::Vp8(p) => p.next_packet(frame, ts, out),
            Payloader::Single(p) => p.next_packet(frame, ts, out),
            Payloader::None => return Err(PeerError::NoSuchTrack),
        };
        r.map_err(|_| PeerError::Packetize)
    }
}

/// The connection's working buffer: a record being sealed or a packet protected before it
/// is wrapped into the caller's datagram, and a received SRTP/SRTCP packet being decrypted.
/// The last RTP packet received stays there for [`PeerConnection::rtp_packet`] until the
/// next call that sends.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub(crate) buf: [u8; crate::peer::DATAGRAM],
    /// Bytes of the last RTP packet received, decrypted, at the start of `buf`.
    rx_len: usize,
    /// Its track, while `buf` still holds it.
    rx_track: Option<TrackId>,
}

impl Scratch {
    pub(crate) const fn new() -> Self {
        Scratch {
            buf: [0; crate::peer::DATAGRAM],
            rx_len: 0,
            rx_track: None,
        }
    }

    /// No received packet is held any more: a datagram comes in, or something is about to be
    /// written in `buf` (its bytes are left as they are).
    pub(crate) fn forget_rx(&mut self) {
        self.rx_len = 0;
        self.rx_track = None;
    }
}

/// The packets of one frame, produced one at a time into the caller's buffer (see
/// [`PeerConnection::send_frame`]).
#[derive(Debug)]
pub struct FrameSender<'p, 'f, P> {
    peer: &'p mut P,
    track: usize,
    frame: &'f [u8],
    timestamp: u32,
    now: Instant,
    done: bool,
}

impl<
        E,
        D,
        B,
        const CH: usize,
        const N: usize,
        const IC: usize,
        const IP: usize,
        const IT: usize,
        const IR: usize,
        const EV: usize,
        const SDP: usize,
        const TR: usize,
        const IS: usize,
        const SS: usize,
    > FrameSender<'_, '_, PeerConnection<E, D, B, CH, N, IC, IP, IT, IR, EV, SDP, TR, IS, SS>>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// The next packet of the frame, protected and framed for the selected pair, in `out`;
    /// `Ok(None)` when the frame is done.
    pub fn next(&mut self, out: &mut [u8]) -> Result<Option<Transmit>, PeerError> {
        if self.done {
            return Ok(None);
        }
        let p = &mut *self.peer;
        p.scratch.forget_rx(); // the scratch buffer is about to hold this packet
        let sender = p
            .senders
            .get_mut(self.track)
            .ok_or(PeerError::NoSuchTrack)?;
        let Some(len) = sender.next_packet(self.frame, self.timestamp, &mut p.scratch.buf)? else {
            self.done = true;
            return Ok(None);
        };
        let (len, twcc) =
            sender.write_extensions(&mut p.scratch.buf, len, self.now, &mut p.transport_seq)?;
        if let (Some(c), Some(plain)) = (p.controls.get_mut(self.track), p.scratch.buf.get(..len)) {
            c.on_sent(self.now, plain);
        }
        p.counters.rtp_packets_sent += 1;
        let srtp = p.srtp.as_mut().ok_or(PeerError::NotConnected)?;
        let len = srtp
            .protect_rtp(&mut p.scratch.buf, len)
            .map_err(|_| PeerError::Packetize)?;
        p.congestion.on_sent(self.now, twcc, len);
        p.wrap(self.now, len, out)
            .map(Some)
            .ok_or(PeerError::NotConnected)
    }
}

impl<
        E,
        D,
        B,
        const CH: usize,
        const N: usize,
        const IC: usize,
        const IP: usize,
        const IT: usize,
        const IR: usize,
        const EV: usize,
        const SDP: usize,
        const TR: usize,
        const IS: usize,
        const SS: usize,
    > PeerConnection<E, D, B, CH, N, IC, IP, IT, IR, EV, SDP, TR, IS, SS>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// Send one media frame on `track` (an encoded video frame — H.264 Annex B or VP8 — or an
    /// audio packet — Opus, or 20 ms of G.711), sampled at `rtp_timestamp` (the codec's
    /// clock). Loop over [`FrameSender::next`] and send each datagram; a frame left
    /// unfinished (the sender dropped early) is forgotten by the next call.
    pub fn send_frame<'p, 'f>(
        &'p mut self,
        now: Instant,
        track: TrackId,
        rtp_timestamp: u32,
        frame: &'f [u8],
    ) -> Result<FrameSender<'p, 'f, Self>, PeerError> {
        if self.srtp.is_none() {
            return Err(PeerError::NotConnected);
        }
        let Some(sender) = self.senders.get_mut(track.0) else {
            return Err(PeerError::NoSuchTrack);
        };
        sender.start_frame();
        if let Some(c) = self.controls.get_mut(track.0) {
            c.stats.frames_sent += 1;
        }
        Ok(FrameSender {
            peer: self,
            track: track.0,
            frame,
            timestamp: rtp_timestamp,
            now,
            done: false,
        })
    }

    /// The negotiated tracks.
    pub fn tracks(&self) -> &[TrackInfo] {
        self.session.as_ref().map_or(&[], |s| &s.tracks)
    }

    /// The track with `mid`.
    pub fn track_by_mid(&self, mid: &str) -> Option<TrackId> {
        self.session.as_ref()?.track_by_mid(mid).map(TrackId)
    }

    /// The RTP packet the last [`Delivered::Rtp`] announced, decrypted. Read it when
    /// `handle_datagram` delivers it: it lies in the buffer the connection also sends from, so
    /// it is gone after the next datagram, `poll_transmit` or frame sent (`None` then).
    pub fn rtp_packet(&self) -> Option<(TrackId, RtpPacket<&[u8]>)> {
        let track = self.scratch.rx_track?;
        let bytes = self.scratch.buf.get(..self.scratch.rx_len)?;
        RtpPacket::new_checked(bytes).ok().map(|p| (track, p))
    }

    /// An SRTP or SRTCP datagram from the selected pair.
    pub(crate) fn on_media(&mut self, now: Instant, data: &[u8], rtcp: bool) -> Option<Delivered> {
        if self.srtp.is_none() {
            self.counters.dropped_before_keys += 1;
            return None;
        }
        if !rtcp {
            return self.on_rtp(now, data);
        }
        let srtp = self.srtp.as_mut()?;
        // Decrypted in the scratch buffer (`handle_datagram` forgot the last packet held).
        let dst = self.scratch.buf.get_mut(..data.len())?;
        dst.copy_from_slice(data);
        let Ok(n) = srtp.unprotect_rtcp(dst) else {
            self.counters.dropped_unauthenticated += 1;
            return None;
        };
        self.counters.rtcp_received += 1;
        self.on_rtcp(now, n);
        None
    }

    /// Received RTP, without the `rtp-receive` feature: dropped undecrypted, counted.
    #[cfg(not(feature = "rtp-receive"))]
    fn on_rtp(&mut self, _now: Instant, _data: &[u8]) -> Option<Delivered> {
        self.counters.dropped_not_receiving += 1;
        None
    }

    /// A received SRTP packet: decrypted in the scratch buffer, routed to its track.
    #[cfg(feature = "rtp-receive")]
    fn on_rtp(&mut self, now: Instant, data: &[u8]) -> Option<Delivered> {
        let srtp = self.srtp.as_mut()?;
        let dst = self.scratch.buf.get_mut(..data.len())?;
        dst.copy_from_slice(data);
        let Ok(len) = srtp.unprotect_rtp(dst) else {
            self.counters.dropped_unauthenticated += 1;
            return None;
        };
        let (track, codec) = match self.route(len) {
            Ok(r) => self.accept(r, len)?,
            Err(Dropped::Ssrc) => {
                self.counters.dropped_unknown_ssrc += 1;
                return None;
            }
            Err(Dropped::PayloadType) => {
                self.counters.dropped_unknown_payload_type += 1;
                return None;
            }
        };
        let p = RtpPacket::new_checked(self.scratch.buf.get(..self.scratch.rx_len)?).ok()?;
        let twcc = self
            .tracks()
            .get(track)
            .and_then(|t| t.ext_twcc)
            .and_then(|id| p.extension(id))
            .and_then(|d| <[u8; 2]>::try_from(d).ok())
            .map(u16::from_be_bytes);
        self.congestion.on_received(now, twcc);
        if let Some(c) = self.controls.get_mut(track) {
            c.on_received(now, &p, codec);
        }
        self.counters.rtp_packets_received += 1;
        self.scratch.rx_track = Some(TrackId(track));
        Some(Delivered::Rtp {
            track: TrackId(track),
            len: self.scratch.rx_len,
        })
    }

    /// Take a routed packet: unwrap a retransmission (RFC 4588) into the original, learn
    /// the peer's SSRC from its first media packet.
    #[cfg(feature = "rtp-receive")]
    fn accept(&mut self, route: Route, len: usize) -> Option<(usize, CodecKind)> {
        match route {
            Route::Media { track, ssrc, codec } => {
                if let Some(c) = self.controls.get_mut(track) {
                    if c.remote_ssrc.is_none() {
                        c.remote_ssrc = Some(ssrc);
                        c.stats.remote_ssrc = Some(ssrc);
                    }
                }
                self.scratch.rx_len = len;
                Some((track, codec))
            }
            Route::Rtx { track, pt, codec } => {
                let Some(ssrc) = self.controls.get(track).and_then(|c| c.remote_ssrc) else {
                    self.counters.dropped_unknown_ssrc += 1;
                    return None;
                };
                let rtx = self.scratch.buf.get_mut(..len)?;
                self.scratch.rx_len = rtp_core::rtx::unwrap_rtx_in_place(rtx, ssrc, pt).ok()?;
                Some((track, codec))
            }
        }
    }

    /// The track a received packet belongs to: by the SSRC the peer announced (or that
    /// track's first packet had), by the mid header extension, else by payload type on a
    /// receiving track that has not seen a packet yet.
    #[cfg(feature = "rtp-receive")]
    fn route(&self, len: usize) -> Result<Route, Dropped> {
        let bytes = self.scratch.buf.get(..len).ok_or(Dropped::Ssrc)?;
        let p = RtpPacket::new_checked(bytes).map_err(|_| Dropped::Ssrc)?;
        let (ssrc, pt) = (p.ssrc(), p.payload_type());
        let tracks = self.session.as_ref().map_or(&[][..], |s| &s.tracks[..]);
        let learned = |i: usize| self.controls.get(i).and_then(|c| c.remote_ssrc);
        let by_ssrc = tracks.iter().enumerate().position(|(i, t)| {
            t.remote_ssrc == Some(ssrc)
                || t.remote_rtx_ssrc == Some(ssrc)
                || learned(i) == Some(ssrc)
        });
        let by_mid = || {
            tracks.iter().position(|t| {
                t.ext_mid
                    .and_then(|id| p.extension(id))
                    .is_some_and(|m| !m.is_empty() && m == t.mid.as_bytes())
            })
        };
        let by_pt = || {
            tracks.iter().enumerate().position(|(i, t)| {
                t.receives()
                    && (learned(i).is_none() && t.codecs.iter().any(|c| c.pt == pt)
                        || t.codecs.iter().any(|c| c.rtx_pt == Some(pt)))
            })
        };
        let track = by_ssrc
            .or_else(by_mid)
            .or_else(by_pt)
            .ok_or(Dropped::Ssrc)?;
        let t = tracks.get(track).ok_or(Dropped::Ssrc)?;
        if let Some(c) = t.codecs.iter().find(|c| c.pt == pt) {
            return Ok(Route::Media {
                track,
                ssrc,
                codec: c.kind,
            });
        }
        match t.codecs.iter().find(|c| c.rtx_pt == Some(pt)) {
            Some(c) => Ok(Route::Rtx {
                track,
                pt: c.pt,
                codec: c.kind,
            }),
            None => Err(Dropped::PayloadType),
        }
    }

    /// An SRTCP packet, decrypted in the scratch buffer: every track's session reads it.
    fn on_rtcp(&mut self, now: Instant, len: usize) {
        let Some(bytes) = self.scratch.buf.get(..len) else {
            return;
        };
        let mut asked: heapless::Vec<(usize, Feedback), 64> = heapless::Vec::new();
        let mut overflow = 0u64;
        for (i, c) in self.controls.iter_mut().enumerate() {
            c.on_rtcp(now, bytes, |f| {
                if asked.push((i, f)).is_err() {
                    overflow += 1;
                }
            });
        }
        self.counters.retransmits_refused += overflow;
        if let Some(bps) = self.congestion.on_rtcp(now, bytes) {
            self.emit(PeerEvent::TargetBitrate(bps));
        }
        for (i, f) in asked {
            match f {
                Feedback::Keyframe => self.emit(PeerEvent::KeyframeRequested(TrackId(i))),
                Feedback::Rtt(rtt) => {
                    self.counters.rtt = Some(rtt);
                    self.congestion.set_rtt(rtt);
                }
                Feedback::Resend(seq) => {
                    if self.resends.push_back((i, seq)).is_err() {
                        self.counters.retransmits_refused += 1;
                    }
                }
            }
        }
    }

    /// Ask the sender of `track` for a keyframe: a PLI goes out with the next
    /// `poll_transmit`, repeated (at most every 300 ms, and no sooner than a round trip)
    /// until a keyframe arrives. Possible once connected and the peer's stream is known.
    pub fn request_keyframe(&mut self, track: TrackId) -> Result<(), PeerError> {
        let c = self
            .controls
            .get_mut(track.0)
            .ok_or(PeerError::NotConnected)?;
        c.request_keyframe();
        Ok(())
    }

    /// Connection-wide counters: the selected pair, RTT, packets, and what was dropped.
    pub fn stats(&self) -> PeerStats {
        let mut s = self.counters;
        s.selected_pair = self.ice.selected_pair();
        s.target_bitrate = self.congestion.estimate();
        s.rtcp_sent = self.controls.iter().map(|c| c.stats.reports_sent).sum();
        s
    }

    /// Counters of `track` (`None` before SRTP keys exist or for no such track).
    pub fn track_stats(&self, track: TrackId) -> Option<TrackStats> {
        self.controls.get(track.0).map(|c| c.stats)
    }
}

/// Where a received packet goes.
#[cfg(feature = "rtp-receive")]
#[derive(Clone, Copy, Debug)]
enum Route {
    /// Media of `track` from `ssrc`.
    Media {
        track: usize,
        ssrc: u32,
        codec: CodecKind,
    },
    /// A retransmission of `track`'s media payload type `pt`.
    Rtx {
        track: usize,
        pt: u8,
        codec: CodecKind,
    },
}

/// Why a received packet was dropped.
#[cfg(feature = "rtp-receive")]
#[derive(Clone, Copy, Debug)]
enum Dropped {
    Ssrc,
    PayloadType,
}
