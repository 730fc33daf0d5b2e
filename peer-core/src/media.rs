//! RTP media: frames out (packetized, SRTP-protected, sent over the selected pair) and packets
//! in (SRTP-unprotected, routed to their track by SSRC or payload type).

use crate::event::{Delivered, PeerError, TrackId};
use crate::peer::{PeerConnection, DATAGRAM};
use crate::session::{CodecKind, TrackInfo};
use dtls_core::{Dtls, SrtpKeys, SrtpProfile};
use rtp_core::packetize::h264::H264Packetizer;
use rtp_core::packetize::opus::OpusPacketizer;
use rtp_core::packetize::vp8::Vp8Packetizer;
use rtp_core::packetize::RtpPacketizer;
use rtp_core::wire::RtpPacket;
use sansio::{DtlsRole, Entropy, Instant, Transmit};
use srtp_core::{Config as SrtpConfig, DtlsSrtpKeys, Profile, SrtpSession};

/// The SRTP session for the keys DTLS exported, from the side that was `role`.
pub(crate) fn srtp_session(keys: &SrtpKeys, role: DtlsRole) -> Option<SrtpSession<8>> {
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
        ..SrtpConfig::default()
    };
    SrtpSession::new(&keys, config).ok()
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

/// What a track needs to send: its packetizer (sequence numbers live there).
#[derive(Clone, Debug)]
pub(crate) struct Sender {
    payloader: Payloader,
}

impl Sender {
    pub(crate) fn new(t: &TrackInfo, entropy: &mut impl Entropy, mtu: usize) -> Self {
        let seq = entropy.next_u32() as u16;
        // SRTP adds up to 16 bytes of tag; TURN ChannelData 4 more.
        let mtu = mtu.saturating_sub(24);
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
        Sender { payloader }
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

/// The last RTP packet received, decrypted: read it with
/// [`PeerConnection::rtp_packet`].
#[derive(Debug)]
pub(crate) struct RxPacket {
    buf: [u8; DATAGRAM],
    len: usize,
    track: Option<TrackId>,
}

impl RxPacket {
    pub(crate) const fn new() -> Self {
        RxPacket {
            buf: [0; DATAGRAM],
            len: 0,
            track: None,
        }
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

impl<E, D, B, const CH: usize, const N: usize> FrameSender<'_, '_, PeerConnection<E, D, B, CH, N>>
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
        let sender = p
            .senders
            .get_mut(self.track)
            .ok_or(PeerError::NoSuchTrack)?;
        let Some(len) = sender.next_packet(self.frame, self.timestamp, &mut p.scratch)? else {
            self.done = true;
            return Ok(None);
        };
        let srtp = p.srtp.as_mut().ok_or(PeerError::NotConnected)?;
        let len = srtp
            .protect_rtp(&mut p.scratch, len)
            .map_err(|_| PeerError::Packetize)?;
        p.wrap(self.now, len, out)
            .map(Some)
            .ok_or(PeerError::NotConnected)
    }
}

impl<E, D, B, const CH: usize, const N: usize> PeerConnection<E, D, B, CH, N>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// Send one media frame on `track` (an encoded video frame — H.264 Annex B or VP8 — or an
    /// audio packet — Opus, or 20 ms of G.711), sampled at `rtp_timestamp` (the codec's
    /// clock). Loop over [`FrameSender::next`] and send each datagram.
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
        if self.senders.get(track.0).is_none() {
            return Err(PeerError::NoSuchTrack);
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

    /// The RTP packet the last [`Delivered::Rtp`] announced, decrypted (valid until the next
    /// input).
    pub fn rtp_packet(&self) -> Option<(TrackId, RtpPacket<&[u8]>)> {
        let track = self.rx.track?;
        let bytes = self.rx.buf.get(..self.rx.len)?;
        RtpPacket::new_checked(bytes).ok().map(|p| (track, p))
    }

    /// An SRTP or SRTCP datagram from the selected pair.
    pub(crate) fn on_media(&mut self, data: &[u8], rtcp: bool) -> Option<Delivered> {
        let srtp = self.srtp.as_mut()?;
        let dst = self.rx.buf.get_mut(..data.len())?;
        dst.copy_from_slice(data);
        self.rx.len = 0;
        self.rx.track = None;
        if rtcp {
            srtp.unprotect_rtcp(dst).ok()?;
            return None;
        }
        let len = srtp.unprotect_rtp(dst).ok()?;
        self.rx.len = len;
        let track = self.route(len)?;
        self.rx.track = Some(track);
        Some(Delivered::Rtp { track, len })
    }

    /// The track a received packet belongs to: by the SSRC the peer announced, else by
    /// payload type.
    fn route(&self, len: usize) -> Option<TrackId> {
        let p = RtpPacket::new_checked(self.rx.buf.get(..len)?).ok()?;
        let (ssrc, pt) = (p.ssrc(), p.payload_type());
        let tracks = &self.session.as_ref()?.tracks;
        let by_ssrc = tracks
            .iter()
            .position(|t| t.remote_ssrc == Some(ssrc) || t.remote_rtx_ssrc == Some(ssrc));
        let by_pt = || {
            tracks
                .iter()
                .position(|t| t.receives() && t.codec(pt).is_some())
        };
        by_ssrc.or_else(by_pt).map(TrackId)
    }
}
