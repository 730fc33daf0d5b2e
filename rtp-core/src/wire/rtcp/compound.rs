//! Walking the packets of a datagram (with their offsets), and writing them back.

use super::body::{emit_packet, frame_len, packet_len, RawRepr};
use super::{
    packet_type, FirEntry, Header, NackEntry, ReportBlock, RtcpPacket, RtcpRepr, SdesChunkRepr,
    SdesItem, HEADER_LEN,
};
use crate::wire::bytes::slice;
use crate::wire::error::{room, EmitError, ParseError};

/// Iterator over the packets of an RTCP datagram. After the first error it yields nothing
/// more.
///
/// It accepts reduced-size RTCP (RFC 5506): any packet type may come first. Use
/// [`Compound::validate_strict`] for RFC 3550 compound rules.
#[derive(Clone, Debug)]
pub struct Compound<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Compound<'a> {
    /// Walk the packets of `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Compound { data, pos: 0 }
    }

    /// Offset in the datagram of the next packet to be read.
    pub const fn offset(&self) -> usize {
        self.pos
    }

    /// The remaining packets with where they sit in the datagram ([`Entry`]).
    pub const fn entries(&self) -> Entries<'a> {
        Entries {
            data: self.data,
            pos: self.pos,
            done: false,
        }
    }

    /// Check every packet parses (reduced-size accepted); returns how many there are.
    pub fn validate(data: &'a [u8]) -> Result<usize, ParseError> {
        if data.is_empty() {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN,
                got: 0,
            });
        }
        let mut n = 0;
        for p in Compound::new(data) {
            p?;
            n += 1;
        }
        Ok(n)
    }

    /// Check RFC 3550 compound rules too (A.2): the first packet is SR or RR, and only the
    /// last packet is padded.
    pub fn validate_strict(data: &'a [u8]) -> Result<usize, ParseError> {
        Self::validate(data)?;
        let first = Header::parse(data)?;
        if first.packet_type != packet_type::SR && first.packet_type != packet_type::RR {
            return Err(ParseError::BadCompound);
        }
        let mut pos = 0;
        let mut n = 0;
        while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
            let h = Header::parse(rest)?;
            pos += h.len;
            n += 1;
            if h.padding && pos != data.len() {
                return Err(ParseError::BadCompound);
            }
        }
        Ok(n)
    }
}

impl<'a> Iterator for Compound<'a> {
    type Item = Result<RtcpPacket<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        match RtcpPacket::parse(rest) {
            Ok((p, len)) => {
                self.pos += len;
                Some(Ok(p))
            }
            Err(e) => {
                self.pos = self.data.len();
                Some(Err(e))
            }
        }
    }
}

/// Iterator over the packets of a datagram with their place in it; made by
/// [`Compound::entries`]. After the first error it yields nothing more, and
/// [`offset`](Self::offset) stays at the packet that failed.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl Entries<'_> {
    /// Offset of the next packet (after an error: of the packet that failed).
    pub const fn offset(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        match RtcpPacket::parse_framed(rest) {
            Ok((packet, header, padding)) => {
                let entry = Entry {
                    offset: self.pos,
                    len: header.len,
                    header,
                    packet,
                    bytes: slice(rest, 0, header.len),
                    padding,
                };
                self.pos += header.len;
                Some(Ok(entry))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// One packet of a datagram: its view, where it sits, and its raw bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Offset of the packet's first byte in the datagram.
    pub offset: usize,
    /// Length on the wire, header and padding included.
    pub len: usize,
    /// The common header (P bit, count / format, packet type).
    pub header: Header,
    /// The typed view.
    pub packet: RtcpPacket<'a>,
    bytes: &'a [u8],
    padding: usize,
}

/// Room [`Entry::with_repr`] keeps on its stack for the lists a typed repr borrows; a
/// packet with longer lists comes back as [`RtcpRepr::Raw`] (still byte for byte).
mod room_for {
    pub const NACK_ENTRIES: usize = 64;
    pub const FIR_ENTRIES: usize = 32;
    pub const SDES_ITEMS: usize = 64;
}

/// Copy `it` into `store`; `None` when it does not fit.
fn collect<T>(store: &mut [T], it: impl Iterator<Item = T>) -> Option<&[T]> {
    let mut n = 0;
    for x in it {
        *store.get_mut(n)? = x;
        n += 1;
    }
    store.get(..n)
}

impl<'a> Entry<'a> {
    /// The packet's bytes in the datagram.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The bytes after the common header, padding excluded.
    pub fn body(&self) -> &'a [u8] {
        slice(self.bytes, HEADER_LEN, self.len - self.padding)
    }

    /// The RFC 3550 padding (its last byte is its length); empty without the P bit.
    pub fn padding(&self) -> &'a [u8] {
        slice(self.bytes, self.len - self.padding, self.len)
    }

    /// The packet from its raw parts.
    pub fn to_raw(&self) -> PacketRepr<'a> {
        PacketRepr {
            repr: RtcpRepr::Raw(RawRepr {
                packet_type: self.header.packet_type,
                count: self.header.count,
                body: self.body(),
            }),
            extension: &[],
            padding: self.padding(),
        }
    }

    /// Frame a typed repr like this packet: what follows its body is the extension (unless
    /// it is just the zero fill the repr writes itself), then the same padding.
    fn framed<'r>(&self, repr: Option<RtcpRepr<'r>>) -> PacketRepr<'r>
    where
        'a: 'r,
    {
        use super::body::Body;
        let body = self.body();
        let Some(repr) = repr.filter(|r| r.body_len() <= body.len()) else {
            return self.to_raw();
        };
        let rest = slice(body, repr.body_len(), body.len());
        let fill = rest.len() < 4 && rest.iter().all(|&b| b == 0);
        PacketRepr {
            repr,
            extension: if fill { &[] } else { rest },
            padding: self.padding(),
        }
    }

    /// Call `f` with a repr that emits exactly this packet's bytes: typed
    /// ([`RtcpRepr::SenderReport`], [`RtcpRepr::Nack`]…) when the typed repr can say
    /// everything the packet holds, [`RtcpRepr::Raw`] otherwise (XR and unknown types;
    /// non-zero reserved fields; lists longer than the room kept on the stack, about
    /// 2 KB). The lists the repr borrows live on this function's stack, hence the closure.
    ///
    /// ```
    /// # use rtp_core::wire::rtcp::{Compound, RtcpRepr};
    /// # let datagram = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9, 0, 0];
    /// let mut out = [0u8; 1500];
    /// let mut n = 0;
    /// for entry in Compound::new(&datagram).entries() {
    ///     let entry = entry.unwrap();
    ///     n += entry.with_repr(|p| {
    ///         let mut p = *p;
    ///         if let RtcpRepr::Nack(nack) = &mut p.repr {
    ///             nack.media_ssrc = 0x1234; // an SFU rewriting the media source
    ///         }
    ///         p.emit(&mut out[n..])
    ///     }).unwrap();
    /// }
    /// assert_eq!(&out[8..12], &[0, 0, 0x12, 0x34]);
    /// ```
    pub fn with_repr<R>(&self, f: impl FnOnce(&PacketRepr<'_>) -> R) -> R {
        match self.packet {
            RtcpPacket::SenderReport(sr) => {
                let mut blocks = [ReportBlock::default(); 31];
                let blocks = collect(&mut blocks, sr.report_blocks());
                f(&self.framed(blocks.map(|b| RtcpRepr::SenderReport(sr.to_repr(b)))))
            }
            RtcpPacket::ReceiverReport(rr) => {
                let mut blocks = [ReportBlock::default(); 31];
                let blocks = collect(&mut blocks, rr.report_blocks());
                f(&self.framed(blocks.map(|b| RtcpRepr::ReceiverReport(rr.to_repr(b)))))
            }
            RtcpPacket::Sdes(s) => {
                let mut items = [SdesItem::EMPTY; room_for::SDES_ITEMS];
                let mut chunks = [SdesChunkRepr::EMPTY; 31];
                f(&self.framed(s.to_repr(&mut chunks, &mut items).map(RtcpRepr::Sdes)))
            }
            RtcpPacket::Bye(b) => {
                let mut sources = [0u32; 31];
                let sources = collect(&mut sources, b.sources());
                f(&self.framed(sources.map(|s| RtcpRepr::Bye(b.to_repr(s)))))
            }
            RtcpPacket::App(a) => f(&self.framed(Some(RtcpRepr::App(a.to_repr())))),
            _ => self.with_feedback_repr(f),
        }
    }

    fn with_feedback_repr<R>(&self, f: impl FnOnce(&PacketRepr<'_>) -> R) -> R {
        match self.packet {
            RtcpPacket::Nack(n) => {
                let mut entries = [NackEntry { pid: 0, blp: 0 }; room_for::NACK_ENTRIES];
                let entries = collect(&mut entries, n.entries());
                f(&self.framed(entries.map(|e| RtcpRepr::Nack(n.to_repr(e)))))
            }
            RtcpPacket::Pli(p) => f(&self.framed(Some(RtcpRepr::Pli(p)))),
            RtcpPacket::Fir(x) => {
                let mut entries = [FirEntry { ssrc: 0, seq: 0 }; room_for::FIR_ENTRIES];
                let entries = collect(&mut entries, x.entries());
                f(&self.framed(entries.and_then(|e| x.to_repr(e)).map(RtcpRepr::Fir)))
            }
            RtcpPacket::Remb(r) => {
                let mut ssrcs = [0u32; 255];
                let ssrcs = collect(&mut ssrcs, r.ssrcs());
                f(&self.framed(ssrcs.and_then(|s| r.to_repr(s)).map(RtcpRepr::Remb)))
            }
            RtcpPacket::TransportCc(t) => f(&self.framed(Some(RtcpRepr::TransportCc(t.to_repr())))),
            RtcpPacket::Feedback(x) => f(&self.framed(Some(RtcpRepr::Feedback(x.to_repr())))),
            _ => f(&self.to_raw()),
        }
    }
}

/// A packet as it is on the wire: a typed [`RtcpRepr`], plus the bytes it does not model —
/// an SR/RR profile-specific extension (or whatever else a sender put after the typed
/// body) and RFC 3550 padding. [`Entry::with_repr`] makes one that re-emits a parsed packet
/// byte for byte; `From<RtcpRepr>` makes a plain one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketRepr<'a> {
    /// The typed packet.
    pub repr: RtcpRepr<'a>,
    /// Bytes written right after the typed body. With no padding it must end on a 32-bit
    /// boundary; for APP, unknown feedback and raw packets (whose body runs to the end)
    /// a parser reads it as part of the body.
    pub extension: &'a [u8],
    /// Padding (sets the P bit): zero or more bytes, then a last byte equal to the padding
    /// length (1–255). Zero fill to 32 bits is inserted before it when needed.
    pub padding: &'a [u8],
}

impl<'a> From<RtcpRepr<'a>> for PacketRepr<'a> {
    fn from(repr: RtcpRepr<'a>) -> Self {
        PacketRepr {
            repr,
            extension: &[],
            padding: &[],
        }
    }
}

impl PacketRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(&self.repr, self.extension, self.padding)
    }

    /// Write at the start of `out`; returns the length. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(&self.repr, self.extension, self.padding, out)
    }
}

/// Write `packets` back to back into `out` as one compound (or reduced-size) datagram;
/// returns its length. Every packet is checked first, so `out` is untouched on any error.
pub fn emit_compound(packets: &[RtcpRepr<'_>], out: &mut [u8]) -> Result<usize, EmitError> {
    let mut total = 0;
    for p in packets {
        total += frame_len(p, &[], &[])?;
    }
    room(out, total)?;
    let mut pos = 0;
    for p in packets {
        let rest = out.get_mut(pos..).unwrap_or(&mut []);
        pos += p.emit(rest)?;
    }
    Ok(pos)
}

/// [`emit_compound`] for [`PacketRepr`]s (extensions and padding kept).
pub fn emit_packets(packets: &[PacketRepr<'_>], out: &mut [u8]) -> Result<usize, EmitError> {
    let mut total = 0;
    for p in packets {
        total += frame_len(&p.repr, p.extension, p.padding)?;
    }
    room(out, total)?;
    let mut pos = 0;
    for p in packets {
        let rest = out.get_mut(pos..).unwrap_or(&mut []);
        pos += p.emit(rest)?;
    }
    Ok(pos)
}
