//! Datagrams in: records, their epochs and protection, then handshake fragments, alerts and
//! application data.

use super::{Endpoint, Phase, State};
use crate::appdata::AppData;
use crate::crypto::CryptoProvider;
use crate::handshake::reassembly::Inserted;
use crate::types::DtlsRole;
use crate::wire::record::{ContentType, Record};
use crate::wire::{Alert, AlertDescription, AlertLevel, Fragments, HandshakeType, Records};
use sansio::{classify, Entropy, Instant, PacketKind, Path, Rejected};

/// What became of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Processed.
    Taken,
    /// Dropped without effect (replay, unexpected, no room).
    Ignored,
    /// Failed authentication.
    Forged,
}

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Endpoint<E, C, MEM> {
    /// [`SansIo::handle_datagram`](sansio::SansIo::handle_datagram).
    pub(crate) fn input(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<AppData<'_>>, Rejected> {
        if classify(data) != PacketKind::Dtls {
            return Err(Rejected::NotForUs);
        }
        if matches!(self.state, State::Idle | State::Closed | State::Failed(_)) {
            return Err(Rejected::NotForUs);
        }
        #[cfg(feature = "server")]
        if self.state == State::Listening && !self.listen(now, path, data)? {
            return Ok(None);
        }
        if self.path.is_some_and(|p| p.remote != path.remote) && !self.epochs.has_keys() {
            return Err(Rejected::NotForUs);
        }
        if let Phase::Connected(rx) = &mut self.phase {
            rx.clear();
        }
        let (mut taken, mut forged, mut malformed) = (false, false, false);
        for record in Records::new(data) {
            let Ok(record) = record else {
                malformed = true;
                break;
            };
            match self.record(now, path, &record) {
                Outcome::Taken => taken = true,
                Outcome::Forged => forged = true,
                Outcome::Ignored => {}
            }
            if matches!(self.state, State::Failed(_) | State::Closed) {
                break;
            }
        }
        match (taken, forged, malformed) {
            (true, ..) => Ok(self.app_data()),
            (false, true, _) => Err(Rejected::Unauthenticated),
            (false, false, true) => Err(Rejected::Malformed),
            (false, false, false) => Ok(None),
        }
    }

    /// One record of the datagram.
    fn record(&mut self, now: Instant, path: Path, record: &Record<'_>) -> Outcome {
        let h = &record.header;
        match h.epoch {
            0 => {
                if self.path.is_some_and(|p| p.remote != path.remote) {
                    self.stats.unexpected += 1;
                    return Outcome::Ignored;
                }
                self.plaintext(now, h.content_type, record.payload)
            }
            1 if self.epochs.has_keys() => self.protected(now, path, record),
            _ => {
                self.stats.unexpected += 1;
                Outcome::Ignored
            }
        }
    }

    /// An epoch-0 record.
    fn plaintext(&mut self, now: Instant, content_type: ContentType, payload: &[u8]) -> Outcome {
        match content_type {
            ContentType::Handshake => self.handshake(now, payload, 0),
            ContentType::ChangeCipherSpec => {
                // Epochs are explicit in DTLS: nothing to switch. Check the form only.
                if payload == [1] {
                    Outcome::Taken
                } else {
                    Outcome::Ignored
                }
            }
            // Unauthenticated alerts count only while no keys exist (a handshake failure
            // before ChangeCipherSpec); after that they could be forged by anyone on path.
            ContentType::Alert if !self.epochs.has_keys() => self.alert(payload),
            _ => {
                self.stats.unexpected += 1;
                Outcome::Ignored
            }
        }
    }

    /// An epoch-1 record: replay check, decryption, then dispatch.
    fn protected(&mut self, now: Instant, path: Path, record: &Record<'_>) -> Outcome {
        let h = record.header;
        if !self.epochs.fresh(1, h.sequence) {
            self.stats.replayed += 1;
            return Outcome::Ignored;
        }
        let is_data = h.content_type == ContentType::ApplicationData;
        // Find room to decrypt in: the receive buffer once connected, a scratch buffer for the
        // Finished and alerts before.
        let room = match &mut self.phase {
            Phase::Connected(rx) => rx.room(&mut self.memory, record.payload.len()),
            Phase::Handshake { .. } if is_data => None,
            Phase::Handshake { scratch, .. } => scratch.get_mut(..record.payload.len()),
        };
        let Some(room) = room else {
            if is_data && matches!(self.phase, Phase::Connected(_)) {
                self.stats.overflow += 1;
            } else {
                self.stats.unexpected += 1;
            }
            return Outcome::Ignored;
        };
        room.copy_from_slice(record.payload);
        let range = match self.epochs.open(&h, room) {
            Ok(r) => r,
            Err(_) => {
                self.stats.bad_records += 1;
                return Outcome::Forged;
            }
        };
        self.epochs.accept(1, h.sequence);
        // An authenticated record: the peer is reachable on this path (ICE may have switched).
        if self.path.is_some() {
            self.path = Some(path);
        }
        self.decrypted(now, h.content_type, range, record.payload.len())
    }

    /// Dispatch a decrypted epoch-1 record whose plaintext is `range` of the room it was
    /// decrypted in.
    fn decrypted(
        &mut self,
        now: Instant,
        content_type: ContentType,
        range: core::ops::Range<usize>,
        record_len: usize,
    ) -> Outcome {
        let mut plain = [0u8; super::SCRATCH_LEN];
        let copy_out = |src: &[u8], plain: &mut [u8; super::SCRATCH_LEN]| -> Option<usize> {
            let p = src.get(range.clone())?;
            plain.get_mut(..p.len())?.copy_from_slice(p);
            Some(p.len())
        };
        match (&mut self.phase, content_type) {
            (Phase::Connected(rx), ContentType::ApplicationData) => {
                if self.state != State::Connected {
                    self.stats.unexpected += 1;
                    return Outcome::Ignored;
                }
                rx.keep(range, record_len);
                Outcome::Taken
            }
            (Phase::Connected(rx), ContentType::Alert | ContentType::Handshake) => {
                let room = rx.rest(&self.memory);
                let Some(n) = copy_out(room, &mut plain) else {
                    return Outcome::Ignored;
                };
                self.after_decrypt(now, content_type, plain.get(..n).unwrap_or(&[]))
            }
            (Phase::Handshake { scratch, .. }, ContentType::Alert | ContentType::Handshake) => {
                let Some(n) = copy_out(scratch, &mut plain) else {
                    return Outcome::Ignored;
                };
                self.after_decrypt(now, content_type, plain.get(..n).unwrap_or(&[]))
            }
            _ => {
                self.stats.unexpected += 1;
                Outcome::Ignored
            }
        }
    }

    fn after_decrypt(&mut self, now: Instant, content_type: ContentType, plain: &[u8]) -> Outcome {
        match content_type {
            ContentType::Alert => self.alert(plain),
            _ => self.handshake(now, plain, 1),
        }
    }

    /// The handshake fragments of one record received in `epoch`.
    fn handshake(&mut self, now: Instant, payload: &[u8], epoch: u16) -> Outcome {
        let mut any = false;
        for frag in Fragments::new(payload) {
            let Ok(frag) = frag else { break };
            any = true;
            match &mut self.phase {
                Phase::Handshake { rx, hs, .. } => {
                    match rx.insert(&mut self.memory, &frag, epoch) {
                        Inserted::Stored => {}
                        Inserted::Dropped => self.stats.fragments_dropped += 1,
                        Inserted::Old => {
                            let h = frag.header;
                            if h.fragment_offset == 0 && hs.is_peer_retransmission(h.message_seq) {
                                // Our answer was lost: send the flight again now.
                                hs.flight.rewind();
                                self.stats.retransmissions += 1;
                            }
                        }
                    }
                }
                Phase::Connected(_) => self.after_handshake(&frag, epoch),
            }
        }
        if matches!(self.phase, Phase::Handshake { .. }) {
            self.drive_handshake(now);
        }
        if any {
            Outcome::Taken
        } else {
            Outcome::Ignored
        }
    }

    /// A handshake fragment after the handshake: the peer's retransmitted last flight (answer
    /// with ours again) or a renegotiation (refused, RFC 5746 §4.4 / §4.2).
    fn after_handshake(&mut self, frag: &crate::wire::Fragment<'_>, epoch: u16) {
        let Some(s) = &self.session else { return };
        let h = frag.header;
        if h.message_seq < s.next_recv_seq {
            if h.fragment_offset == 0
                && s.peer_flight_start == Some(h.message_seq)
                && s.final_finished.is_some()
            {
                self.pending.final_flight = true;
                self.stats.retransmissions += 1;
            }
            return;
        }
        let renegotiation = matches!(
            (self.role, h.msg_type),
            (DtlsRole::Server, HandshakeType::ClientHello)
                | (DtlsRole::Client, HandshakeType::HelloRequest)
        );
        if renegotiation && epoch == 1 && self.pending.alert.is_none() {
            self.pending.alert = Some(Alert::warning(AlertDescription::NoRenegotiation));
        }
    }

    /// An alert (epoch 0 before keys, epoch 1 after).
    fn alert(&mut self, payload: &[u8]) -> Outcome {
        let Ok(alert) = Alert::parse(payload) else {
            return Outcome::Ignored;
        };
        match (alert.level, alert.description) {
            (_, AlertDescription::CloseNotify) => {
                if matches!(self.state, State::Connected | State::AwaitingFingerprint) {
                    // Answer with our close_notify (RFC 5246 §7.2.1).
                    self.pending.alert = Some(Alert::warning(AlertDescription::CloseNotify));
                }
                self.state = State::Closed;
                self.end();
                let _ = self.events.push_critical(crate::Event::Closed);
            }
            (AlertLevel::Fatal, d) => self.fail(crate::Failure::Alert(d)),
            (AlertLevel::Warning, _) => {}
        }
        Outcome::Taken
    }
}
