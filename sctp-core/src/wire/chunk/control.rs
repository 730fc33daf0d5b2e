//! Helpers for the small control chunks: HEARTBEAT info, cause and parameter lists.

use crate::wire::param::{kind, ErrorCause, Param, Tlvs};
use crate::wire::{List, ParseError, Writer};

/// The Heartbeat Info parameter's value (RFC 9260 §3.3.5: the only parameter).
pub(super) fn heartbeat_info(v: &[u8]) -> Result<&[u8], ParseError> {
    match Tlvs::new(v).next() {
        Some(Ok(p)) if p.kind == kind::HEARTBEAT_INFO => Ok(p.value),
        Some(Err(e)) => Err(e),
        _ => Err(ParseError::Invalid),
    }
}

/// Check every TLV of a cause list and keep it raw.
pub(super) fn causes(v: &[u8]) -> Result<List<'_, ErrorCause<'_>>, ParseError> {
    for t in Tlvs::new(v) {
        t?;
    }
    Ok(List::Raw(v))
}

/// Check every TLV of a parameter list and keep it raw.
pub(super) fn params(v: &[u8]) -> Result<List<'_, Param<'_>>, ParseError> {
    for t in Tlvs::new(v) {
        t?;
    }
    Ok(List::Raw(v))
}

pub(super) fn causes_len(l: &List<'_, ErrorCause<'_>>) -> usize {
    match l {
        List::Raw(r) => r.len(),
        List::Items(i) => i.iter().map(ErrorCause::buffer_len).sum(),
    }
}

pub(super) fn params_len(l: &List<'_, Param<'_>>) -> usize {
    match l {
        List::Raw(r) => r.len(),
        List::Items(i) => i.iter().map(Param::buffer_len).sum(),
    }
}

pub(super) fn emit_param(w: &mut Writer<'_>, p: &Param<'_>) {
    w.emit_with(p.buffer_len(), |out| p.emit(out).map(|_| ()));
}

pub(super) fn emit_causes(w: &mut Writer<'_>, l: &List<'_, ErrorCause<'_>>) {
    match l {
        List::Raw(r) => w.bytes(r),
        List::Items(i) => {
            for c in *i {
                w.emit_with(c.buffer_len(), |out| c.emit(out).map(|_| ()));
            }
        }
    }
}

pub(super) fn emit_params(w: &mut Writer<'_>, l: &List<'_, Param<'_>>) {
    match l {
        List::Raw(r) => w.bytes(r),
        List::Items(i) => {
            for p in *i {
                emit_param(w, p);
            }
        }
    }
}
