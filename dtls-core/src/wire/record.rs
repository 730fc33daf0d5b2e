//! The DTLS record header (RFC 6347 §4.1) and the records of one datagram.

use super::codec::{Reader, Writer};
use super::{EmitError, ParseError, DTLS_1_0, DTLS_1_2};

/// Bytes of a DTLS 1.2 record header.
pub const HEADER_LEN: usize = 13;
/// Largest record payload accepted: 2^14 plaintext plus 2048 of expansion (RFC 6347 §4.1 /
/// RFC 5246 §6.2.3).
pub const MAX_RECORD_PAYLOAD: usize = 16_384 + 2048;
/// Largest sequence number (48 bits).
pub const MAX_SEQUENCE: u64 = (1 << 48) - 1;

/// A record's content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentType {
    /// change_cipher_spec (20).
    ChangeCipherSpec,
    /// alert (21).
    Alert,
    /// handshake (22).
    Handshake,
    /// application_data (23).
    ApplicationData,
    /// Any other value (heartbeat, tls12_cid, …): ignored.
    Unknown(u8),
}

impl ContentType {
    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        match self {
            ContentType::ChangeCipherSpec => 20,
            ContentType::Alert => 21,
            ContentType::Handshake => 22,
            ContentType::ApplicationData => 23,
            ContentType::Unknown(v) => v,
        }
    }

    /// From the wire value.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            v => ContentType::Unknown(v),
        }
    }
}

/// The 13-byte header in front of every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: ContentType,
    /// Record-layer version ([`DTLS_1_2`], or [`DTLS_1_0`] around a first ClientHello).
    pub version: u16,
    /// Epoch: 0 before ChangeCipherSpec, 1 after.
    pub epoch: u16,
    /// 48-bit sequence number within the epoch.
    pub sequence: u64,
    /// Payload length.
    pub length: u16,
}

impl RecordHeader {
    /// The header at the start of `data`.
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(data);
        let content_type = ContentType::from_u8(r.u8()?);
        let version = r.u16()?;
        if version != DTLS_1_2 && version != DTLS_1_0 {
            return Err(ParseError::UnsupportedVersion(version));
        }
        let epoch = r.u16()?;
        let sequence = r.u48()?;
        let length = r.u16()?;
        if usize::from(length) > MAX_RECORD_PAYLOAD {
            return Err(ParseError::TooLong);
        }
        Ok(RecordHeader {
            content_type,
            version,
            epoch,
            sequence,
            length,
        })
    }

    /// The 64-bit `epoch || sequence` used in nonces and additional data.
    pub const fn epoch_sequence(&self) -> u64 {
        ((self.epoch as u64) << 48) | (self.sequence & MAX_SEQUENCE)
    }

    /// Write the header.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        if w.remaining() < HEADER_LEN {
            return Err(EmitError::BufferTooSmall {
                needed: w.len() + HEADER_LEN,
            });
        }
        w.u8(self.content_type.to_u8())?;
        w.u16(self.version)?;
        w.u16(self.epoch)?;
        w.u48(self.sequence)?;
        w.u16(self.length)
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let _ = self.emit(&mut Writer::new(&mut out));
        out
    }
}

/// One record of a datagram: its header and payload (still protected after epoch 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The header.
    pub header: RecordHeader,
    /// The payload: plaintext in epoch 0, `explicit nonce || ciphertext || tag` after.
    pub payload: &'a [u8],
    /// Offset of the header within the datagram.
    pub offset: usize,
}

/// The records of one datagram, in order. A malformed header ends the iteration with one
/// `Err` (the rest of the datagram cannot be framed).
#[derive(Clone, Debug)]
pub struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Records<'a> {
    /// Iterate over the records of `datagram`.
    pub const fn new(datagram: &'a [u8]) -> Self {
        Records {
            data: datagram,
            pos: 0,
            failed: false,
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let parsed = RecordHeader::parse(rest).and_then(|header| {
            let end = HEADER_LEN + usize::from(header.length);
            let payload = rest.get(HEADER_LEN..end).ok_or(ParseError::Truncated)?;
            Ok((header, payload, end))
        });
        match parsed {
            Ok((header, payload, end)) => {
                let offset = self.pos;
                self.pos += end;
                Some(Ok(Record {
                    header,
                    payload,
                    offset,
                }))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = RecordHeader {
            content_type: ContentType::Handshake,
            version: DTLS_1_2,
            epoch: 1,
            sequence: 0x0000_0102_0304_0506,
            length: 300,
        };
        let bytes = h.to_bytes();
        assert_eq!(bytes, [22, 0xfe, 0xfd, 0, 1, 1, 2, 3, 4, 5, 6, 0x01, 0x2c]);
        assert_eq!(RecordHeader::parse(&bytes), Ok(h));
        assert_eq!(h.epoch_sequence(), 0x0001_0102_0304_0506);
    }

    #[test]
    fn bad_headers_are_refused() {
        let mut bytes = [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            RecordHeader::parse(&bytes[..12]),
            Err(ParseError::Truncated)
        );
        bytes[2] = 0xfc;
        assert_eq!(
            RecordHeader::parse(&bytes),
            Err(ParseError::UnsupportedVersion(0xfefc))
        );
        bytes[2] = 0xfd;
        bytes[11] = 0x48; // 18432 > 2^14 + 2048
        bytes[12] = 0x01;
        assert_eq!(RecordHeader::parse(&bytes), Err(ParseError::TooLong));
    }

    #[test]
    fn records_of_a_datagram() {
        let mut d = [0u8; 13 + 2 + 13 + 1 + 5];
        d[..13].copy_from_slice(&[20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 7, 0, 2]);
        d[13..15].copy_from_slice(&[1, 1]);
        d[15..28].copy_from_slice(&[23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1]);
        d[28] = 0xaa;
        // A truncated third record: the iteration ends with an error.
        d[29..34].copy_from_slice(&[23, 0xfe, 0xfd, 0, 1]);
        let got: heapless::Vec<_, 4> = Records::new(&d).collect();
        assert_eq!(got.len(), 3);
        let r0 = got[0].unwrap();
        assert_eq!(
            (r0.header.content_type, r0.header.sequence, r0.payload),
            (ContentType::ChangeCipherSpec, 7, &[1u8, 1][..])
        );
        let r1 = got[1].unwrap();
        assert_eq!(
            (r1.header.epoch, r1.offset, r1.payload),
            (1, 15, &[0xaa][..])
        );
        assert_eq!(got[2], Err(ParseError::Truncated));
    }
}
