//! SACK (RFC 9260 §3.3.4).

use crate::wire::{List, ParseError, Reader, Writer};

/// A selective acknowledgement: `gaps` are (start, end) offsets from `cum_tsn`, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sack<'a> {
    /// Cumulative TSN Ack.
    pub cum_tsn: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    /// Gap Ack Blocks.
    pub gaps: List<'a, (u16, u16)>,
    /// Duplicate TSNs.
    pub dups: List<'a, u32>,
}

impl<'a> Sack<'a> {
    pub(super) fn parse(v: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(v);
        let cum_tsn = r.u32()?;
        let a_rwnd = r.u32()?;
        let ngaps = usize::from(r.u16()?);
        let ndups = usize::from(r.u16()?);
        let gaps = r.bytes(ngaps * 4)?;
        let dups = r.bytes(ndups * 4)?;
        Ok(Sack {
            cum_tsn,
            a_rwnd,
            gaps: List::Raw(gaps),
            dups: List::Raw(dups),
        })
    }

    /// The gap ack blocks.
    pub fn gaps(&self) -> impl Iterator<Item = (u16, u16)> + 'a {
        let (raw, items): (&'a [u8], &'a [(u16, u16)]) = match self.gaps {
            List::Raw(r) => (r, &[]),
            List::Items(i) => (&[], i),
        };
        raw.chunks_exact(4)
            .map(|c| {
                let mut r = Reader::new(c);
                (r.u16().unwrap_or(0), r.u16().unwrap_or(0))
            })
            .chain(items.iter().copied())
    }

    /// The duplicate TSNs.
    pub fn dups(&self) -> impl Iterator<Item = u32> + 'a {
        let (raw, items): (&'a [u8], &'a [u32]) = match self.dups {
            List::Raw(r) => (r, &[]),
            List::Items(i) => (&[], i),
        };
        raw.chunks_exact(4)
            .map(|c| Reader::new(c).u32().unwrap_or(0))
            .chain(items.iter().copied())
    }

    fn counts(&self) -> (usize, usize) {
        let g = match self.gaps {
            List::Raw(r) => r.len() / 4,
            List::Items(i) => i.len(),
        };
        let d = match self.dups {
            List::Raw(r) => r.len() / 4,
            List::Items(i) => i.len(),
        };
        (g, d)
    }

    pub(super) fn value_len(&self) -> usize {
        let (g, d) = self.counts();
        12 + 4 * (g + d)
    }

    pub(super) fn emit_value(&self, w: &mut Writer<'_>) {
        let (g, d) = self.counts();
        w.u32(self.cum_tsn);
        w.u32(self.a_rwnd);
        w.u16(g as u16);
        w.u16(d as u16);
        for (s, e) in self.gaps() {
            w.u16(s);
            w.u16(e);
        }
        for t in self.dups() {
            w.u32(t);
        }
    }
}
