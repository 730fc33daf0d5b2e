//! Sender-side loss repair: a fixed-memory store of recently sent packets, answered from on
//! NACK either as the original packet or wrapped in an RFC 4588 retransmission stream.
//!
//! RFC 4588 §4: the RTX packet keeps the original timestamp, marker and header extensions,
//! takes the RTX stream's SSRC, payload type and its own sequence number, and starts its
//! payload with the 2-byte original sequence number (OSN). [`unwrap_rtx`] restores the
//! original on the receiving side.

use crate::wire::{EmitError, ParseError, RtpHeader, RtpPacket};
use core::time::Duration;
use sansio::Instant;

#[derive(Clone, Copy, Debug)]
struct Stored<const MTU: usize> {
    seq: Option<u16>,
    sent_at: Instant,
    resent_at: Option<Instant>,
    len: usize,
    data: [u8; MTU],
}

/// The RTX stream of a media stream (RFC 4588 session multiplexing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtxStream {
    /// SSRC of the retransmission stream.
    pub ssrc: u32,
    /// Payload type of the retransmission stream (`a=rtpmap:N rtx/…; apt=…`).
    pub payload_type: u8,
    /// Next RTX sequence number.
    pub next_seq: u16,
}

/// Why a retransmission was not produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetransmitError {
    /// The packet is no longer (or never was) in the buffer.
    NotFound,
    /// It was retransmitted less than a round-trip time ago: the earlier copy may still
    /// arrive (avoids answering a burst of NACKs with a burst of duplicates).
    TooSoon,
    /// It is older than the buffer's age limit.
    TooOld,
    /// `out` is too small.
    Emit(EmitError),
}

/// Store of the last `SLOTS` sent packets of one stream, each up to `MTU` bytes.
#[derive(Clone, Debug)]
pub struct RtxBuffer<const SLOTS: usize, const MTU: usize> {
    slots: [Stored<MTU>; SLOTS],
    /// Packets older than this are not retransmitted (they would arrive too late to play).
    pub max_age: Duration,
}

impl<const SLOTS: usize, const MTU: usize> RtxBuffer<SLOTS, MTU> {
    const EMPTY: Stored<MTU> = Stored {
        seq: None,
        sent_at: Instant::ZERO,
        resent_at: None,
        len: 0,
        data: [0; MTU],
    };

    /// An empty buffer; packets older than `max_age` are not resent.
    pub const fn new(max_age: Duration) -> Self {
        const { assert!(SLOTS > 0, "a retransmission buffer needs at least one slot") };
        RtxBuffer {
            slots: [Self::EMPTY; SLOTS],
            max_age,
        }
    }

    /// Remember a packet just sent. Packets larger than `MTU` are not stored (`false`).
    pub fn insert(&mut self, now: Instant, packet: &[u8]) -> bool {
        let Ok(p) = RtpPacket::new_checked(packet) else {
            return false;
        };
        let seq = p.sequence_number();
        let Some(slot) = self.slots.get_mut(usize::from(seq) % SLOTS) else {
            return false;
        };
        let Some(dst) = slot.data.get_mut(..packet.len()) else {
            return false;
        };
        dst.copy_from_slice(packet);
        slot.seq = Some(seq);
        slot.sent_at = now;
        slot.resent_at = None;
        slot.len = packet.len();
        true
    }

    /// The stored packet with sequence number `seq`.
    pub fn get(&self, seq: u16) -> Option<&[u8]> {
        let s = self.slots.get(usize::from(seq) % SLOTS)?;
        (s.seq == Some(seq)).then(|| s.data.get(..s.len).unwrap_or(&[]))
    }

    /// Answer a NACK for `seq`: write the packet to resend into `out` — the original when
    /// `rtx` is `None`, else an RFC 4588 packet on that stream (whose sequence number is
    /// advanced). `rtt` rate-limits repeated requests for the same packet.
    pub fn retransmit(
        &mut self,
        now: Instant,
        seq: u16,
        rtt: Duration,
        rtx: Option<&mut RtxStream>,
        out: &mut [u8],
    ) -> Result<usize, RetransmitError> {
        let max_age = self.max_age;
        let slot = self
            .slots
            .get_mut(usize::from(seq) % SLOTS)
            .filter(|s| s.seq == Some(seq));
        let slot = slot.ok_or(RetransmitError::NotFound)?;
        if now > slot.sent_at + max_age {
            return Err(RetransmitError::TooOld);
        }
        if slot.resent_at.is_some_and(|t| now < t + rtt) {
            return Err(RetransmitError::TooSoon);
        }
        let original = slot.data.get(..slot.len).unwrap_or(&[]);
        let n = match rtx {
            None => {
                let dst = out.get_mut(..original.len()).ok_or(RetransmitError::Emit(
                    EmitError::BufferTooSmall {
                        needed: original.len(),
                    },
                ))?;
                dst.copy_from_slice(original);
                original.len()
            }
            Some(stream) => {
                let n = wrap_rtx(original, stream, out).map_err(RetransmitError::Emit)?;
                stream.next_seq = stream.next_seq.wrapping_add(1);
                n
            }
        };
        slot.resent_at = Some(now);
        Ok(n)
    }
}

/// Build the RFC 4588 packet for `original` on `stream` into `out`.
pub fn wrap_rtx(original: &[u8], stream: &RtxStream, out: &mut [u8]) -> Result<usize, EmitError> {
    let p = RtpPacket::new_checked(original).map_err(|_| EmitError::ValueOutOfRange)?;
    let header = RtpHeader {
        payload_type: stream.payload_type,
        sequence_number: stream.next_seq,
        ssrc: stream.ssrc,
        padding: 0,
        ..p.header()
    };
    let h = header.header_len()?;
    let total = h + 2 + p.payload().len();
    let dst = out
        .get_mut(..total)
        .ok_or(EmitError::BufferTooSmall { needed: total })?;
    header.emit_header(dst)?;
    let (_, body) = dst.split_at_mut(h);
    let (osn, rest) = body.split_at_mut(2);
    osn.copy_from_slice(&p.sequence_number().to_be_bytes());
    rest.copy_from_slice(p.payload());
    Ok(total)
}

/// Restore the original packet from an RFC 4588 packet: SSRC and payload type of the media
/// stream, the OSN as sequence number, the payload after the OSN.
pub fn unwrap_rtx(
    rtx: &[u8],
    media_ssrc: u32,
    media_payload_type: u8,
    out: &mut [u8],
) -> Result<usize, ParseError> {
    let p = RtpPacket::new_checked(rtx)?;
    let (osn, payload) = match p.payload() {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return Err(ParseError::BadPayload),
    };
    let header = RtpHeader {
        payload_type: media_payload_type,
        sequence_number: osn,
        ssrc: media_ssrc,
        padding: 0,
        ..p.header()
    };
    header.emit(payload, out).map_err(|e| match e {
        EmitError::BufferTooSmall { needed } => ParseError::Truncated {
            needed,
            got: out.len(),
        },
        _ => ParseError::BadPayload,
    })
}

/// [`unwrap_rtx`] where the packet lies, for a receiver with one buffer: the header is
/// patched (payload type, OSN as sequence number, SSRC, no padding) and the payload moved
/// two bytes down over the OSN. Returns the original packet's length in `buf`; the bytes are
/// those [`unwrap_rtx`] writes (CSRCs and header extensions are kept as they are).
pub fn unwrap_rtx_in_place(
    buf: &mut [u8],
    media_ssrc: u32,
    media_payload_type: u8,
) -> Result<usize, ParseError> {
    let (start, end, osn) = {
        let p = RtpPacket::new_checked(&*buf)?;
        let osn = match p.payload() {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => return Err(ParseError::BadPayload),
        };
        (p.header_len(), p.header_len() + p.payload().len(), osn)
    };
    buf.copy_within(start + 2..end, start);
    let [b0, b1, s0, s1, _, _, _, _, x0, x1, x2, x3, ..] = buf else {
        return Err(ParseError::BadPayload); // checked above: a valid header is 12 bytes
    };
    *b0 &= !0x20; // the padding stays behind
    *b1 = (*b1 & 0x80) | (media_payload_type & 0x7f);
    [*s0, *s1] = osn.to_be_bytes();
    [*x0, *x1, *x2, *x3] = media_ssrc.to_be_bytes();
    Ok(end - 2)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::wire::{ExtensionElement, HeaderExtension};

    fn packet(seq: u16, out: &mut [u8]) -> usize {
        let els = [ExtensionElement::new(3, &[7, 7])];
        let h = RtpHeader {
            marker: true,
            payload_type: 96,
            sequence_number: seq,
            timestamp: 1234,
            ssrc: 0xAA,
            extension: HeaderExtension::Elements(&els),
            ..Default::default()
        };
        h.emit(&[seq as u8; 10], out).unwrap()
    }

    #[test]
    fn rtx_roundtrip_restores_the_original() {
        let mut rb = RtxBuffer::<8, 256>::new(Duration::from_secs(1));
        let mut buf = [0u8; 256];
        let t = Instant::from_secs(1);
        for seq in 100..110u16 {
            let n = packet(seq, &mut buf);
            assert!(rb.insert(t, &buf[..n]));
        }
        assert!(rb.get(101).is_none()); // overwritten: 8 slots
        let mut stream = RtxStream {
            ssrc: 0xBB,
            payload_type: 97,
            next_seq: 500,
        };
        let mut out = [0u8; 256];
        let n = rb
            .retransmit(
                t,
                105,
                Duration::from_millis(50),
                Some(&mut stream),
                &mut out,
            )
            .unwrap();
        assert_eq!(stream.next_seq, 501);
        let p = RtpPacket::new_checked(&out[..n]).unwrap();
        assert_eq!(
            (
                p.ssrc(),
                p.payload_type(),
                p.sequence_number(),
                p.timestamp()
            ),
            (0xBB, 97, 500, 1234)
        );
        assert!(p.marker());
        assert_eq!(&p.payload()[..2], &105u16.to_be_bytes());
        assert_eq!(p.extension(3), Some(&[7u8, 7][..]));
        let mut restored = [0u8; 256];
        let m = unwrap_rtx(&out[..n], 0xAA, 96, &mut restored).unwrap();
        assert_eq!(&restored[..m], rb.get(105).unwrap());
        let mut in_place = out;
        assert_eq!(unwrap_rtx_in_place(&mut in_place[..n], 0xAA, 96), Ok(m));
        assert_eq!(&in_place[..m], &restored[..m]);
        // a second NACK within the RTT is not answered; after it, it is
        assert_eq!(
            rb.retransmit(t, 105, Duration::from_millis(50), None, &mut out),
            Err(RetransmitError::TooSoon)
        );
        let later = t + Duration::from_millis(50);
        let n = rb
            .retransmit(later, 105, Duration::from_millis(50), None, &mut out)
            .unwrap();
        assert_eq!(&out[..n], rb.get(105).unwrap());
        assert_eq!(
            rb.retransmit(
                t + Duration::from_secs(2),
                106,
                Duration::ZERO,
                None,
                &mut out
            ),
            Err(RetransmitError::TooOld)
        );
        assert_eq!(
            rb.retransmit(t, 7, Duration::ZERO, None, &mut out),
            Err(RetransmitError::NotFound)
        );
    }

    /// In place and copied give the same bytes, with CSRCs, an extension, padding and a
    /// marker; an RTX packet without room for its OSN is refused either way.
    #[test]
    fn unwrapping_in_place_writes_what_unwrapping_into_a_copy_writes() {
        let els = [ExtensionElement::new(5, &[1, 2, 3])];
        for (csrcs, ext, padding, marker) in [
            (&[][..], false, 0u8, false),
            (&[9u32, 10][..], true, 4, true),
            (&[11u32][..], false, 3, false),
            (&[][..], true, 0, true),
        ] {
            let mut payload = [0u8; 40];
            payload[..2].copy_from_slice(&777u16.to_be_bytes());
            for (i, b) in payload[2..].iter_mut().enumerate() {
                *b = i as u8;
            }
            let h = RtpHeader {
                marker,
                payload_type: 97,
                sequence_number: 5000,
                timestamp: 99,
                ssrc: 0xBB,
                csrcs: heapless::Vec::from_slice(csrcs).unwrap(),
                padding,
                extension: if ext {
                    HeaderExtension::Elements(&els)
                } else {
                    HeaderExtension::None
                },
            };
            let mut rtx = [0u8; 128];
            let n = h.emit(&payload, &mut rtx).unwrap();
            let mut copy = [0u8; 128];
            let m = unwrap_rtx(&rtx[..n], 0xAA, 96, &mut copy).unwrap();
            let mut buf = rtx;
            assert_eq!(unwrap_rtx_in_place(&mut buf[..n], 0xAA, 96), Ok(m));
            assert_eq!(&buf[..m], &copy[..m]);
            let p = RtpPacket::new_checked(&buf[..m]).unwrap();
            assert_eq!(
                (p.ssrc(), p.payload_type(), p.sequence_number()),
                (0xAA, 96, 777)
            );
            assert_eq!(p.marker(), marker);
            assert_eq!(p.padding_len(), 0);
            assert_eq!(p.payload(), &payload[2..]);
        }
        let h = RtpHeader::default();
        let mut short = [0u8; 32];
        let n = h.emit(&[1], &mut short).unwrap();
        assert_eq!(
            unwrap_rtx_in_place(&mut short[..n], 1, 96),
            Err(ParseError::BadPayload)
        );
    }
}
