//! The connection on the workspace contract: one socket, parsed once and routed.
//!
//! In: ICE takes every datagram first (it consumes STUN, unwraps TURN, and hands up what
//! arrived on a known pair, with the logical path it came on); what it hands up is sorted by
//! its first byte (RFC 7983): DTLS to the endpoint (its application data to SCTP), SRTP and
//! SRTCP to the media path.
//! Out, in this order: ICE's own datagrams, DTLS flights, SCTP packets sealed by DTLS,
//! resends a NACK asked for (SRTP), RTCP reports and feedback of each track (SRTCP); each
//! wrapped by ICE for the selected pair (ChannelData through a TURN relay).

use crate::event::Delivered;
use crate::peer::PeerConnection;
use dtls_core::Dtls;
use sansio::{classify, Carrier, Entropy, Instant, PacketKind, Path, Rejected, SansIo, Transmit};

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
    > SansIo for PeerConnection<E, D, B, CH, N, IC, IP, IT, IR, EV, SDP, TR, IS, SS>
where
    E: Entropy + Clone,
    D: Dtls,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    type Event = crate::PeerEvent;
    /// Media that arrived; data-channel messages come as events.
    type Data<'a> = Delivered;

    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<Delivered>, Rejected> {
        self.now = now;
        self.scratch.forget_rx();
        // Data relayed through our own TURN allocation comes from the server's address; DTLS
        // and SCTP must see the logical path (relayed candidate to peer) the pair names.
        let up = self.ice_receive(now, path, data);
        let delivered = match up {
            Ok(Some((logical, payload))) => self.on_payload(now, logical, payload),
            Ok(None) => None,
            Err(e) => {
                self.after_input(now);
                return Err(e);
            }
        };
        self.after_input(now);
        Ok(delivered)
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.ice.handle_timeout(now);
        self.dtls.handle_timeout(now);
        if let Some(s) = self.sctp.as_mut() {
            s.handle_timeout(now);
        }
        for c in self.controls.iter_mut() {
            c.handle_timeout(now);
        }
        self.after_input(now);
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        // What is sent is built in the scratch buffer, where the last RTP packet received was.
        self.scratch.forget_rx();
        if let Some(t) = self.ice.poll_transmit(now, out) {
            return Some(t);
        }
        if self.dtls_close_pending {
            if let Some(t) = self.poll_sctp(now, out) {
                return Some(t);
            }
            self.dtls_close_pending = false;
            self.dtls.close(now);
        }
        if let Some(t) = self.dtls.poll_transmit(now, &mut self.scratch.buf) {
            if let Some(w) = self.wrap(now, t.len, out) {
                return Some(w);
            }
        }
        if let Some(t) = self.poll_sctp(now, out) {
            return Some(t);
        }
        self.poll_media(now, out)
    }

    fn poll_event(&mut self) -> Option<crate::PeerEvent> {
        self.events.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let t = [
            self.ice.poll_timeout(),
            self.dtls.poll_timeout(),
            self.sctp.as_ref().and_then(|s| s.poll_timeout()),
        ];
        let rtcp = self.controls.iter().filter_map(|c| c.poll_timeout()).min();
        let feedback = self.congestion.poll_timeout();
        t.into_iter().flatten().chain(rtcp).chain(feedback).min()
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
    /// `data` through the ICE agent (STUN answered or consumed, TURN data unwrapped). Not
    /// inlined, like [`on_payload`](Self::on_payload): the STUN parsing and response
    /// building stay out of the frame the DTLS and SCTP paths run on.
    #[inline(never)]
    fn ice_receive<'d>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'d [u8],
    ) -> Result<Option<(Path, &'d [u8])>, Rejected> {
        self.ice.receive(now, path, data)
    }

    /// What ICE handed up: DTLS, SRTP or SRTCP (anything else is dropped).
    #[inline(never)]
    fn on_payload(&mut self, now: Instant, path: Path, payload: &[u8]) -> Option<Delivered> {
        match classify(payload) {
            PacketKind::Dtls => {
                if let Ok(Some(_)) = self.dtls.handle_datagram(now, path, payload) {
                    self.feed_sctp(now, path);
                }
                None
            }
            PacketKind::Rtp => self.on_media(now, payload, false),
            PacketKind::Rtcp => self.on_media(now, payload, true),
            _ => None,
        }
    }

    /// The records DTLS decrypted, to the SCTP association. Not inlined: SCTP's input
    /// stays out of the frame a DTLS handshake runs on.
    #[inline(never)]
    fn feed_sctp(&mut self, now: Instant, path: Path) {
        if let Some(sctp) = self.sctp.as_mut() {
            for record in self.dtls.received() {
                let _ = sctp.handle_datagram(now, path, record);
            }
        }
    }

    /// The next SCTP packet, sealed into a DTLS record and wrapped for the pair. The packet
    /// is written in `out` first: sealed into `scratch`, it is no longer needed when the
    /// record is wrapped back into `out` (no second scratch buffer).
    fn poll_sctp(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let sctp = self.sctp.as_mut()?;
        loop {
            let t = sctp.poll_transmit(now, out)?;
            let packet = out.get(..t.len)?;
            let Ok(rec) = self.dtls.send(now, (), packet, &mut self.scratch.buf) else {
                continue; // not connected any more: SCTP retransmits
            };
            let record = self.scratch.buf.get(..rec.len)?;
            if let Ok(w) = self.ice.send(now, (), record, out) {
                return Some(w);
            }
        }
    }

    /// The next resend a NACK asked for, else the next RTCP packet of a track: protected
    /// (SRTP / SRTCP) and wrapped for the pair.
    fn poll_media(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.srtp.as_ref()?;
        while let Some((track, seq)) = self.resends.pop_front() {
            let Some(c) = self.controls.get_mut(track) else {
                continue;
            };
            let Some(len) = c.resend(now, seq, &mut self.scratch.buf) else {
                self.counters.retransmits_refused += 1;
                continue;
            };
            // An RTX packet is a new packet (own SSRC and sequence): fresh send time and
            // transport-wide number. A repeat on the media stream must stay byte for byte
            // the same, as SRTP protects it again under the same index.
            let twcc = self
                .senders
                .get(track)
                .filter(|_| c.uses_rtx())
                .and_then(|s| s.restamp(&mut self.scratch.buf, len, now, &mut self.transport_seq));
            let srtp = self.srtp.as_mut()?;
            let Ok(len) = srtp.protect_rtp(&mut self.scratch.buf, len) else {
                continue;
            };
            self.congestion.on_sent(now, twcc, len);
            self.counters.rtp_packets_sent += 1;
            if let Some(t) = self.wrap(now, len, out) {
                return Some(t);
            }
        }
        for i in 0..self.controls.len() {
            let Some(len) = self
                .controls
                .get_mut(i)
                .and_then(|c| c.poll_rtcp(now, &mut self.scratch.buf))
            else {
                continue;
            };
            let srtp = self.srtp.as_mut()?;
            let Ok(len) = srtp.protect_rtcp(&mut self.scratch.buf, len) else {
                continue;
            };
            if let Some(t) = self.wrap(now, len, out) {
                return Some(t);
            }
        }
        self.poll_congestion_feedback(now, out)
    }

    /// Transport-cc feedback on what the peer sent us, when due: SRTCP, wrapped for the pair.
    fn poll_congestion_feedback(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let sender = self.tracks().first().map_or(0, |t| t.local_ssrc);
        let media = self
            .controls
            .iter()
            .find_map(|c| c.remote_ssrc)
            .unwrap_or(0);
        let len = self
            .congestion
            .poll_feedback(now, (sender, media), &mut self.scratch.buf)?;
        let len = self
            .srtp
            .as_mut()?
            .protect_rtcp(&mut self.scratch.buf, len)
            .ok()?;
        self.wrap(now, len, out)
    }
}
