//! Goodbye (RFC 3550 §6.6) and application-defined packets (RFC 3550 §6.7).

use super::body::{emit_packet, packet_len, Body};
use super::{packet_type, HEADER_LEN};
use crate::wire::bytes::{put, put_u32, put_u8, slice, u32_at, u8_at};
use crate::wire::error::{EmitError, ParseError};

/// A validated BYE packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bye<'a> {
    body: &'a [u8],
    count: u8,
}

impl<'a> Bye<'a> {
    /// Validate the body of a BYE with `count` sources.
    pub fn new_checked(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let n = usize::from(count) * 4;
        if body.len() < n {
            return Err(ParseError::Truncated {
                needed: n + HEADER_LEN,
                got: body.len() + HEADER_LEN,
            });
        }
        if let Some(&len) = body.get(n) {
            if n + 1 + usize::from(len) > body.len() {
                return Err(ParseError::BadLength {
                    offset: n + HEADER_LEN,
                });
            }
        }
        Ok(Bye { body, count })
    }

    /// The sources leaving.
    pub fn sources(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let body = self.body;
        (0..usize::from(self.count)).map(move |i| u32_at(body, 4 * i))
    }

    /// The reason for leaving, if given.
    pub fn reason(&self) -> Option<&'a [u8]> {
        let n = usize::from(self.count) * 4;
        let len = usize::from(*self.body.get(n)?);
        self.body.get(n + 1..n + 1 + len)
    }

    /// A repr borrowing `sources` for the SSRCs (collect them first; at most 31).
    pub fn to_repr<'b>(&self, sources: &'b [u32]) -> ByeRepr<'b>
    where
        'a: 'b,
    {
        ByeRepr {
            sources,
            reason: self.reason(),
        }
    }
}

/// A BYE packet to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ByeRepr<'a> {
    /// At most 31 sources.
    pub sources: &'a [u32],
    /// An optional reason, at most 255 bytes.
    pub reason: Option<&'a [u8]>,
}

impl Body for ByeRepr<'_> {
    fn count(&self) -> u8 {
        self.sources.len().min(usize::from(u8::MAX)) as u8
    }
    fn packet_type(&self) -> u8 {
        packet_type::BYE
    }
    fn body_len(&self) -> usize {
        4 * self.sources.len() + self.reason.map_or(0, |r| 1 + r.len())
    }
    fn check(&self) -> Result<(), EmitError> {
        if self.reason.is_some_and(|r| r.len() > 255) {
            return Err(EmitError::ValueOutOfRange);
        }
        Ok(())
    }
    fn write_body(&self, out: &mut [u8]) {
        let mut pos = HEADER_LEN;
        for &s in self.sources {
            put_u32(out, pos, s);
            pos += 4;
        }
        if let Some(r) = self.reason {
            put_u8(out, pos, r.len() as u8);
            put(out, pos + 1, r);
        }
    }
}

impl ByeRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }

    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// A validated APP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct App<'a> {
    body: &'a [u8],
    subtype: u8,
}

impl<'a> App<'a> {
    /// Validate the body of an APP packet.
    pub fn new_checked(subtype: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        if body.len() < 8 {
            return Err(ParseError::Truncated {
                needed: 12,
                got: body.len() + HEADER_LEN,
            });
        }
        Ok(App { body, subtype })
    }
    /// The 5-bit subtype.
    pub fn subtype(&self) -> u8 {
        self.subtype
    }
    /// The sender's SSRC.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// The 4-character name.
    pub fn name(&self) -> [u8; 4] {
        [
            u8_at(self.body, 4),
            u8_at(self.body, 5),
            u8_at(self.body, 6),
            u8_at(self.body, 7),
        ]
    }
    /// The application data.
    pub fn data(&self) -> &'a [u8] {
        slice(self.body, 8, self.body.len())
    }
    /// The repr that writes this packet again.
    pub fn to_repr(&self) -> AppRepr<'a> {
        AppRepr {
            subtype: self.subtype,
            ssrc: self.ssrc(),
            name: self.name(),
            data: self.data(),
        }
    }
}

/// An APP packet to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppRepr<'a> {
    /// Subtype, 0–31.
    pub subtype: u8,
    /// The sender's SSRC.
    pub ssrc: u32,
    /// 4 ASCII characters.
    pub name: [u8; 4],
    /// Data, a multiple of 4 bytes (unless padding follows).
    pub data: &'a [u8],
}

impl Body for AppRepr<'_> {
    fn count(&self) -> u8 {
        self.subtype
    }
    fn packet_type(&self) -> u8 {
        packet_type::APP
    }
    fn body_len(&self) -> usize {
        8 + self.data.len()
    }
    fn open_ended(&self) -> bool {
        true
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.ssrc);
        put(out, 8, &self.name);
        put(out, 12, self.data);
    }
}

impl AppRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::super::{Compound, RtcpPacket};
    use super::*;

    #[test]
    fn bye_and_app_roundtrip() {
        let bye = ByeRepr {
            sources: &[5, 6],
            reason: Some(b"camera off"),
        };
        let app = AppRepr {
            subtype: 3,
            ssrc: 5,
            name: *b"TEST",
            data: &[1, 2, 3, 4],
        };
        let mut buf = [0u8; 64];
        let n1 = bye.emit(&mut buf).unwrap();
        let n2 = app.emit(&mut buf[n1..]).unwrap();
        let mut it = Compound::new(&buf[..n1 + n2]);
        let Some(Ok(RtcpPacket::Bye(b))) = it.next() else {
            panic!()
        };
        assert_eq!(b.sources().collect::<heapless::Vec<u32, 2>>(), [5, 6]);
        assert_eq!(b.reason(), Some(&b"camera off"[..]));
        let Some(Ok(RtcpPacket::App(a))) = it.next() else {
            panic!()
        };
        assert_eq!(
            (a.subtype(), a.ssrc(), a.name(), a.data()),
            (3, 5, *b"TEST", &[1u8, 2, 3, 4][..])
        );
        assert!(it.next().is_none());
    }

    #[test]
    fn bye_reason_overrun() {
        let bad = [0x81, 203, 0, 2, 0, 0, 0, 1, 9, b'x', 0, 0];
        assert!(matches!(
            Compound::new(&bad).next(),
            Some(Err(ParseError::BadLength { .. }))
        ));
    }
}
