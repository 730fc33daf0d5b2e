//! Datagrams out: the HelloVerifyRequest, alerts, flights, the resent last flight, and
//! application data ([`sansio::Carrier::send`]).

#[cfg(feature = "server")]
use super::listen::write_hello_verify;
use super::{Endpoint, Phase, State, Timer};
use crate::crypto::CryptoProvider;
use crate::record::SealError;
use crate::wire::record::ContentType;
use crate::wire::{AlertLevel, HandshakeHeader, HandshakeType};
use sansio::{Entropy, Instant, SendError, Transmit};

/// Largest application data one record carries (2^14, RFC 6347 §4.1 / RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 16_384;

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Endpoint<E, C, MEM> {
    /// [`SansIo::poll_transmit`](sansio::SansIo::poll_transmit).
    pub(crate) fn output(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        #[cfg(feature = "server")]
        if let Some((path, record_seq, msg_seq, cookie)) = self.pending.hello_verify.take() {
            let len = write_hello_verify(out, record_seq, msg_seq, &cookie)?;
            return Some(Transmit { path, len });
        }
        let path = self.path?;
        if let Some(alert) = self.pending.alert.take() {
            let epoch = self.epochs.write_epoch();
            let at = self.epochs.payload_offset(epoch);
            out.get_mut(at..at + 2)?.copy_from_slice(&alert.to_bytes());
            let len = self.epochs.seal(epoch, ContentType::Alert, out, 2).ok()?;
            if alert.level == AlertLevel::Fatal {
                self.phase_done();
            }
            if matches!(self.state, State::Failed(_) | State::Closed) {
                self.epochs.forget_keys();
            }
            return Some(Transmit { path, len });
        }
        if matches!(self.state, State::Failed(_) | State::Closed) {
            return None;
        }
        if let Phase::Handshake { hs, .. } = &mut self.phase {
            let mtu = self.config.mtu;
            let len = hs.flight.next_datagram(&mut self.epochs, out, mtu)?;
            return Some(Transmit { path, len });
        }
        if self.pending.final_flight {
            self.pending.final_flight = false;
            let len = self.write_final_flight(out)?;
            return Some(Transmit { path, len });
        }
        None
    }

    /// Nothing more goes out after a fatal alert.
    fn phase_done(&mut self) {
        self.pending.final_flight = false;
        if let Phase::Handshake { hs, .. } = &mut self.phase {
            hs.flight.clear();
        }
    }

    /// ChangeCipherSpec and our Finished again (the peer retransmitted its last flight).
    fn write_final_flight(&mut self, out: &mut [u8]) -> Option<usize> {
        let (seq, verify) = self.session.as_ref()?.final_finished?;
        let at = self.epochs.payload_offset(0);
        *out.get_mut(at)? = 1;
        let ccs = self
            .epochs
            .seal(0, ContentType::ChangeCipherSpec, out, 1)
            .ok()?;
        let rest = out.get_mut(ccs..)?;
        let at = self.epochs.payload_offset(1);
        let body = rest.get_mut(at..at + 24)?;
        body.get_mut(..12)?
            .copy_from_slice(&HandshakeHeader::whole(HandshakeType::Finished, seq, 12).to_bytes());
        body.get_mut(12..)?.copy_from_slice(&verify);
        let fin = self.epochs.seal(1, ContentType::Handshake, rest, 24).ok()?;
        Some(ccs + fin)
    }

    /// [`Carrier::send`](sansio::Carrier::send): one application-data record into `out`.
    pub(crate) fn send_data(&mut self, data: &[u8], out: &mut [u8]) -> Result<Transmit, SendError> {
        if self.state != State::Connected {
            return Err(SendError::NotConnected);
        }
        let path = self.path.ok_or(SendError::NotConnected)?;
        if data.len() > MAX_PLAINTEXT {
            return Err(SendError::TooLarge);
        }
        let at = self.epochs.payload_offset(1);
        let needed = self.epochs.overhead() + data.len();
        let room = out.len();
        let dst = out.get_mut(at..at + data.len()).filter(|_| room >= needed);
        let Some(dst) = dst else {
            return Err(SendError::BufferTooSmall { needed });
        };
        dst.copy_from_slice(data);
        match self
            .epochs
            .seal(1, ContentType::ApplicationData, out, data.len())
        {
            Ok(len) => Ok(Transmit { path, len }),
            Err(SealError::BufferTooSmall { needed }) => Err(SendError::BufferTooSmall { needed }),
            Err(SealError::SequenceExhausted) => {
                // 2^48 records: the connection must end (RFC 6347 §4.1).
                self.close(Instant::ZERO);
                Err(SendError::NotConnected)
            }
            Err(SealError::NoKeys) => Err(SendError::NotConnected),
        }
    }

    /// [`SansIo::handle_timeout`](sansio::SansIo::handle_timeout).
    pub(crate) fn timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.poll_expired(now) {
            match timer {
                Timer::Deadline => {
                    if self.state == State::Handshaking {
                        self.fail(crate::Failure::HandshakeTimeout);
                    }
                }
                Timer::Retransmit => {
                    if let Phase::Handshake { hs, .. } = &mut self.phase {
                        if !hs.flight.is_empty() && self.state == State::Handshaking {
                            hs.flight.rewind();
                            self.stats.retransmissions += 1;
                            self.rto = self.rto.saturating_mul(2).min(self.config.max_retransmit);
                            self.timers.set(Timer::Retransmit, now + self.rto);
                        }
                    }
                }
            }
        }
    }
}
