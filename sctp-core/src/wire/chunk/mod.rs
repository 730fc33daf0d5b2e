//! Chunks (RFC 9260 §3.3 and extensions): raw TLV walk, typed [`Chunk`], both ways.

mod control;
mod data;
mod forward_tsn;
mod init;
mod sack;

pub use data::Data;
pub use forward_tsn::{ForwardTsn, ForwardTsnEntry};
pub use init::Init;
pub use sack::Sack;

use super::param::{ErrorCause, Param, Tlvs};
use super::{pad4, EmitError, List, ParseError, Reader, Writer};

/// Chunk type codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkType;

impl ChunkType {
    /// Payload Data.
    pub const DATA: u8 = 0;
    /// Initiation.
    pub const INIT: u8 = 1;
    /// Initiation Acknowledgement.
    pub const INIT_ACK: u8 = 2;
    /// Selective Acknowledgement.
    pub const SACK: u8 = 3;
    /// Heartbeat Request.
    pub const HEARTBEAT: u8 = 4;
    /// Heartbeat Acknowledgement.
    pub const HEARTBEAT_ACK: u8 = 5;
    /// Abort.
    pub const ABORT: u8 = 6;
    /// Shutdown.
    pub const SHUTDOWN: u8 = 7;
    /// Shutdown Acknowledgement.
    pub const SHUTDOWN_ACK: u8 = 8;
    /// Operation Error.
    pub const ERROR: u8 = 9;
    /// State Cookie.
    pub const COOKIE_ECHO: u8 = 10;
    /// Cookie Acknowledgement.
    pub const COOKIE_ACK: u8 = 11;
    /// Shutdown Complete.
    pub const SHUTDOWN_COMPLETE: u8 = 14;
    /// I-DATA (RFC 8260).
    pub const I_DATA: u8 = 0x40;
    /// RE-CONFIG (RFC 6525).
    pub const RECONFIG: u8 = 0x82;
    /// PAD (RFC 4820).
    pub const PAD: u8 = 0x84;
    /// FORWARD-TSN (RFC 3758).
    pub const FORWARD_TSN: u8 = 0xC0;
    /// I-FORWARD-TSN (RFC 8260).
    pub const I_FORWARD_TSN: u8 = 0xC2;
}

/// What to do with a chunk or parameter type we do not understand: its two upper bits
/// (RFC 9260 §3.2 and §3.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownAction {
    /// `00`: stop processing, discard the rest.
    Stop,
    /// `01`: stop, discard the rest, and report it.
    StopAndReport,
    /// `10`: skip it and continue.
    Skip,
    /// `11`: skip it, continue, and report it.
    SkipAndReport,
}

impl UnknownAction {
    /// From the two upper bits (`0..=3`).
    pub fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => UnknownAction::Stop,
            1 => UnknownAction::StopAndReport,
            2 => UnknownAction::Skip,
            _ => UnknownAction::SkipAndReport,
        }
    }

    /// Whether processing goes on after it.
    pub fn continues(self) -> bool {
        matches!(self, UnknownAction::Skip | UnknownAction::SkipAndReport)
    }

    /// Whether it is reported to the peer.
    pub fn reports(self) -> bool {
        matches!(
            self,
            UnknownAction::StopAndReport | UnknownAction::SkipAndReport
        )
    }
}

/// One chunk TLV as found in a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawChunk<'a> {
    /// Chunk type.
    pub kind: u8,
    /// Chunk flags.
    pub flags: u8,
    /// Chunk value (after the 4-byte header, without padding).
    pub value: &'a [u8],
}

impl RawChunk<'_> {
    /// What to do if the type is not understood.
    pub fn unknown_action(&self) -> UnknownAction {
        UnknownAction::from_bits(self.kind >> 6)
    }

    /// Bytes `emit` writes, padding included.
    pub fn buffer_len(&self) -> usize {
        pad4(4 + self.value.len())
    }

    /// Write the chunk back (padded).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let len = u16::try_from(4 + self.value.len()).map_err(|_| EmitError::TooLong)?;
        let needed = self.buffer_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EmitError::BufferTooSmall { needed })?;
        let mut w = Writer::new(out);
        w.u8(self.kind);
        w.u8(self.flags);
        w.u16(len);
        w.bytes(self.value);
        w.pad();
        Ok(needed)
    }
}

/// Walks the chunks of a packet; an `Err` item ends the walk.
#[derive(Clone, Copy, Debug)]
pub struct RawChunks<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> RawChunks<'a> {
    /// Walk `bytes` (what follows the common header).
    pub fn new(bytes: &'a [u8]) -> Self {
        RawChunks {
            rest: bytes,
            failed: false,
        }
    }
}

impl<'a> Iterator for RawChunks<'a> {
    type Item = Result<RawChunk<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let mut r = Reader::new(self.rest);
        let parsed = (|| {
            let (kind, flags, len) = (r.u8()?, r.u8()?, usize::from(r.u16()?));
            if len < 4 {
                return Err(ParseError::BadLength);
            }
            let value = self.rest.get(4..len).ok_or(ParseError::Truncated)?;
            Ok((
                RawChunk { kind, flags, value },
                pad4(len).min(self.rest.len()),
            ))
        })();
        match parsed {
            Ok((c, skip)) => {
                self.rest = self.rest.get(skip..).unwrap_or(&[]);
                Some(Ok(c))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// A chunk, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunk<'a> {
    /// DATA or I-DATA.
    Data(Data<'a>),
    /// INIT.
    Init(Init<'a>),
    /// INIT-ACK.
    InitAck(Init<'a>),
    /// SACK.
    Sack(Sack<'a>),
    /// HEARTBEAT carrying this Heartbeat Info.
    Heartbeat(&'a [u8]),
    /// HEARTBEAT-ACK echoing this Heartbeat Info.
    HeartbeatAck(&'a [u8]),
    /// ABORT; `t`: the tag is the sender's own ("reflected").
    Abort {
        /// T bit.
        t: bool,
        /// Error causes.
        causes: List<'a, ErrorCause<'a>>,
    },
    /// SHUTDOWN.
    Shutdown {
        /// Cumulative TSN ack.
        cum_tsn: u32,
    },
    /// SHUTDOWN-ACK.
    ShutdownAck,
    /// SHUTDOWN-COMPLETE.
    ShutdownComplete {
        /// T bit.
        t: bool,
    },
    /// ERROR.
    Error {
        /// Error causes.
        causes: List<'a, ErrorCause<'a>>,
    },
    /// COOKIE-ECHO with the cookie.
    CookieEcho(&'a [u8]),
    /// COOKIE-ACK.
    CookieAck,
    /// FORWARD-TSN or I-FORWARD-TSN.
    ForwardTsn(ForwardTsn<'a>),
    /// RE-CONFIG with its parameters.
    ReConfig {
        /// Request and response parameters.
        params: List<'a, Param<'a>>,
    },
    /// PAD with this many padding bytes.
    Pad(usize),
    /// A type this crate does not decode (see [`RawChunk::unknown_action`]).
    Unknown(RawChunk<'a>),
}

impl<'a> Chunk<'a> {
    /// Decode a raw chunk.
    pub fn parse(raw: RawChunk<'a>) -> Result<Self, ParseError> {
        let v = raw.value;
        let t = raw.flags & 1 != 0;
        Ok(match raw.kind {
            ChunkType::DATA => Chunk::Data(Data::parse(raw.flags, v, false)?),
            ChunkType::I_DATA => Chunk::Data(Data::parse(raw.flags, v, true)?),
            ChunkType::INIT => Chunk::Init(Init::parse(v)?),
            ChunkType::INIT_ACK => Chunk::InitAck(Init::parse(v)?),
            ChunkType::SACK => Chunk::Sack(Sack::parse(v)?),
            ChunkType::HEARTBEAT => Chunk::Heartbeat(control::heartbeat_info(v)?),
            ChunkType::HEARTBEAT_ACK => Chunk::HeartbeatAck(control::heartbeat_info(v)?),
            ChunkType::ABORT => Chunk::Abort {
                t,
                causes: control::causes(v)?,
            },
            ChunkType::SHUTDOWN => Chunk::Shutdown {
                cum_tsn: Reader::new(v).u32()?,
            },
            ChunkType::SHUTDOWN_ACK => Chunk::ShutdownAck,
            ChunkType::SHUTDOWN_COMPLETE => Chunk::ShutdownComplete { t },
            ChunkType::ERROR => Chunk::Error {
                causes: control::causes(v)?,
            },
            ChunkType::COOKIE_ECHO => Chunk::CookieEcho(v),
            ChunkType::COOKIE_ACK => Chunk::CookieAck,
            ChunkType::FORWARD_TSN => Chunk::ForwardTsn(ForwardTsn::parse(v, false)?),
            ChunkType::I_FORWARD_TSN => Chunk::ForwardTsn(ForwardTsn::parse(v, true)?),
            ChunkType::RECONFIG => Chunk::ReConfig {
                params: control::params(v)?,
            },
            ChunkType::PAD => Chunk::Pad(v.len()),
            _ => Chunk::Unknown(raw),
        })
    }

    /// Type, flags and value length.
    fn header(&self) -> (u8, u8, usize) {
        match self {
            Chunk::Data(d) => (d.chunk_type(), d.flags(), d.value_len()),
            Chunk::Init(i) => (ChunkType::INIT, 0, i.value_len()),
            Chunk::InitAck(i) => (ChunkType::INIT_ACK, 0, i.value_len()),
            Chunk::Sack(s) => (ChunkType::SACK, 0, s.value_len()),
            Chunk::Heartbeat(i) => (ChunkType::HEARTBEAT, 0, pad4(4 + i.len())),
            Chunk::HeartbeatAck(i) => (ChunkType::HEARTBEAT_ACK, 0, pad4(4 + i.len())),
            Chunk::Abort { t, causes } => {
                (ChunkType::ABORT, u8::from(*t), control::causes_len(causes))
            }
            Chunk::Shutdown { .. } => (ChunkType::SHUTDOWN, 0, 4),
            Chunk::ShutdownAck => (ChunkType::SHUTDOWN_ACK, 0, 0),
            Chunk::ShutdownComplete { t } => (ChunkType::SHUTDOWN_COMPLETE, u8::from(*t), 0),
            Chunk::Error { causes } => (ChunkType::ERROR, 0, control::causes_len(causes)),
            Chunk::CookieEcho(c) => (ChunkType::COOKIE_ECHO, 0, c.len()),
            Chunk::CookieAck => (ChunkType::COOKIE_ACK, 0, 0),
            Chunk::ForwardTsn(f) => (f.chunk_type(), 0, f.value_len()),
            Chunk::ReConfig { params } => (ChunkType::RECONFIG, 0, control::params_len(params)),
            Chunk::Pad(n) => (ChunkType::PAD, 0, *n),
            Chunk::Unknown(r) => (r.kind, r.flags, r.value.len()),
        }
    }

    /// Bytes `emit` writes, padding included.
    pub fn buffer_len(&self) -> usize {
        pad4(4 + self.header().2)
    }

    /// Padding of a final parameter or cause, which the chunk length does not count
    /// (RFC 9260 §3.2: it becomes the chunk's own padding).
    fn trailing_pad(&self) -> usize {
        fn last_param(l: &List<'_, Param<'_>>) -> usize {
            match l {
                List::Items(i) => i.last().map_or(0, |p| p.buffer_len() - p.unpadded_len()),
                List::Raw(_) => 0,
            }
        }
        fn last_cause(l: &List<'_, ErrorCause<'_>>) -> usize {
            match l {
                List::Items(i) => i.last().map_or(0, |c| c.buffer_len() - c.unpadded_len()),
                List::Raw(_) => 0,
            }
        }
        match self {
            Chunk::Init(i) | Chunk::InitAck(i) => last_param(&i.params),
            Chunk::ReConfig { params } => last_param(params),
            Chunk::Abort { causes, .. } | Chunk::Error { causes } => last_cause(causes),
            Chunk::Heartbeat(info) | Chunk::HeartbeatAck(info) => pad4(info.len()) - info.len(),
            _ => 0,
        }
    }

    /// Write the chunk (padded); `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let (kind, flags, vlen) = self.header();
        let len = u16::try_from(4 + vlen - self.trailing_pad()).map_err(|_| EmitError::TooLong)?;
        let needed = pad4(4 + vlen);
        let out = out
            .get_mut(..needed)
            .ok_or(EmitError::BufferTooSmall { needed })?;
        let mut w = Writer::new(out);
        w.u8(kind);
        w.u8(flags);
        w.u16(len);
        self.emit_value(&mut w);
        w.pad();
        Ok(needed)
    }

    fn emit_value(&self, w: &mut Writer<'_>) {
        match self {
            Chunk::Data(d) => d.emit_value(w),
            Chunk::Init(i) | Chunk::InitAck(i) => i.emit_value(w),
            Chunk::Sack(s) => s.emit_value(w),
            Chunk::Heartbeat(info) | Chunk::HeartbeatAck(info) => {
                control::emit_param(w, &Param::HeartbeatInfo(info))
            }
            Chunk::Abort { causes, .. } | Chunk::Error { causes } => {
                control::emit_causes(w, causes)
            }
            Chunk::Shutdown { cum_tsn } => w.u32(*cum_tsn),
            Chunk::ShutdownAck | Chunk::ShutdownComplete { .. } | Chunk::CookieAck => {}
            Chunk::CookieEcho(c) => w.bytes(c),
            Chunk::ForwardTsn(f) => f.emit_value(w),
            Chunk::ReConfig { params } => control::emit_params(w, params),
            Chunk::Pad(n) => (0..*n).for_each(|_| w.u8(0)),
            Chunk::Unknown(r) => w.bytes(r.value),
        }
    }
}

/// Iterate a list of parameters.
pub fn params<'a>(
    l: &List<'a, Param<'a>>,
) -> impl Iterator<Item = Result<Param<'a>, ParseError>> + 'a {
    let (raw, items): (&'a [u8], &'a [Param<'a>]) = match *l {
        List::Raw(r) => (r, &[]),
        List::Items(i) => (&[], i),
    };
    Tlvs::new(raw)
        .map(|r| r.and_then(Param::parse))
        .chain(items.iter().map(|p| Ok(*p)))
}

/// Iterate a list of error causes.
pub fn causes<'a>(
    l: &List<'a, ErrorCause<'a>>,
) -> impl Iterator<Item = Result<ErrorCause<'a>, ParseError>> + 'a {
    let (raw, items): (&'a [u8], &'a [ErrorCause<'a>]) = match *l {
        List::Raw(r) => (r, &[]),
        List::Items(i) => (&[], i),
    };
    Tlvs::new(raw)
        .map(|r| r.and_then(ErrorCause::parse))
        .chain(items.iter().map(|p| Ok(*p)))
}
