//! INIT / INIT-ACK / HEARTBEAT / RE-CONFIG parameters and error causes: TLVs of
//! RFC 9260 §3.2.1 and §3.3.10, with their typed forms.

use super::chunk::UnknownAction;
use super::{pad4, EmitError, ParseError, Reader, Writer};

/// Parameter type codes.
pub mod kind {
    /// Heartbeat Info (HEARTBEAT, HEARTBEAT-ACK).
    pub const HEARTBEAT_INFO: u16 = 1;
    /// IPv4 address.
    pub const IPV4: u16 = 5;
    /// IPv6 address.
    pub const IPV6: u16 = 6;
    /// State Cookie (INIT-ACK).
    pub const STATE_COOKIE: u16 = 7;
    /// Unrecognized Parameter (INIT-ACK).
    pub const UNRECOGNIZED: u16 = 8;
    /// Cookie Preservative.
    pub const COOKIE_PRESERVATIVE: u16 = 9;
    /// Host Name Address (deprecated).
    pub const HOST_NAME: u16 = 11;
    /// Supported Address Types.
    pub const SUPPORTED_ADDRESS_TYPES: u16 = 12;
    /// Outgoing SSN Reset Request (RFC 6525).
    pub const OUTGOING_RESET: u16 = 13;
    /// Incoming SSN Reset Request (RFC 6525).
    pub const INCOMING_RESET: u16 = 14;
    /// SSN/TSN Reset Request (RFC 6525).
    pub const SSN_TSN_RESET: u16 = 15;
    /// Re-configuration Response (RFC 6525).
    pub const RECONFIG_RESPONSE: u16 = 16;
    /// Add Outgoing Streams Request (RFC 6525).
    pub const ADD_OUTGOING: u16 = 17;
    /// Add Incoming Streams Request (RFC 6525).
    pub const ADD_INCOMING: u16 = 18;
    /// ECN Capable.
    pub const ECN: u16 = 0x8000;
    /// Zero Checksum Acceptable (RFC 9653).
    pub const ZERO_CHECKSUM: u16 = 0x8001;
    /// Random (RFC 4895).
    pub const RANDOM: u16 = 0x8002;
    /// Chunk List (RFC 4895).
    pub const CHUNK_LIST: u16 = 0x8003;
    /// Requested HMAC Algorithm (RFC 4895).
    pub const HMAC_ALGO: u16 = 0x8004;
    /// Padding (RFC 4820).
    pub const PADDING: u16 = 0x8005;
    /// Supported Extensions (RFC 5061).
    pub const SUPPORTED_EXTENSIONS: u16 = 0x8008;
    /// Forward-TSN Supported (RFC 3758).
    pub const FORWARD_TSN_SUPPORTED: u16 = 0xC000;
}

/// RFC 9653 error detection method identifier for DTLS.
pub const EDMID_DTLS: u32 = 1;

/// Reconfiguration result codes (RFC 6525 §4.4).
pub mod result {
    /// Success - Nothing to do.
    pub const NOTHING_TO_DO: u32 = 0;
    /// Success - Performed.
    pub const PERFORMED: u32 = 1;
    /// Denied.
    pub const DENIED: u32 = 2;
    /// Error - Wrong SSN.
    pub const WRONG_SSN: u32 = 3;
    /// Error - Request already in progress.
    pub const IN_PROGRESS_ERROR: u32 = 4;
    /// Error - Bad Sequence Number.
    pub const BAD_SEQUENCE: u32 = 5;
    /// In progress.
    pub const IN_PROGRESS: u32 = 6;
}

/// A parameter, typed where we use it and raw otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Param<'a> {
    /// Heartbeat Info: opaque sender data, echoed back.
    HeartbeatInfo(&'a [u8]),
    /// State Cookie: opaque.
    StateCookie(&'a [u8]),
    /// Unrecognized Parameter: the parameter TLV that was not understood.
    Unrecognized(&'a [u8]),
    /// Supported Extensions: chunk types.
    SupportedExtensions(&'a [u8]),
    /// Forward-TSN Supported.
    ForwardTsnSupported,
    /// Zero Checksum Acceptable with its error detection method.
    ZeroChecksumAcceptable(u32),
    /// Outgoing SSN Reset Request.
    OutgoingReset {
        /// Request sequence number.
        request_seq: u32,
        /// The response sequence number this request answers (if any, else the last one).
        response_seq: u32,
        /// Sender's last assigned TSN.
        last_tsn: u32,
        /// Streams (empty: all).
        streams: super::List<'a, u16>,
    },
    /// Incoming SSN Reset Request.
    IncomingReset {
        /// Request sequence number.
        request_seq: u32,
        /// Streams (empty: all).
        streams: super::List<'a, u16>,
    },
    /// SSN/TSN Reset Request.
    SsnTsnReset {
        /// Request sequence number.
        request_seq: u32,
    },
    /// Re-configuration Response.
    ReconfigResponse {
        /// The request it answers.
        response_seq: u32,
        /// A [`result`] code.
        result: u32,
        /// Sender's and receiver's next TSN (SSN/TSN reset answers only).
        tsns: Option<(u32, u32)>,
    },
    /// Add Outgoing / Incoming Streams Request.
    AddStreams {
        /// `true`: Add Incoming Streams; `false`: Add Outgoing Streams.
        incoming: bool,
        /// Request sequence number.
        request_seq: u32,
        /// Streams to add.
        count: u16,
    },
    /// Anything else, kept as TLV.
    Other {
        /// Type.
        kind: u16,
        /// Value.
        value: &'a [u8],
    },
}

/// One parameter TLV as found: its type and value (padding excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawParam<'a> {
    /// Type.
    pub kind: u16,
    /// Value.
    pub value: &'a [u8],
    /// The whole TLV (header and value, no padding), as an Unrecognized Parameter report
    /// copies it.
    pub tlv: &'a [u8],
}

impl RawParam<'_> {
    /// What to do when this type is not understood (RFC 9260 §3.2.1).
    pub fn unknown_action(&self) -> UnknownAction {
        UnknownAction::from_bits((self.kind >> 14) as u8)
    }
}

/// Walks TLVs (parameters or error causes); an `Err` item ends the walk.
#[derive(Clone, Copy, Debug)]
pub struct Tlvs<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Tlvs<'a> {
    /// Walk `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Tlvs {
            rest: bytes,
            failed: false,
        }
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<RawParam<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let mut r = Reader::new(self.rest);
        let parsed = (|| {
            let kind = r.u16()?;
            let len = usize::from(r.u16()?);
            if len < 4 {
                return Err(ParseError::BadLength);
            }
            let tlv = self.rest.get(..len).ok_or(ParseError::Truncated)?;
            let value = tlv.get(4..).unwrap_or(&[]);
            // The last TLV's padding may be missing (RFC 9260 §3.2.1: the receiver ignores it).
            let skip = pad4(len).min(self.rest.len());
            Ok((RawParam { kind, value, tlv }, skip))
        })();
        match parsed {
            Ok((p, skip)) => {
                self.rest = self.rest.get(skip..).unwrap_or(&[]);
                Some(Ok(p))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

fn u16_list<'a>(l: &super::List<'a, u16>) -> impl Iterator<Item = u16> + 'a {
    let (raw, items): (&'a [u8], &'a [u16]) = match *l {
        super::List::Raw(r) => (r, &[]),
        super::List::Items(i) => (&[], i),
    };
    raw.chunks_exact(2)
        .map(|c| {
            u16::from_be_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .chain(items.iter().copied())
}

impl<'a> Param<'a> {
    /// Decode a raw parameter.
    pub fn parse(raw: RawParam<'a>) -> Result<Self, ParseError> {
        let mut r = Reader::new(raw.value);
        Ok(match raw.kind {
            kind::HEARTBEAT_INFO => Param::HeartbeatInfo(raw.value),
            kind::STATE_COOKIE => Param::StateCookie(raw.value),
            kind::UNRECOGNIZED => Param::Unrecognized(raw.value),
            kind::SUPPORTED_EXTENSIONS => Param::SupportedExtensions(raw.value),
            kind::FORWARD_TSN_SUPPORTED => Param::ForwardTsnSupported,
            kind::ZERO_CHECKSUM => Param::ZeroChecksumAcceptable(r.u32()?),
            kind::OUTGOING_RESET => {
                let (request_seq, response_seq, last_tsn) = (r.u32()?, r.u32()?, r.u32()?);
                let rest = r.rest();
                if rest.len() % 2 != 0 {
                    return Err(ParseError::BadLength);
                }
                Param::OutgoingReset {
                    request_seq,
                    response_seq,
                    last_tsn,
                    streams: super::List::Raw(rest),
                }
            }
            kind::INCOMING_RESET => {
                let request_seq = r.u32()?;
                let rest = r.rest();
                if rest.len() % 2 != 0 {
                    return Err(ParseError::BadLength);
                }
                Param::IncomingReset {
                    request_seq,
                    streams: super::List::Raw(rest),
                }
            }
            kind::SSN_TSN_RESET => Param::SsnTsnReset {
                request_seq: r.u32()?,
            },
            kind::RECONFIG_RESPONSE => {
                let (response_seq, result) = (r.u32()?, r.u32()?);
                let tsns = match r.rest() {
                    [] => None,
                    rest => {
                        let mut r = Reader::new(rest);
                        Some((r.u32()?, r.u32()?))
                    }
                };
                Param::ReconfigResponse {
                    response_seq,
                    result,
                    tsns,
                }
            }
            kind::ADD_OUTGOING | kind::ADD_INCOMING => Param::AddStreams {
                incoming: raw.kind == kind::ADD_INCOMING,
                request_seq: r.u32()?,
                count: r.u16()?,
            },
            other => Param::Other {
                kind: other,
                value: raw.value,
            },
        })
    }

    /// Streams of a reset request.
    pub fn streams(&self) -> impl Iterator<Item = u16> + '_ {
        const EMPTY: super::List<'static, u16> = super::List::Items(&[]);
        let l: &super::List<'_, u16> = match self {
            Param::OutgoingReset { streams, .. } | Param::IncomingReset { streams, .. } => streams,
            _ => &EMPTY,
        };
        u16_list(l)
    }

    fn kind_and_len(&self) -> (u16, usize) {
        let list_len = |l: &super::List<'_, u16>| match l {
            super::List::Raw(r) => r.len(),
            super::List::Items(i) => i.len() * 2,
        };
        match self {
            Param::HeartbeatInfo(v) => (kind::HEARTBEAT_INFO, v.len()),
            Param::StateCookie(v) => (kind::STATE_COOKIE, v.len()),
            Param::Unrecognized(v) => (kind::UNRECOGNIZED, v.len()),
            Param::SupportedExtensions(v) => (kind::SUPPORTED_EXTENSIONS, v.len()),
            Param::ForwardTsnSupported => (kind::FORWARD_TSN_SUPPORTED, 0),
            Param::ZeroChecksumAcceptable(_) => (kind::ZERO_CHECKSUM, 4),
            Param::OutgoingReset { streams, .. } => (kind::OUTGOING_RESET, 12 + list_len(streams)),
            Param::IncomingReset { streams, .. } => (kind::INCOMING_RESET, 4 + list_len(streams)),
            Param::SsnTsnReset { .. } => (kind::SSN_TSN_RESET, 4),
            Param::ReconfigResponse { tsns, .. } => {
                (kind::RECONFIG_RESPONSE, if tsns.is_some() { 16 } else { 8 })
            }
            Param::AddStreams { incoming, .. } => (
                if *incoming {
                    kind::ADD_INCOMING
                } else {
                    kind::ADD_OUTGOING
                },
                8,
            ),
            Param::Other { kind, value } => (*kind, value.len()),
        }
    }

    /// Bytes `emit` writes, padding included.
    pub fn buffer_len(&self) -> usize {
        pad4(self.unpadded_len())
    }

    /// The parameter's length field: header and value, no padding.
    pub fn unpadded_len(&self) -> usize {
        4 + self.kind_and_len().1
    }

    /// Write the parameter (padded); `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let (kind, vlen) = self.kind_and_len();
        let len = u16::try_from(4 + vlen).map_err(|_| EmitError::TooLong)?;
        let needed = self.buffer_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EmitError::BufferTooSmall { needed })?;
        let mut w = Writer::new(out);
        w.u16(kind);
        w.u16(len);
        self.emit_value(&mut w);
        w.pad();
        Ok(needed)
    }

    fn emit_value(&self, w: &mut Writer<'_>) {
        match self {
            Param::HeartbeatInfo(v)
            | Param::StateCookie(v)
            | Param::Unrecognized(v)
            | Param::SupportedExtensions(v)
            | Param::Other { value: v, .. } => w.bytes(v),
            Param::ForwardTsnSupported => {}
            Param::ZeroChecksumAcceptable(m) => w.u32(*m),
            Param::OutgoingReset {
                request_seq,
                response_seq,
                last_tsn,
                streams,
            } => {
                w.u32(*request_seq);
                w.u32(*response_seq);
                w.u32(*last_tsn);
                u16_list(streams).for_each(|s| w.u16(s));
            }
            Param::IncomingReset {
                request_seq,
                streams,
            } => {
                w.u32(*request_seq);
                u16_list(streams).for_each(|s| w.u16(s));
            }
            Param::SsnTsnReset { request_seq } => w.u32(*request_seq),
            Param::ReconfigResponse {
                response_seq,
                result,
                tsns,
            } => {
                w.u32(*response_seq);
                w.u32(*result);
                if let Some((a, b)) = tsns {
                    w.u32(*a);
                    w.u32(*b);
                }
            }
            Param::AddStreams {
                request_seq, count, ..
            } => {
                w.u32(*request_seq);
                w.u16(*count);
                w.u16(0);
            }
        }
    }
}

/// Error cause codes (RFC 9260 §3.3.10, RFC 6525, RFC 4895).
pub mod cause {
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM: u16 = 1;
    /// Missing Mandatory Parameter.
    pub const MISSING_PARAM: u16 = 2;
    /// Stale Cookie Error.
    pub const STALE_COOKIE: u16 = 3;
    /// Out of Resource.
    pub const OUT_OF_RESOURCE: u16 = 4;
    /// Unresolvable Address.
    pub const UNRESOLVABLE_ADDRESS: u16 = 5;
    /// Unrecognized Chunk Type.
    pub const UNRECOGNIZED_CHUNK: u16 = 6;
    /// Invalid Mandatory Parameter.
    pub const INVALID_PARAM: u16 = 7;
    /// Unrecognized Parameters.
    pub const UNRECOGNIZED_PARAMS: u16 = 8;
    /// No User Data.
    pub const NO_USER_DATA: u16 = 9;
    /// Cookie Received While Shutting Down.
    pub const COOKIE_WHILE_SHUTTING_DOWN: u16 = 10;
    /// Restart of an Association with New Addresses.
    pub const RESTART_NEW_ADDRESSES: u16 = 11;
    /// User-Initiated Abort.
    pub const USER_ABORT: u16 = 12;
    /// Protocol Violation.
    pub const PROTOCOL_VIOLATION: u16 = 13;
}

/// An error cause of an ERROR or ABORT chunk, typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCause<'a> {
    /// Invalid Stream Identifier.
    InvalidStream(u16),
    /// Missing Mandatory Parameter: the missing types, as big-endian `u16`s.
    MissingParam(&'a [u8]),
    /// Stale Cookie: how stale, in microseconds.
    StaleCookie(u32),
    /// Out of Resource.
    OutOfResource,
    /// Unresolvable Address: the address parameter.
    UnresolvableAddress(&'a [u8]),
    /// Unrecognized Chunk Type: the chunk.
    UnrecognizedChunk(&'a [u8]),
    /// Invalid Mandatory Parameter.
    InvalidParam,
    /// Unrecognized Parameters: the parameter TLVs.
    UnrecognizedParams(&'a [u8]),
    /// No User Data: the TSN of the empty DATA chunk.
    NoUserData(u32),
    /// Cookie Received While Shutting Down.
    CookieWhileShuttingDown,
    /// Restart with New Addresses: the new address TLVs.
    RestartNewAddresses(&'a [u8]),
    /// User-Initiated Abort: upper-layer reason.
    UserAbort(&'a [u8]),
    /// Protocol Violation: additional information.
    ProtocolViolation(&'a [u8]),
    /// Another code.
    Other {
        /// Cause code.
        code: u16,
        /// Cause information.
        value: &'a [u8],
    },
}

impl<'a> ErrorCause<'a> {
    /// Decode a raw cause TLV.
    pub fn parse(raw: RawParam<'a>) -> Result<Self, ParseError> {
        let v = raw.value;
        let mut r = Reader::new(v);
        Ok(match raw.kind {
            cause::INVALID_STREAM => ErrorCause::InvalidStream(r.u16()?),
            cause::MISSING_PARAM => {
                let n = r.u32()? as usize;
                let list = r.rest();
                if list.len() < n.saturating_mul(2) {
                    return Err(ParseError::Truncated);
                }
                ErrorCause::MissingParam(list.get(..n * 2).unwrap_or(&[]))
            }
            cause::STALE_COOKIE => ErrorCause::StaleCookie(r.u32()?),
            cause::OUT_OF_RESOURCE => ErrorCause::OutOfResource,
            cause::UNRESOLVABLE_ADDRESS => ErrorCause::UnresolvableAddress(v),
            cause::UNRECOGNIZED_CHUNK => ErrorCause::UnrecognizedChunk(v),
            cause::INVALID_PARAM => ErrorCause::InvalidParam,
            cause::UNRECOGNIZED_PARAMS => ErrorCause::UnrecognizedParams(v),
            cause::NO_USER_DATA => ErrorCause::NoUserData(r.u32()?),
            cause::COOKIE_WHILE_SHUTTING_DOWN => ErrorCause::CookieWhileShuttingDown,
            cause::RESTART_NEW_ADDRESSES => ErrorCause::RestartNewAddresses(v),
            cause::USER_ABORT => ErrorCause::UserAbort(v),
            cause::PROTOCOL_VIOLATION => ErrorCause::ProtocolViolation(v),
            code => ErrorCause::Other { code, value: v },
        })
    }

    /// The cause code.
    pub fn code(&self) -> u16 {
        match self {
            ErrorCause::InvalidStream(_) => cause::INVALID_STREAM,
            ErrorCause::MissingParam(_) => cause::MISSING_PARAM,
            ErrorCause::StaleCookie(_) => cause::STALE_COOKIE,
            ErrorCause::OutOfResource => cause::OUT_OF_RESOURCE,
            ErrorCause::UnresolvableAddress(_) => cause::UNRESOLVABLE_ADDRESS,
            ErrorCause::UnrecognizedChunk(_) => cause::UNRECOGNIZED_CHUNK,
            ErrorCause::InvalidParam => cause::INVALID_PARAM,
            ErrorCause::UnrecognizedParams(_) => cause::UNRECOGNIZED_PARAMS,
            ErrorCause::NoUserData(_) => cause::NO_USER_DATA,
            ErrorCause::CookieWhileShuttingDown => cause::COOKIE_WHILE_SHUTTING_DOWN,
            ErrorCause::RestartNewAddresses(_) => cause::RESTART_NEW_ADDRESSES,
            ErrorCause::UserAbort(_) => cause::USER_ABORT,
            ErrorCause::ProtocolViolation(_) => cause::PROTOCOL_VIOLATION,
            ErrorCause::Other { code, .. } => *code,
        }
    }

    fn value_len(&self) -> usize {
        match self {
            ErrorCause::InvalidStream(_)
            | ErrorCause::StaleCookie(_)
            | ErrorCause::NoUserData(_) => 4,
            ErrorCause::MissingParam(l) => 4 + l.len(),
            ErrorCause::OutOfResource
            | ErrorCause::InvalidParam
            | ErrorCause::CookieWhileShuttingDown => 0,
            ErrorCause::UnresolvableAddress(v)
            | ErrorCause::UnrecognizedChunk(v)
            | ErrorCause::UnrecognizedParams(v)
            | ErrorCause::RestartNewAddresses(v)
            | ErrorCause::UserAbort(v)
            | ErrorCause::ProtocolViolation(v)
            | ErrorCause::Other { value: v, .. } => v.len(),
        }
    }

    /// Bytes `emit` writes, padding included.
    pub fn buffer_len(&self) -> usize {
        pad4(self.unpadded_len())
    }

    /// The cause's length field: header and value, no padding.
    pub fn unpadded_len(&self) -> usize {
        4 + self.value_len()
    }

    /// Write the cause (padded); `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let len = u16::try_from(4 + self.value_len()).map_err(|_| EmitError::TooLong)?;
        let needed = self.buffer_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EmitError::BufferTooSmall { needed })?;
        let mut w = Writer::new(out);
        w.u16(self.code());
        w.u16(len);
        match self {
            ErrorCause::InvalidStream(s) => {
                w.u16(*s);
                w.u16(0);
            }
            ErrorCause::StaleCookie(v) | ErrorCause::NoUserData(v) => w.u32(*v),
            ErrorCause::MissingParam(l) => {
                w.u32((l.len() / 2) as u32);
                w.bytes(l);
            }
            ErrorCause::OutOfResource
            | ErrorCause::InvalidParam
            | ErrorCause::CookieWhileShuttingDown => {}
            ErrorCause::UnresolvableAddress(v)
            | ErrorCause::UnrecognizedChunk(v)
            | ErrorCause::UnrecognizedParams(v)
            | ErrorCause::RestartNewAddresses(v)
            | ErrorCause::UserAbort(v)
            | ErrorCause::ProtocolViolation(v)
            | ErrorCause::Other { value: v, .. } => w.bytes(v),
        }
        w.pad();
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::wire::List;

    fn round_trip(p: Param<'_>) {
        let mut buf = [0u8; 64];
        let n = p.emit(&mut buf).unwrap();
        assert_eq!(n, p.buffer_len());
        let raw = Tlvs::new(&buf[..n]).next().unwrap().unwrap();
        let back = Param::parse(raw).unwrap();
        let mut again = [0u8; 64];
        assert_eq!(back.emit(&mut again).unwrap(), n);
        assert_eq!(buf[..n], again[..n]);
    }

    #[test]
    fn params_round_trip() {
        round_trip(Param::HeartbeatInfo(b"hello"));
        round_trip(Param::ForwardTsnSupported);
        round_trip(Param::ZeroChecksumAcceptable(EDMID_DTLS));
        round_trip(Param::SupportedExtensions(&[0x82, 0xC0, 0x40]));
        round_trip(Param::OutgoingReset {
            request_seq: 7,
            response_seq: 6,
            last_tsn: 99,
            streams: List::Items(&[1, 3, 5]),
        });
        round_trip(Param::IncomingReset {
            request_seq: 8,
            streams: List::Items(&[2]),
        });
        round_trip(Param::ReconfigResponse {
            response_seq: 7,
            result: result::PERFORMED,
            tsns: None,
        });
        round_trip(Param::ReconfigResponse {
            response_seq: 7,
            result: result::PERFORMED,
            tsns: Some((1, 2)),
        });
        round_trip(Param::AddStreams {
            incoming: true,
            request_seq: 1,
            count: 10,
        });
        round_trip(Param::SsnTsnReset { request_seq: 3 });
    }

    #[test]
    fn outgoing_reset_streams_read_back() {
        let mut buf = [0u8; 32];
        let p = Param::OutgoingReset {
            request_seq: 1,
            response_seq: 0,
            last_tsn: 5,
            streams: List::Items(&[4, 9]),
        };
        let n = p.emit(&mut buf).unwrap();
        let back = Param::parse(Tlvs::new(&buf[..n]).next().unwrap().unwrap()).unwrap();
        assert_eq!(back.streams().collect::<heapless::Vec<u16, 4>>(), [4, 9]);
    }

    #[test]
    fn causes_round_trip_and_bad_tlvs_stop() {
        let causes = [
            ErrorCause::InvalidStream(3),
            ErrorCause::MissingParam(&[0, 7]),
            ErrorCause::StaleCookie(1000),
            ErrorCause::OutOfResource,
            ErrorCause::UnresolvableAddress(&[0, 5, 0, 8, 1, 2, 3, 4]),
            ErrorCause::UnrecognizedChunk(&[0x7f, 0, 0, 4]),
            ErrorCause::InvalidParam,
            ErrorCause::UnrecognizedParams(&[0x80, 9, 0, 4]),
            ErrorCause::NoUserData(42),
            ErrorCause::CookieWhileShuttingDown,
            ErrorCause::RestartNewAddresses(&[0, 5, 0, 8, 1, 2, 3, 4]),
            ErrorCause::UserAbort(b"bye"),
            ErrorCause::ProtocolViolation(b"why"),
            ErrorCause::Other {
                code: 0x99,
                value: b"x",
            },
        ];
        for c in causes {
            let mut buf = [0u8; 32];
            let n = c.emit(&mut buf).unwrap();
            let back = ErrorCause::parse(Tlvs::new(&buf[..n]).next().unwrap().unwrap()).unwrap();
            assert_eq!(back, c);
        }
        assert_eq!(
            Tlvs::new(&[0, 1, 0, 2]).next(),
            Some(Err(ParseError::BadLength))
        );
        assert_eq!(
            Tlvs::new(&[0, 1, 0, 9, 0]).next(),
            Some(Err(ParseError::Truncated))
        );
    }
}
