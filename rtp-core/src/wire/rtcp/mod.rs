//! RTCP (RFC 3550 §6) and its feedback messages (RFC 4585, RFC 5104, REMB, transport-wide
//! congestion control), in compound or reduced-size (RFC 5506) packets.
//!
//! [`Compound`] walks the packets of a datagram and yields a typed [`RtcpPacket`] view for
//! each; every view is validated when it is made, so its accessors never fail. To write,
//! build [`RtcpRepr`]s and [`emit_compound`] them into one buffer.

mod bye;
mod feedback;
mod report;
mod sdes;
mod twcc;

pub use bye::{App, AppRepr, Bye, ByeRepr};
pub use feedback::fmt as feedback_fmt;
pub use feedback::{
    nack_entries, Feedback, Fir, FirEntry, FirRepr, Nack, NackEntry, NackRepr, Pli, PliRepr, Remb,
    RembRepr,
};
pub use report::{ReceiverReport, ReceiverReportRepr, ReportBlock, SenderReport, SenderReportRepr};
pub use sdes::item as sdes_item;
pub use sdes::{Sdes, SdesChunk, SdesChunkRepr, SdesItem, SdesItemRepr, SdesRepr};
pub use twcc::{TransportCc, TransportCcRepr, TwccPacket, TwccStatus};

use super::bytes::{put_u16, put_u8, slice, u16_at, u8_at};
use super::error::{need, room, EmitError, ParseError};

/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611).
pub mod packet_type {
    /// Sender report.
    pub const SR: u8 = 200;
    /// Receiver report.
    pub const RR: u8 = 201;
    /// Source description.
    pub const SDES: u8 = 202;
    /// Goodbye.
    pub const BYE: u8 = 203;
    /// Application-defined.
    pub const APP: u8 = 204;
    /// Transport-layer feedback.
    pub const RTPFB: u8 = 205;
    /// Payload-specific feedback.
    pub const PSFB: u8 = 206;
    /// Extended report (RFC 3611; kept raw).
    pub const XR: u8 = 207;
}

/// Length of the common header.
pub const HEADER_LEN: usize = 4;

/// The 4-byte header every RTCP packet starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The P bit.
    pub padding: bool,
    /// The 5-bit count / format / subtype field.
    pub count: u8,
    /// The packet type.
    pub packet_type: u8,
    /// Total length of the packet in bytes, header and padding included.
    pub len: usize,
}

impl Header {
    /// Read the header at the start of `data` and check the packet fits in `data`.
    pub fn parse(data: &[u8]) -> Result<Header, ParseError> {
        need(data, HEADER_LEN)?;
        let b0 = u8_at(data, 0);
        if b0 >> 6 != 2 {
            return Err(ParseError::BadVersion { version: b0 >> 6 });
        }
        let len = (usize::from(u16_at(data, 2)) + 1) * 4;
        need(data, len)?;
        Ok(Header {
            padding: b0 & 0x20 != 0,
            count: b0 & 0x1F,
            packet_type: u8_at(data, 1),
            len,
        })
    }
}

/// Write a common header for a packet of `len` bytes (a multiple of 4, checked by callers).
pub(crate) fn write_header(out: &mut [u8], count: u8, packet_type: u8, len: usize) {
    put_u8(out, 0, 0x80 | (count & 0x1F));
    put_u8(out, 1, packet_type);
    put_u16(out, 2, (len / 4 - 1) as u16);
}

/// Check a repr's length fits the 16-bit length field and the buffer.
pub(crate) fn check_len(out: &[u8], len: usize) -> Result<(), EmitError> {
    if len / 4 > usize::from(u16::MAX) + 1 || len % 4 != 0 {
        return Err(EmitError::ValueOutOfRange);
    }
    room(out, len)
}

/// One RTCP packet of a compound datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// Sender report (200).
    SenderReport(SenderReport<'a>),
    /// Receiver report (201).
    ReceiverReport(ReceiverReport<'a>),
    /// Source description (202).
    Sdes(Sdes<'a>),
    /// Goodbye (203).
    Bye(Bye<'a>),
    /// Application-defined (204).
    App(App<'a>),
    /// Generic NACK (205/1, RFC 4585 §6.2.1).
    Nack(Nack<'a>),
    /// Transport-wide congestion control feedback (205/15).
    TransportCc(TransportCc<'a>),
    /// Picture loss indication (206/1, RFC 4585 §6.3.1).
    Pli(Pli),
    /// Full intra request (206/4, RFC 5104 §4.3.1).
    Fir(Fir<'a>),
    /// Receiver estimated maximum bitrate (206/15 with "REMB").
    Remb(Remb<'a>),
    /// Another transport-layer or payload-specific feedback message, kept raw.
    Feedback(Feedback<'a>),
    /// Another packet type (XR, …), kept raw.
    Unknown {
        /// The packet type.
        packet_type: u8,
        /// The count / subtype field.
        count: u8,
        /// The bytes after the common header, padding removed.
        body: &'a [u8],
    },
}

impl<'a> RtcpPacket<'a> {
    /// Parse one packet whose common header is at the start of `data`; returns it and its
    /// length on the wire (padding included).
    pub fn parse(data: &'a [u8]) -> Result<(RtcpPacket<'a>, usize), ParseError> {
        let h = Header::parse(data)?;
        let mut end = h.len;
        if h.padding {
            let count = u8_at(data, end - 1);
            if count == 0 || usize::from(count) > end - HEADER_LEN {
                return Err(ParseError::BadPadding { count });
            }
            end -= usize::from(count);
        }
        let body = slice(data, HEADER_LEN, end);
        Ok((Self::parse_body(h.packet_type, h.count, body)?, h.len))
    }

    fn parse_body(pt: u8, count: u8, body: &'a [u8]) -> Result<RtcpPacket<'a>, ParseError> {
        use packet_type::*;
        Ok(match pt {
            SR => RtcpPacket::SenderReport(SenderReport::new_checked(count, body)?),
            RR => RtcpPacket::ReceiverReport(ReceiverReport::new_checked(count, body)?),
            SDES => RtcpPacket::Sdes(Sdes::new_checked(count, body)?),
            BYE => RtcpPacket::Bye(Bye::new_checked(count, body)?),
            APP => RtcpPacket::App(App::new_checked(count, body)?),
            RTPFB | PSFB => feedback::parse(pt, count, body)?,
            _ => RtcpPacket::Unknown {
                packet_type: pt,
                count,
                body,
            },
        })
    }

    /// The packet type.
    pub fn packet_type(&self) -> u8 {
        use packet_type::*;
        match self {
            RtcpPacket::SenderReport(_) => SR,
            RtcpPacket::ReceiverReport(_) => RR,
            RtcpPacket::Sdes(_) => SDES,
            RtcpPacket::Bye(_) => BYE,
            RtcpPacket::App(_) => APP,
            RtcpPacket::Nack(_) | RtcpPacket::TransportCc(_) => RTPFB,
            RtcpPacket::Pli(_) | RtcpPacket::Fir(_) | RtcpPacket::Remb(_) => PSFB,
            RtcpPacket::Feedback(f) => f.packet_type,
            RtcpPacket::Unknown { packet_type, .. } => *packet_type,
        }
    }
}

/// Iterator over the packets of an RTCP datagram. After the first error it yields nothing
/// more.
///
/// It accepts reduced-size RTCP (RFC 5506): any packet type may come first. Use
/// [`Compound::validate_strict`] for RFC 3550 compound rules.
#[derive(Clone, Debug)]
pub struct Compound<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Compound<'a> {
    /// Walk the packets of `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Compound { data, pos: 0 }
    }

    /// Check every packet parses (reduced-size accepted); returns how many there are.
    pub fn validate(data: &'a [u8]) -> Result<usize, ParseError> {
        if data.is_empty() {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got: 0,
            });
        }
        let mut n = 0;
        for p in Compound::new(data) {
            p?;
            n += 1;
        }
        Ok(n)
    }

    /// Check RFC 3550 compound rules too (A.2): the first packet is SR or RR, and only the
    /// last packet is padded.
    pub fn validate_strict(data: &'a [u8]) -> Result<usize, ParseError> {
        Self::validate(data)?;
        let first = Header::parse(data)?;
        if first.packet_type != packet_type::SR && first.packet_type != packet_type::RR {
            return Err(ParseError::BadCompound);
        }
        let mut pos = 0;
        let mut n = 0;
        while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
            let h = Header::parse(rest)?;
            pos += h.len;
            n += 1;
            if h.padding && pos != data.len() {
                return Err(ParseError::BadCompound);
            }
        }
        Ok(n)
    }
}

impl<'a> Iterator for Compound<'a> {
    type Item = Result<RtcpPacket<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        match RtcpPacket::parse(rest) {
            Ok((p, len)) => {
                self.pos += len;
                Some(Ok(p))
            }
            Err(e) => {
                self.pos = self.data.len();
                Some(Err(e))
            }
        }
    }
}

/// An RTCP packet to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpRepr<'a> {
    /// Sender report.
    SenderReport(SenderReportRepr<'a>),
    /// Receiver report.
    ReceiverReport(ReceiverReportRepr<'a>),
    /// Source description.
    Sdes(SdesRepr<'a>),
    /// Goodbye.
    Bye(ByeRepr<'a>),
    /// Application-defined.
    App(AppRepr<'a>),
    /// Generic NACK.
    Nack(NackRepr<'a>),
    /// Picture loss indication.
    Pli(PliRepr),
    /// Full intra request.
    Fir(FirRepr<'a>),
    /// Receiver estimated maximum bitrate.
    Remb(RembRepr<'a>),
    /// Transport-wide congestion control feedback.
    TransportCc(TransportCcRepr<'a>),
}

impl RtcpRepr<'_> {
    /// Bytes the packet takes on the wire.
    pub fn buffer_len(&self) -> usize {
        match self {
            RtcpRepr::SenderReport(r) => r.buffer_len(),
            RtcpRepr::ReceiverReport(r) => r.buffer_len(),
            RtcpRepr::Sdes(r) => r.buffer_len(),
            RtcpRepr::Bye(r) => r.buffer_len(),
            RtcpRepr::App(r) => r.buffer_len(),
            RtcpRepr::Nack(r) => r.buffer_len(),
            RtcpRepr::Pli(r) => r.buffer_len(),
            RtcpRepr::Fir(r) => r.buffer_len(),
            RtcpRepr::Remb(r) => r.buffer_len(),
            RtcpRepr::TransportCc(r) => r.buffer_len(),
        }
    }

    /// Write the packet at the start of `out`; returns its length. `out` is untouched on
    /// error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        match self {
            RtcpRepr::SenderReport(r) => r.emit(out),
            RtcpRepr::ReceiverReport(r) => r.emit(out),
            RtcpRepr::Sdes(r) => r.emit(out),
            RtcpRepr::Bye(r) => r.emit(out),
            RtcpRepr::App(r) => r.emit(out),
            RtcpRepr::Nack(r) => r.emit(out),
            RtcpRepr::Pli(r) => r.emit(out),
            RtcpRepr::Fir(r) => r.emit(out),
            RtcpRepr::Remb(r) => r.emit(out),
            RtcpRepr::TransportCc(r) => r.emit(out),
        }
    }
}

/// Write `packets` back to back into `out` as one compound (or reduced-size) datagram;
/// returns its length. `out` is untouched when it is too small.
pub fn emit_compound(packets: &[RtcpRepr<'_>], out: &mut [u8]) -> Result<usize, EmitError> {
    let total: usize = packets.iter().map(RtcpRepr::buffer_len).sum();
    room(out, total)?;
    let mut pos = 0;
    for p in packets {
        let rest = out.get_mut(pos..).unwrap_or(&mut []);
        pos += p.emit(rest)?;
    }
    Ok(pos)
}
