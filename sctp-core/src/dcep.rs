//! The Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN and
//! DATA_CHANNEL_ACK, carried with PPID 50 on the channel's stream.
#![deny(clippy::indexing_slicing, clippy::unwrap_used)]

use crate::association::config::Reliability;
use crate::wire::{EmitError, ParseError};

/// Message type of DATA_CHANNEL_OPEN.
pub const OPEN: u8 = 0x03;
/// Message type of DATA_CHANNEL_ACK.
pub const ACK: u8 = 0x02;

/// A DCEP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dcep<'a> {
    /// DATA_CHANNEL_OPEN.
    Open(Open<'a>),
    /// DATA_CHANNEL_ACK.
    Ack,
}

/// DATA_CHANNEL_OPEN (RFC 8832 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Open<'a> {
    /// In-order delivery.
    pub ordered: bool,
    /// Reliability type and parameter.
    pub reliability: Reliability,
    /// Priority.
    pub priority: u16,
    /// Label (UTF-8).
    pub label: &'a str,
    /// Sub-protocol (UTF-8).
    pub protocol: &'a str,
}

impl<'a> Dcep<'a> {
    /// Parse a DCEP message.
    pub fn parse(b: &'a [u8]) -> Result<Self, ParseError> {
        match b.first() {
            Some(&ACK) => Ok(Dcep::Ack),
            Some(&OPEN) => Open::parse(b).map(Dcep::Open),
            Some(_) => Err(ParseError::Invalid),
            None => Err(ParseError::Truncated),
        }
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Dcep::Ack => 1,
            Dcep::Open(o) => 12 + o.label.len() + o.protocol.len(),
        }
    }

    /// Write the message; `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let needed = self.buffer_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EmitError::BufferTooSmall { needed })?;
        match self {
            Dcep::Ack => out.iter_mut().for_each(|b| *b = ACK),
            Dcep::Open(o) => o.emit(out)?,
        }
        Ok(needed)
    }
}

impl<'a> Open<'a> {
    fn parse(b: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = crate::wire::Reader::new(b);
        let _ = r.u8()?;
        let kind = r.u8()?;
        let priority = r.u16()?;
        let param = r.u32()?;
        let (llen, plen) = (usize::from(r.u16()?), usize::from(r.u16()?));
        let label = core::str::from_utf8(r.bytes(llen)?).map_err(|_| ParseError::Invalid)?;
        let protocol = core::str::from_utf8(r.bytes(plen)?).map_err(|_| ParseError::Invalid)?;
        let reliability = match kind & 0x7F {
            0x00 => Reliability::Reliable,
            0x01 => Reliability::MaxRetransmits(param),
            0x02 => Reliability::MaxLifetimeMs(param),
            _ => return Err(ParseError::Invalid),
        };
        Ok(Open {
            ordered: kind & 0x80 == 0,
            reliability,
            priority,
            label,
            protocol,
        })
    }

    fn emit(&self, out: &mut [u8]) -> Result<(), EmitError> {
        let llen = u16::try_from(self.label.len()).map_err(|_| EmitError::TooLong)?;
        let plen = u16::try_from(self.protocol.len()).map_err(|_| EmitError::TooLong)?;
        let (kind, param) = match self.reliability {
            Reliability::Reliable => (0x00, 0),
            Reliability::MaxRetransmits(n) => (0x01, n),
            Reliability::MaxLifetimeMs(ms) => (0x02, ms),
        };
        let mut w = crate::wire::Writer::new(out);
        w.u8(OPEN);
        w.u8(kind | if self.ordered { 0 } else { 0x80 });
        w.u16(self.priority);
        w.u32(param);
        w.u16(llen);
        w.u16(plen);
        w.bytes(self.label.as_bytes());
        w.bytes(self.protocol.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn rfc8832_open_layout_and_round_trip() {
        let o = Open {
            ordered: false,
            reliability: Reliability::MaxRetransmits(3),
            priority: 256,
            label: "chat",
            protocol: "x",
        };
        let mut buf = [0u8; 32];
        let n = Dcep::Open(o).emit(&mut buf).unwrap();
        // Byte layout straight from RFC 8832 §5.1.
        assert_eq!(
            &buf[..n],
            &[3, 0x81, 1, 0, 0, 0, 0, 3, 0, 4, 0, 1, b'c', b'h', b'a', b't', b'x']
        );
        assert_eq!(Dcep::parse(&buf[..n]).unwrap(), Dcep::Open(o));
        assert_eq!(Dcep::parse(&[2]).unwrap(), Dcep::Ack);
        assert!(Dcep::parse(&buf[..n - 1]).is_err());
        assert!(Dcep::parse(&[3, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Dcep::parse(&[]).is_err());
    }
}
