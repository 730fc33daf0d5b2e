//! Source description (RFC 3550 §6.5).

use super::body::{emit_packet, packet_len, Body};
use super::{packet_type, HEADER_LEN};
use crate::wire::bytes::{put, put_u32, put_u8, slice, u32_at, u8_at, zero};
use crate::wire::error::{EmitError, ParseError};

/// SDES item types (RFC 3550 §6.5, RFC 7941, RFC 8843).
pub mod item {
    /// End of the item list.
    pub const END: u8 = 0;
    /// Canonical end-point identifier.
    pub const CNAME: u8 = 1;
    /// User name.
    pub const NAME: u8 = 2;
    /// E-mail address.
    pub const EMAIL: u8 = 3;
    /// Phone number.
    pub const PHONE: u8 = 4;
    /// Location.
    pub const LOC: u8 = 5;
    /// Application or tool name.
    pub const TOOL: u8 = 6;
    /// Notice / status.
    pub const NOTE: u8 = 7;
    /// Private extension.
    pub const PRIV: u8 = 8;
    /// RTP stream identifier (RFC 7941).
    pub const RTP_STREAM_ID: u8 = 12;
    /// Repaired RTP stream identifier (RFC 7941).
    pub const REPAIRED_RTP_STREAM_ID: u8 = 13;
    /// Media identification (RFC 8843).
    pub const MID: u8 = 15;
}

/// A validated SDES packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sdes<'a> {
    body: &'a [u8],
    count: u8,
}

/// Walk one chunk at `pos`; returns the offset of the next chunk.
fn chunk_end(body: &[u8], pos: usize) -> Result<usize, ParseError> {
    let mut p = pos + 4;
    if body.len() < p {
        return Err(ParseError::Truncated {
            needed: p + HEADER_LEN,
            got: body.len() + HEADER_LEN,
        });
    }
    loop {
        match body.get(p) {
            None => {
                return Err(ParseError::BadLength {
                    offset: p + HEADER_LEN,
                })
            }
            Some(&item::END) => {
                // null item, then pad to the next 32-bit boundary
                return Ok((p + 1).next_multiple_of(4).min(body.len()));
            }
            Some(_) => {
                let len = usize::from(u8_at(body, p + 1));
                if p + 2 + len > body.len() {
                    return Err(ParseError::BadLength {
                        offset: p + HEADER_LEN,
                    });
                }
                p += 2 + len;
            }
        }
    }
}

impl<'a> Sdes<'a> {
    /// Validate the body of an SDES packet with `count` chunks.
    pub fn new_checked(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        let mut pos = 0;
        for _ in 0..count {
            pos = chunk_end(body, pos)?;
        }
        Ok(Sdes { body, count })
    }

    /// The chunks.
    pub fn chunks(&self) -> impl Iterator<Item = SdesChunk<'a>> + 'a {
        let body = self.body;
        let mut pos = 0;
        (0..self.count).map_while(move |_| {
            let end = chunk_end(body, pos).ok()?;
            let c = SdesChunk {
                data: slice(body, pos, end),
            };
            pos = end;
            Some(c)
        })
    }

    /// Whether [`SdesRepr`] re-emits these chunks byte for byte: every chunk ends with
    /// zero octets up to a 32-bit boundary inside the packet, as RFC 3550 §6.5 asks.
    fn canonical(&self) -> bool {
        self.chunks().all(|c| {
            let items: usize = c.items().map(|i| 2 + i.value.len()).sum();
            let end = 4 + items;
            c.data.len() == (end + 1).next_multiple_of(4)
                && slice(c.data, end, c.data.len()).iter().all(|&b| b == 0)
        })
    }

    /// A repr whose chunks and items live in `chunks` and `items`; `None` when they are
    /// too small or when the chunks' end-of-list padding is not the zeros
    /// [`SdesRepr::emit`] writes. Declare `chunks` in the scope that uses the repr (31
    /// entries always suffice); `items` can be reused across packets.
    pub fn to_repr<'s>(
        &self,
        chunks: &'s mut [SdesChunkRepr<'s>],
        items: &'s mut [SdesItem<'a>],
    ) -> Option<SdesRepr<'s>> {
        if !self.canonical() {
            return None;
        }
        let mut n = 0;
        for c in self.chunks() {
            for i in c.items() {
                *items.get_mut(n)? = i;
                n += 1;
            }
        }
        let items: &'s [SdesItem<'a>] = items;
        let mut at = 0;
        let mut k = 0;
        for c in self.chunks() {
            let count = c.items().count();
            *chunks.get_mut(k)? = SdesChunkRepr {
                ssrc: c.ssrc(),
                items: items.get(at..at + count)?,
            };
            at += count;
            k += 1;
        }
        let chunks: &'s [SdesChunkRepr<'s>] = chunks;
        Some(SdesRepr {
            chunks: chunks.get(..k)?,
        })
    }
}

/// One SDES chunk: an SSRC and its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    data: &'a [u8],
}

impl<'a> SdesChunk<'a> {
    /// The source described.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.data, 0)
    }

    /// The items.
    pub fn items(&self) -> impl Iterator<Item = SdesItem<'a>> + 'a {
        let data = self.data;
        let mut pos = 4;
        core::iter::from_fn(move || {
            let kind = *data.get(pos)?;
            if kind == item::END {
                return None;
            }
            let len = usize::from(*data.get(pos + 1)?);
            let value = data.get(pos + 2..pos + 2 + len)?;
            pos += 2 + len;
            Some(SdesItem { kind, value })
        })
    }

    /// The CNAME item's value, if present.
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|i| i.kind == item::CNAME)
            .map(|i| i.value)
    }
}

/// An SDES item (also the repr to write one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SdesItem<'a> {
    /// The item type (see [`item`]).
    pub kind: u8,
    /// The value (at most 255 bytes), normally UTF-8.
    pub value: &'a [u8],
}

/// An SDES item to write.
pub type SdesItemRepr<'a> = SdesItem<'a>;

impl SdesItem<'_> {
    /// A placeholder (type 0, empty) to initialise storage arrays with.
    pub const EMPTY: SdesItem<'static> = SdesItem {
        kind: item::END,
        value: &[],
    };
}

/// A chunk to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdesChunkRepr<'a> {
    /// The source described.
    pub ssrc: u32,
    /// Its items (type 0 is not allowed).
    pub items: &'a [SdesItemRepr<'a>],
}

impl SdesChunkRepr<'_> {
    /// A placeholder (SSRC 0, no items) to initialise storage arrays with.
    pub const EMPTY: SdesChunkRepr<'static> = SdesChunkRepr {
        ssrc: 0,
        items: &[],
    };

    fn len(&self) -> usize {
        let items: usize = self.items.iter().map(|i| 2 + i.value.len()).sum();
        (4 + items + 1).next_multiple_of(4)
    }
}

/// An SDES packet to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdesRepr<'a> {
    /// At most 31 chunks.
    pub chunks: &'a [SdesChunkRepr<'a>],
}

impl Body for SdesRepr<'_> {
    fn count(&self) -> u8 {
        self.chunks.len().min(usize::from(u8::MAX)) as u8
    }
    fn packet_type(&self) -> u8 {
        packet_type::SDES
    }
    fn body_len(&self) -> usize {
        self.chunks.iter().map(SdesChunkRepr::len).sum::<usize>()
    }
    fn check(&self) -> Result<(), EmitError> {
        let bad_item = |i: &SdesItem<'_>| i.kind == item::END || i.value.len() > 255;
        if self.chunks.iter().any(|c| c.items.iter().any(bad_item)) {
            return Err(EmitError::ValueOutOfRange);
        }
        Ok(())
    }
    fn write_body(&self, out: &mut [u8]) {
        let mut pos = HEADER_LEN;
        for c in self.chunks {
            let end = pos + c.len();
            put_u32(out, pos, c.ssrc);
            let mut p = pos + 4;
            for i in c.items {
                put_u8(out, p, i.kind);
                put_u8(out, p + 1, i.value.len() as u8);
                put(out, p + 2, i.value);
                p += 2 + i.value.len();
            }
            zero(out, p, end); // END item and padding
            pos = end;
        }
    }
}

impl SdesRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }

    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::super::{Compound, RtcpPacket};
    use super::*;

    #[test]
    fn roundtrip_two_chunks() {
        let i1 = [SdesItem {
            kind: item::CNAME,
            value: b"user@host",
        }];
        let i2 = [
            SdesItem {
                kind: item::CNAME,
                value: b"ab",
            },
            SdesItem {
                kind: item::TOOL,
                value: b"rtp-core",
            },
        ];
        let chunks = [
            SdesChunkRepr {
                ssrc: 1,
                items: &i1,
            },
            SdesChunkRepr {
                ssrc: 2,
                items: &i2,
            },
        ];
        let mut buf = [0u8; 64];
        let n = SdesRepr { chunks: &chunks }.emit(&mut buf).unwrap();
        assert_eq!(n % 4, 0);
        let Some(Ok(RtcpPacket::Sdes(s))) = Compound::new(&buf[..n]).next() else {
            panic!()
        };
        let got: heapless::Vec<SdesChunk<'_>, 2> = s.chunks().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].ssrc(), got[0].cname()),
            (1, Some(&b"user@host"[..]))
        );
        assert_eq!(got[1].items().nth(1), Some(i2[1]));
    }

    #[test]
    fn overrunning_item_rejected() {
        // one chunk, CNAME claiming 10 bytes with only 2 present
        let bad = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 10, b'a', b'b'];
        assert!(matches!(
            Compound::new(&bad).next(),
            Some(Err(ParseError::BadLength { .. }))
        ));
    }
}
