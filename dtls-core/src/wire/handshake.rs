//! Handshake message headers and fragments (RFC 6347 §4.2.2).

use super::codec::{Reader, Writer};
use super::{EmitError, ParseError};

/// Bytes of a DTLS handshake header.
pub const HEADER_LEN: usize = 12;
/// The largest handshake message length the wire can express (24 bits).
pub const MAX_LENGTH: u32 = (1 << 24) - 1;

/// A handshake message type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeType {
    /// hello_request (0): a renegotiation request, refused.
    HelloRequest,
    /// client_hello (1).
    ClientHello,
    /// server_hello (2).
    ServerHello,
    /// hello_verify_request (3).
    HelloVerifyRequest,
    /// certificate (11).
    Certificate,
    /// server_key_exchange (12).
    ServerKeyExchange,
    /// certificate_request (13).
    CertificateRequest,
    /// server_hello_done (14).
    ServerHelloDone,
    /// certificate_verify (15).
    CertificateVerify,
    /// client_key_exchange (16).
    ClientKeyExchange,
    /// finished (20).
    Finished,
    /// Anything else.
    Unknown(u8),
}

impl HandshakeType {
    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        match self {
            HandshakeType::HelloRequest => 0,
            HandshakeType::ClientHello => 1,
            HandshakeType::ServerHello => 2,
            HandshakeType::HelloVerifyRequest => 3,
            HandshakeType::Certificate => 11,
            HandshakeType::ServerKeyExchange => 12,
            HandshakeType::CertificateRequest => 13,
            HandshakeType::ServerHelloDone => 14,
            HandshakeType::CertificateVerify => 15,
            HandshakeType::ClientKeyExchange => 16,
            HandshakeType::Finished => 20,
            HandshakeType::Unknown(v) => v,
        }
    }

    /// From the wire value.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0 => HandshakeType::HelloRequest,
            1 => HandshakeType::ClientHello,
            2 => HandshakeType::ServerHello,
            3 => HandshakeType::HelloVerifyRequest,
            11 => HandshakeType::Certificate,
            12 => HandshakeType::ServerKeyExchange,
            13 => HandshakeType::CertificateRequest,
            14 => HandshakeType::ServerHelloDone,
            15 => HandshakeType::CertificateVerify,
            16 => HandshakeType::ClientKeyExchange,
            20 => HandshakeType::Finished,
            v => HandshakeType::Unknown(v),
        }
    }
}

/// The 12-byte header of a handshake message or fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// Message type.
    pub msg_type: HandshakeType,
    /// Length of the whole message body.
    pub length: u32,
    /// Message sequence number within the handshake.
    pub message_seq: u16,
    /// Where this fragment starts in the body.
    pub fragment_offset: u32,
    /// Bytes of the body in this fragment.
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// The header of an unfragmented message, as the transcript hashes it.
    pub const fn whole(msg_type: HandshakeType, message_seq: u16, length: u32) -> Self {
        HandshakeHeader {
            msg_type,
            length,
            message_seq,
            fragment_offset: 0,
            fragment_length: length,
        }
    }

    /// Parse and check that the fragment lies inside the message.
    pub fn parse(r: &mut Reader<'_>) -> Result<Self, ParseError> {
        let msg_type = HandshakeType::from_u8(r.u8()?);
        let length = r.u24()?;
        let message_seq = r.u16()?;
        let fragment_offset = r.u24()?;
        let fragment_length = r.u24()?;
        if fragment_offset
            .checked_add(fragment_length)
            .is_none_or(|end| end > length)
        {
            return Err(ParseError::Invalid("fragment range"));
        }
        Ok(HandshakeHeader {
            msg_type,
            length,
            message_seq,
            fragment_offset,
            fragment_length,
        })
    }

    /// Write the header.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        if w.remaining() < HEADER_LEN {
            return Err(EmitError::BufferTooSmall {
                needed: w.len() + HEADER_LEN,
            });
        }
        w.u8(self.msg_type.to_u8())?;
        w.u24(self.length)?;
        w.u16(self.message_seq)?;
        w.u24(self.fragment_offset)?;
        w.u24(self.fragment_length)
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let _ = self.emit(&mut Writer::new(&mut out));
        out
    }

    /// Whether this fragment is the whole message.
    pub const fn is_whole(&self) -> bool {
        self.fragment_offset == 0 && self.fragment_length == self.length
    }
}

/// One handshake fragment of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// Its header.
    pub header: HandshakeHeader,
    /// `fragment_length` bytes of the body.
    pub body: &'a [u8],
}

/// The handshake fragments packed in one record's plaintext. A malformed fragment ends the
/// iteration with one `Err`.
#[derive(Clone, Debug)]
pub struct Fragments<'a> {
    reader: Reader<'a>,
    failed: bool,
}

impl<'a> Fragments<'a> {
    /// Iterate over the fragments of `plaintext`.
    pub const fn new(plaintext: &'a [u8]) -> Self {
        Fragments {
            reader: Reader::new(plaintext),
            failed: false,
        }
    }
}

impl<'a> Iterator for Fragments<'a> {
    type Item = Result<Fragment<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.is_empty() {
            return None;
        }
        let r = &mut self.reader;
        let parsed = HandshakeHeader::parse(r).and_then(|header| {
            let body = r.bytes(header.fragment_length as usize)?;
            Ok(Fragment { header, body })
        });
        if parsed.is_err() {
            self.failed = true;
        }
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_range_check() {
        let h = HandshakeHeader {
            msg_type: HandshakeType::Certificate,
            length: 1000,
            message_seq: 2,
            fragment_offset: 500,
            fragment_length: 500,
        };
        let b = h.to_bytes();
        assert_eq!(b, [11, 0, 3, 0xe8, 0, 2, 0, 1, 0xf4, 0, 1, 0xf4]);
        assert_eq!(HandshakeHeader::parse(&mut Reader::new(&b)), Ok(h));
        assert!(!h.is_whole());
        let bad = HandshakeHeader {
            fragment_length: 501,
            ..h
        };
        assert_eq!(
            HandshakeHeader::parse(&mut Reader::new(&bad.to_bytes())),
            Err(ParseError::Invalid("fragment range"))
        );
    }

    #[test]
    fn fragments_of_a_record() {
        let mut p = [0u8; 12 + 2 + 12];
        p[..12].copy_from_slice(
            &HandshakeHeader::whole(HandshakeType::ServerHelloDone, 4, 0).to_bytes(),
        );
        p[..12].copy_from_slice(
            &HandshakeHeader {
                msg_type: HandshakeType::Finished,
                length: 12,
                message_seq: 5,
                fragment_offset: 10,
                fragment_length: 2,
            }
            .to_bytes(),
        );
        p[12..14].copy_from_slice(&[7, 8]);
        p[14..].copy_from_slice(
            &HandshakeHeader::whole(HandshakeType::ServerHelloDone, 4, 0).to_bytes(),
        );
        let got: heapless::Vec<_, 4> = Fragments::new(&p).collect();
        assert_eq!(got.len(), 2);
        let f0 = got[0].unwrap();
        assert_eq!(
            (f0.header.msg_type, f0.body),
            (HandshakeType::Finished, &[7u8, 8][..])
        );
        assert_eq!(
            got[1].unwrap().header.msg_type,
            HandshakeType::ServerHelloDone
        );
        // A fragment claiming more bytes than the record holds.
        let got: heapless::Vec<_, 4> = Fragments::new(&p[..13]).collect();
        assert_eq!(got.as_slice(), [Err(ParseError::Truncated)]);
    }
}
