//! RTCP (RFC 3550 §6) and its feedback messages (RFC 4585, RFC 5104, REMB, transport-wide
//! congestion control), in compound or reduced-size (RFC 5506) packets.
//!
//! [`Compound`] walks the packets of a datagram and yields a typed [`RtcpPacket`] view for
//! each; every view is validated when it is made, so its accessors never fail.
//! [`Compound::entries`] also gives each packet's offset, length and padding, and
//! [`Entry::with_repr`] turns any packet back into a [`PacketRepr`] that emits the same
//! bytes (to rewrite SSRCs in forwarded feedback, say). To write, build [`RtcpRepr`]s and
//! [`emit_compound`] them into one buffer.

mod body;
mod bye;
mod compound;
mod feedback;
mod report;
mod sdes;
mod twcc;

pub use body::RawRepr;
pub use compound::{emit_compound, emit_packets, Compound, Entries, Entry, PacketRepr};

pub use bye::{App, AppRepr, Bye, ByeRepr};
pub use feedback::fmt as feedback_fmt;
pub use feedback::{
    nack_entries, Feedback, FeedbackRepr, Fir, FirEntry, FirRepr, Nack, NackEntry, NackRepr, Pli,
    PliRepr, Remb, RembRepr,
};
pub use report::{ReceiverReport, ReceiverReportRepr, ReportBlock, SenderReport, SenderReportRepr};
pub use sdes::item as sdes_item;
pub use sdes::{Sdes, SdesChunk, SdesChunkRepr, SdesItem, SdesItemRepr, SdesRepr};
pub use twcc::{TransportCc, TransportCcRepr, TwccIter, TwccPacket, TwccPackets, TwccStatus};

use super::bytes::{slice, u16_at, u8_at};
use super::error::{need, EmitError, ParseError};
use body::{emit_packet, packet_len, Body};

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
        let (p, h, _) = Self::parse_framed(data)?;
        Ok((p, h.len))
    }

    /// Parse one packet; also return its header and the length of its padding.
    pub(crate) fn parse_framed(
        data: &'a [u8],
    ) -> Result<(RtcpPacket<'a>, Header, usize), ParseError> {
        let h = Header::parse(data)?;
        let mut pad = 0;
        if h.padding {
            let count = u8_at(data, h.len - 1);
            if count == 0 || usize::from(count) > h.len - HEADER_LEN {
                return Err(ParseError::BadPadding { count });
            }
            pad = usize::from(count);
        }
        let body = slice(data, HEADER_LEN, h.len - pad);
        Ok((Self::parse_body(h.packet_type, h.count, body)?, h, pad))
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
    /// Any other feedback message, FCI raw.
    Feedback(FeedbackRepr<'a>),
    /// Any packet from its raw parts (XR, unknown types, or bytes a typed repr cannot
    /// reproduce).
    Raw(RawRepr<'a>),
}

/// Call `$f` on the repr inside any variant.
macro_rules! each {
    ($r:expr, $x:ident => $f:expr) => {
        match $r {
            RtcpRepr::SenderReport($x) => $f,
            RtcpRepr::ReceiverReport($x) => $f,
            RtcpRepr::Sdes($x) => $f,
            RtcpRepr::Bye($x) => $f,
            RtcpRepr::App($x) => $f,
            RtcpRepr::Nack($x) => $f,
            RtcpRepr::Pli($x) => $f,
            RtcpRepr::Fir($x) => $f,
            RtcpRepr::Remb($x) => $f,
            RtcpRepr::TransportCc($x) => $f,
            RtcpRepr::Feedback($x) => $f,
            RtcpRepr::Raw($x) => $f,
        }
    };
}

impl Body for RtcpRepr<'_> {
    fn count(&self) -> u8 {
        each!(self, r => r.count())
    }
    fn packet_type(&self) -> u8 {
        each!(self, r => r.packet_type())
    }
    fn body_len(&self) -> usize {
        each!(self, r => r.body_len())
    }
    fn check(&self) -> Result<(), EmitError> {
        each!(self, r => r.check())
    }
    fn open_ended(&self) -> bool {
        each!(self, r => r.open_ended())
    }
    fn write_body(&self, out: &mut [u8]) {
        each!(self, r => r.write_body(out))
    }
}

impl RtcpRepr<'_> {
    /// Bytes the packet takes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }

    /// Write the packet at the start of `out`; returns its length. `out` is untouched on
    /// error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }

    /// The packet type this repr writes.
    pub fn packet_type(&self) -> u8 {
        Body::packet_type(self)
    }
}
