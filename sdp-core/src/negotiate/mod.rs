//! Offer/answer (RFC 3264, JSEP RFC 8829, BUNDLE RFC 9143): build an offer, answer one, and
//! turn an exchange into one [`Negotiated`] value.
//!
//! ```text
//! answerer:  offer = parse(text)  →  answer = create_answer(&offer, &local, &caps)
//!            negotiate(&offer, &answer, SdpRole::Answerer)      → Negotiated
//! offerer:   offer = create_offer(&local, &caps)  …  answer = parse(text)
//!            negotiate(&offer, &answer, SdpRole::Offerer)       → Negotiated
//! ```

mod answer;
mod build;
mod config;
mod offer;
mod result;

pub use answer::{create_answer, create_answer_into};
pub use config::{
    Capabilities, CodecCap, DataCaps, Extension, LocalSession, LocalTrack, MediaCaps,
};
pub use offer::{create_offer, RTP_PROTO, SCTP_PROTO};
pub use result::{
    negotiate, negotiate_into, IceParameters, Negotiated, NegotiatedCodec, NegotiatedMedia,
    RemoteTrack, SctpParameters, SdpRole,
};

use crate::error::{BuildError, Limit};
use core::fmt;

/// An offer could not be answered, or an offer and answer do not fit together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NegotiationError {
    /// A fixed capacity was exceeded.
    TooMany(Limit),
    /// The answer does not have one section per offered section (RFC 3264 §6).
    SectionCount {
        /// Sections in the offer.
        offer: usize,
        /// Sections in the answer.
        answer: usize,
    },
    /// Section `index` has different media kinds in offer and answer.
    KindMismatch {
        /// The section.
        index: usize,
    },
    /// Section `index` has different mids in offer and answer.
    MidMismatch {
        /// The section.
        index: usize,
    },
    /// Every section was rejected: there is no transport.
    NothingAccepted,
    /// The transport section `index` lacks `a=ice-ufrag` or `a=ice-pwd`.
    MissingIce {
        /// The section.
        index: usize,
    },
    /// The transport section `index` lacks `a=fingerprint`.
    MissingFingerprint {
        /// The section.
        index: usize,
    },
    /// `a=setup` cannot be answered (`holdconn`) or the answer's is not `active`/`passive`.
    BadSetup,
    /// The answer lists payload type `pt` in section `index`, which the offer does not have.
    UnknownPayloadType {
        /// The section.
        index: usize,
        /// The payload type.
        pt: u8,
    },
    /// The answer maps payload type `pt` of section `index` to another codec than the offer.
    CodecMismatch {
        /// The section.
        index: usize,
        /// The payload type.
        pt: u8,
    },
}

impl From<BuildError> for NegotiationError {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::TooMany(l) => NegotiationError::TooMany(l),
            // The builders push in order; these cannot happen, report them as capacity.
            _ => NegotiationError::TooMany(Limit::Attributes),
        }
    }
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::TooMany(l) => write!(f, "too many {l}"),
            NegotiationError::SectionCount { offer, answer } => {
                write!(f, "offer has {offer} media sections, answer {answer}")
            }
            NegotiationError::KindMismatch { index } => {
                write!(f, "media section {index}: kinds differ")
            }
            NegotiationError::MidMismatch { index } => {
                write!(f, "media section {index}: mids differ")
            }
            NegotiationError::NothingAccepted => f.write_str("every media section was rejected"),
            NegotiationError::MissingIce { index } => {
                write!(f, "media section {index}: no ICE ufrag/pwd")
            }
            NegotiationError::MissingFingerprint { index } => {
                write!(f, "media section {index}: no fingerprint")
            }
            NegotiationError::BadSetup => f.write_str("unusable a=setup"),
            NegotiationError::UnknownPayloadType { index, pt } => {
                write!(
                    f,
                    "media section {index}: payload type {pt} was not offered"
                )
            }
            NegotiationError::CodecMismatch { index, pt } => {
                write!(
                    f,
                    "media section {index}: payload type {pt} names another codec"
                )
            }
        }
    }
}

impl core::error::Error for NegotiationError {}
