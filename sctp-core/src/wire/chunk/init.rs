//! INIT and INIT-ACK (RFC 9260 §3.3.2, §3.3.3).

use crate::wire::param::Param;
use crate::wire::{List, ParseError, Reader, Writer};

/// The body of INIT and INIT-ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Init<'a> {
    /// Initiate Tag: the tag the peer must put on packets to the sender.
    pub initiate_tag: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    /// Number of outbound streams.
    pub outbound_streams: u16,
    /// Number of inbound streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// Optional and variable-length parameters.
    pub params: List<'a, Param<'a>>,
}

impl<'a> Init<'a> {
    pub(super) fn parse(v: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(v);
        let init = Init {
            initiate_tag: r.u32()?,
            a_rwnd: r.u32()?,
            outbound_streams: r.u16()?,
            inbound_streams: r.u16()?,
            initial_tsn: r.u32()?,
            params: List::Raw(r.rest()),
        };
        // RFC 9260 §3.3.2: a zero tag or zero stream counts are invalid.
        if init.initiate_tag == 0 || init.outbound_streams == 0 || init.inbound_streams == 0 {
            return Err(ParseError::Invalid);
        }
        // Parameter TLVs must at least be well-formed.
        if let List::Raw(raw) = init.params {
            for p in crate::wire::param::Tlvs::new(raw) {
                p?;
            }
        }
        Ok(init)
    }

    /// The parameters, decoded lazily.
    pub fn params(&self) -> impl Iterator<Item = Result<Param<'a>, ParseError>> + 'a {
        super::params(&self.params)
    }

    pub(super) fn value_len(&self) -> usize {
        16 + match self.params {
            List::Raw(r) => r.len(),
            List::Items(i) => i.iter().map(Param::buffer_len).sum(),
        }
    }

    pub(super) fn emit_value(&self, w: &mut Writer<'_>) {
        w.u32(self.initiate_tag);
        w.u32(self.a_rwnd);
        w.u16(self.outbound_streams);
        w.u16(self.inbound_streams);
        w.u32(self.initial_tsn);
        super::control::emit_params(w, &self.params);
    }
}
