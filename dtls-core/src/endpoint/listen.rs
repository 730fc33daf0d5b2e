//! A server before it has a client: stateless HelloVerifyRequests (RFC 6347 §4.2.1).

use super::{Endpoint, Phase, State, Timer};
use crate::crypto::CryptoProvider;
use crate::handshake::cookie::COOKIE_LEN;
use crate::wire::hello::{ClientHelloPrefix, HelloVerifyRequest};
use crate::wire::record::{ContentType, HEADER_LEN, MAX_SEQUENCE};
use crate::wire::{Fragments, HandshakeHeader, HandshakeType, Reader, Records, Writer, DTLS_1_0};
use sansio::{Entropy, Instant, Path, Rejected};

/// Bytes of our HelloVerifyRequest datagram: record and handshake headers, version, cookie.
pub(crate) const HELLO_VERIFY_LEN: usize = HEADER_LEN + 12 + 3 + COOKIE_LEN;

impl<E: Entropy, C: CryptoProvider, const MEM: usize> Endpoint<E, C, MEM> {
    /// A datagram while listening. `Ok(true)`: it carries a ClientHello with a valid cookie (or
    /// cookies are off) and the endpoint is now committed to its sender: process it normally.
    /// `Ok(false)`: answered with a HelloVerifyRequest or ignored; nothing was kept.
    pub(crate) fn listen(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<bool, Rejected> {
        let mut framed = false;
        for record in Records::new(data) {
            let Ok(record) = record else { break };
            framed = true;
            let h = record.header;
            if h.epoch != 0 || h.content_type != ContentType::Handshake {
                continue;
            }
            for frag in Fragments::new(record.payload) {
                let Ok(frag) = frag else { break };
                let fh = frag.header;
                if fh.msg_type != HandshakeType::ClientHello || fh.fragment_offset != 0 {
                    continue;
                }
                // The first fragment holds the fields the cookie covers.
                let Ok(hello) = ClientHelloPrefix::parse(&mut Reader::new(frag.body)) else {
                    continue;
                };
                if !self.config.cookie_exchange || self.cookie_key.verify(path.remote, &hello) {
                    self.commit(now, path, h.sequence, fh.message_seq);
                    return Ok(true);
                }
                // Never answer with more bytes than were sent (no amplification).
                if HELLO_VERIFY_LEN <= data.len() {
                    let cookie = self.cookie_key.cookie(path.remote, &hello);
                    self.pending.hello_verify = Some((path, h.sequence, fh.message_seq, cookie));
                    self.stats.hello_verify_requests += 1;
                }
                return Ok(false);
            }
        }
        if framed {
            Ok(false)
        } else {
            Err(Rejected::Malformed)
        }
    }

    /// Commit to the client on `path`: from here on the handshake keeps state.
    fn commit(&mut self, now: Instant, path: Path, record_seq: u64, message_seq: u16) {
        self.path = Some(path);
        self.state = State::Handshaking;
        self.pending.hello_verify = None;
        // Continue the client's record sequence so a client checking replays in epoch 0 does
        // not drop our ServerHello (RFC 6347 §4.2.1).
        self.epochs.set_epoch0_sequence(record_seq);
        if let Phase::Handshake { rx, .. } = &mut self.phase {
            rx.reset(message_seq);
        }
        self.timers
            .set(Timer::Deadline, now + self.config.handshake_timeout);
    }
}

/// Write a HelloVerifyRequest answering the ClientHello record `record_seq`, message `msg_seq`.
pub(crate) fn write_hello_verify(
    out: &mut [u8],
    record_seq: u64,
    msg_seq: u16,
    cookie: &[u8; COOKIE_LEN],
) -> Option<usize> {
    let body = out.get_mut(crate::wire::record::HEADER_LEN..HELLO_VERIFY_LEN)?;
    let hvr = HelloVerifyRequest {
        version: DTLS_1_0,
        cookie,
    };
    let header = HandshakeHeader::whole(
        HandshakeType::HelloVerifyRequest,
        msg_seq,
        3 + COOKIE_LEN as u32,
    );
    let mut w = Writer::new(body);
    header.emit(&mut w).ok()?;
    hvr.emit(&mut w).ok()?;
    let len = w.len();
    // The record carries the ClientHello's sequence number (RFC 6347 §4.2.1).
    crate::record::seal_plaintext(
        ContentType::Handshake,
        crate::wire::DTLS_1_2,
        record_seq & MAX_SEQUENCE,
        out,
        len,
    )
    .ok()
}
