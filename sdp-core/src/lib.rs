//! # sdp-core
//!
//! placeholder
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod attribute;
mod candidate;
mod codec;
mod error;
pub mod fmtp;
pub mod fuzzing;
mod model;
pub mod negotiate;
mod parse;
mod text;
mod types;
mod write;

pub use attribute::{Attribute, Extmap, RidDirection, Rtpmap, MAX_GROUP_SSRCS};
pub use candidate::{Candidate, CandidateType};
pub use codec::{static_payload, Codec, CodecTable};
pub use error::{AttributeKind, BuildError, EmitError, Limit, ParseError, ParseErrorKind};
pub use fmtp::FmtpParams;
pub use model::{
    Formats, Group, Media, MediaDescription, SessionDescription, Timing, DEFAULT_ATTRIBUTES,
    DEFAULT_FORMATS, DEFAULT_MEDIA, MAX_BANDWIDTHS, MAX_GROUPS, MAX_MISC_LINES,
};
pub use types::{
    Bandwidth, Connection, Direction, DtlsRole, Fingerprint, Line, MediaKind, Origin, RtcpFbSet,
    Setup,
};
