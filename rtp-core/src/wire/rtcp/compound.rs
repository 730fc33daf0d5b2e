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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    extern crate std;
    use super::super::{
        sdes_item as item, FeedbackRepr, NackRepr, Pli, RembRepr, SdesRepr, SenderReportRepr,
        TransportCcRepr, TwccPackets,
    };
    use super::*;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Walk `datagram`, re-emit every packet through `with_repr`; returns the repr kinds.
    fn reemit(datagram: &[u8]) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        let mut whole = std::vec![0u8; datagram.len()];
        let mut pos = 0;
        for e in Compound::new(datagram).entries() {
            let e = e.unwrap();
            assert_eq!(e.offset, pos);
            assert_eq!(e.bytes(), &datagram[pos..pos + e.len]);
            let kind = e.with_repr(|p| {
                let mut out = std::vec![0u8; p.buffer_len()];
                assert_eq!(p.emit(&mut out), Ok(e.len));
                assert_eq!(out, e.bytes(), "{p:?}");
                assert_eq!(emit_packets(&[*p], &mut whole[pos..]), Ok(e.len));
                kind(&p.repr)
            });
            kinds.push(kind);
            pos += e.len;
        }
        assert_eq!(pos, datagram.len());
        assert_eq!(whole, datagram);
        kinds
    }

    fn kind(r: &RtcpRepr<'_>) -> &'static str {
        match r {
            RtcpRepr::SenderReport(_) => "SR",
            RtcpRepr::ReceiverReport(_) => "RR",
            RtcpRepr::Sdes(_) => "SDES",
            RtcpRepr::Bye(_) => "BYE",
            RtcpRepr::App(_) => "APP",
            RtcpRepr::Nack(_) => "NACK",
            RtcpRepr::Pli(_) => "PLI",
            RtcpRepr::Fir(_) => "FIR",
            RtcpRepr::Remb(_) => "REMB",
            RtcpRepr::TransportCc(_) => "TWCC",
            RtcpRepr::Feedback(_) => "FB",
            RtcpRepr::Raw(_) => "RAW",
        }
    }

    /// Datagrams GStreamer 1.22's rtpbin sent (captured on loopback: a VP8 sender, and a
    /// receiver with NACK, FIR and transport-cc enabled behind 2.5 % loss).
    const GSTREAMER: [(&str, &[&str]); 7] = [
        // SR + SDES (CNAME, TOOL)
        ("80c8000626a61d18eeb8e832b5193708ea22ec690000005b00014d9881ca000c26a61d18011c757365723231333035393837353140686f73742d396333626533376406094753747265616d6572000000", &["SR", "SDES"]),
        // SR + SDES + BYE at end of stream
        ("80c8000626a61d18eeb8e83a199ae924ea2d135e000001500004eb1b81ca000c26a61d18011c757365723231333035393837353140686f73742d396333626533376406094753747265616d657200000081cb000126a61d18", &["SR", "SDES", "BYE"]),
        // RR (one block, cumulative loss -1) + SDES + FIR
        ("81c9000715c4bd8926a61d1800ffffff000065130000007a000000000000000081ca000c15c4bd89011c757365723431303337303739383540686f73742d323234646361376206094753747265616d657200000084ce000415c4bd890000000026a61d1801000000", &["RR", "SDES", "FIR"]),
        // RR + SDES + NACK
        ("80c9000115c4bd8981ca000915c4bd89011c757365723431303337303739383540686f73742d3232346463613762000081cd000315c4bd8926a61d1865160000", &["RR", "SDES", "NACK"]),
        // RR + SDES + FIR + NACK
        ("80c9000115c4bd8981ca000915c4bd89011c757365723431303337303739383540686f73742d3232346463613762000084ce000415c4bd890000000026a61d180300000081cd000315c4bd8926a61d18653e0000", &["RR", "SDES", "FIR", "NACK"]),
        // transport-wide feedback, alone: run-length chunks, zero fill without the P bit
        ("8fcd000615c4bd8926a61d1800000004000012002004a70104000000", &["TWCC"]),
        ("8fcd000615c4bd8926a61d18011e0003000097fa2003db0101000000", &["TWCC"]),
    ];

    #[test]
    fn gstreamer_datagrams_reemit_byte_for_byte() {
        for (h, kinds) in GSTREAMER {
            let d = hex(h);
            assert_eq!(reemit(&d), kinds, "{h}");
        }
        // The chunks GStreamer chose (one run-length chunk for 4 packets) are not the ones
        // our encoder picks, which is why TWCC keeps them as encoded.
        let d = hex(GSTREAMER[5].0);
        let Some(Ok(RtcpPacket::TransportCc(t))) = Compound::new(&d).next() else {
            panic!()
        };
        let deltas: Vec<Option<i16>> = t
            .packets()
            .map(|p| match p.status {
                super::super::TwccStatus::Received { delta } => Some(delta),
                super::super::TwccStatus::NotReceived => None,
            })
            .collect();
        assert_eq!(deltas, [Some(0xa7), Some(1), Some(4), Some(0)]);
        let ours = TransportCcRepr {
            packets: TwccPackets::Deltas(&deltas),
            ..t.to_repr()
        };
        let mut out = [0u8; 64];
        let n = ours.emit(&mut out).unwrap();
        assert_ne!(&out[..n], &d[..]);
        assert_eq!(t.to_repr().emit(&mut out), Ok(d.len()));
        assert_eq!(&out[..d.len()], &d[..]);
    }

    #[test]
    fn offsets_lengths_and_errors() {
        let mut d = hex(GSTREAMER[4].0);
        let spans: Vec<(usize, usize)> = Compound::new(&d)
            .entries()
            .map(|e| e.map(|e| (e.offset, e.len)).unwrap())
            .collect();
        assert_eq!(spans, [(0, 8), (8, 40), (48, 20), (68, 16)]);
        // break the third packet's length: two entries, then its error, then nothing
        d[50..52].copy_from_slice(&[0, 40]);
        let mut it = Compound::new(&d).entries();
        assert!(it.next().unwrap().is_ok() && it.next().unwrap().is_ok());
        assert_eq!(it.offset(), 48);
        assert!(matches!(it.next(), Some(Err(ParseError::Truncated { .. }))));
        assert_eq!(it.offset(), 48);
        assert!(it.next().is_none());
        // entries() starts where the plain iterator stopped
        let mut c = Compound::new(&d);
        c.next();
        assert_eq!(
            (c.offset(), c.entries().next().unwrap().unwrap().offset),
            (8, 8)
        );
    }

    #[test]
    fn extension_and_padding_are_kept() {
        let sr = SenderReportRepr {
            ssrc: 7,
            ntp_time: 1 << 40,
            rtp_time: 90,
            packet_count: 1,
            octet_count: 2,
            reports: &[],
        };
        let p = PacketRepr {
            repr: RtcpRepr::SenderReport(sr),
            extension: &[1, 2, 3, 4, 5, 6, 7, 8],
            padding: &[0, 0, 0, 4],
        };
        let mut buf = [0u8; 64];
        let n = p.emit(&mut buf).unwrap();
        assert_eq!((n, buf[0]), (4 + 24 + 8 + 4, 0xA0));
        let e = Compound::new(&buf[..n]).entries().next().unwrap().unwrap();
        assert_eq!((e.padding(), e.header.padding), (&[0u8, 0, 0, 4][..], true));
        let RtcpPacket::SenderReport(v) = e.packet else {
            panic!()
        };
        assert_eq!(v.extension(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        e.with_repr(|q| assert_eq!(*q, p));
        assert_eq!(reemit(&buf[..n]), ["SR"]);

        // libwebrtc's transport-wide feedback: the deltas end off a 32-bit boundary and
        // the P bit pads the packet (where GStreamer zero-fills).
        let twcc = TransportCcRepr {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_seq: 100,
            reference_time: -3,
            fb_count: 7,
            packets: TwccPackets::Deltas(&[Some(4), None, Some(1000)]),
        };
        let p = PacketRepr {
            repr: RtcpRepr::TransportCc(twcc),
            extension: &[],
            padding: &[0, 0, 3],
        };
        let n = p.emit(&mut buf).unwrap();
        assert_eq!((n, buf[0], buf[n - 1]), (28, 0xAF, 3));
        assert_eq!(reemit(&buf[..n]), ["TWCC"]);
        // BYE whose reason ends off a boundary, padded
        let bye = PacketRepr {
            repr: RtcpRepr::Bye(super::super::ByeRepr {
                sources: &[9],
                reason: Some(b"ab"),
            }),
            extension: &[],
            padding: &[0, 0, 0, 0, 0, 6],
        };
        let n = bye.emit(&mut buf).unwrap();
        assert_eq!(reemit(&buf[..n]), ["BYE"]);
        Compound::new(&buf[..n])
            .entries()
            .next()
            .unwrap()
            .unwrap()
            .with_repr(|q| assert_eq!(*q, bye));
    }

    #[test]
    fn packets_typed_reprs_cannot_say_come_back_raw() {
        let cases: [(&str, &str); 7] = [
            // FIR with a media SSRC (RFC 5104 says 0)
            ("84ce000400000001000000090000000a05000000", "RAW"),
            // FIR with a non-zero reserved byte
            ("84ce00040000000100000000000000aa05000100", "RAW"),
            // SDES chunk whose end-of-list padding is not zero
            ("81ca0003000000010102787900ff0000", "RAW"),
            // REMB with a non-minimal exponent (mantissa 1, exponent 4)
            ("8fce0005000000010000000052454d4201100001000000aa", "RAW"),
            // the same REMB with the exponent libwebrtc and we write: typed
            ("8fce0005000000010000000052454d4201000010000000aa", "REMB"),
            // XR (RFC 3611), kept raw
            ("80cf000200000001deadbeef", "RAW"),
            // an RTPFB format we do not decode (TMMBR)
            ("83cd00040000000100000000000000050c000001", "FB"),
        ];
        for (h, want) in cases {
            let d = hex(h);
            assert_eq!(reemit(&d), [want], "{h}");
        }
        // a REMB written by us is typed
        let r = RtcpRepr::Remb(RembRepr {
            sender_ssrc: 1,
            bitrate: 123_456_789,
            ssrcs: &[5, 6],
        });
        let mut buf = [0u8; 64];
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(reemit(&buf[..n]), ["REMB"]);
    }

    #[test]
    fn emit_rejects_bad_framing_and_leaves_out_untouched() {
        let pli = RtcpRepr::Pli(Pli {
            sender_ssrc: 1,
            media_ssrc: 2,
        });
        let mut buf = [0xEEu8; 64];
        let bad = [
            PacketRepr {
                repr: pli,
                extension: &[1, 2],
                padding: &[],
            }, // unaligned
            PacketRepr {
                repr: pli,
                extension: &[],
                padding: &[0, 0, 0, 3],
            }, // count != len
            PacketRepr {
                repr: pli,
                extension: &[],
                padding: &[0, 0, 0, 0],
            },
        ];
        for p in bad {
            assert_eq!(p.emit(&mut buf), Err(EmitError::ValueOutOfRange), "{p:?}");
        }
        // APP data must end on a boundary unless padding follows
        let app = |data| {
            RtcpRepr::App(super::super::AppRepr {
                subtype: 1,
                ssrc: 1,
                name: *b"TEST",
                data,
            })
        };
        assert_eq!(
            app(&[1, 2, 3]).emit(&mut buf),
            Err(EmitError::ValueOutOfRange)
        );
        let padded = PacketRepr {
            repr: app(&[1, 2, 3]),
            extension: &[],
            padding: &[1],
        };
        assert_eq!(padded.emit(&mut buf), Ok(16));
        assert_eq!(reemit(&buf[..16]), ["APP"]);
        // a compound with one bad packet writes nothing
        let mut out = [0xEEu8; 64];
        let items = [super::super::SdesItem {
            kind: item::END,
            value: b"x",
        }];
        let chunks = [super::super::SdesChunkRepr {
            ssrc: 1,
            items: &items,
        }];
        let reprs = [pli, RtcpRepr::Sdes(SdesRepr { chunks: &chunks })];
        assert_eq!(
            emit_compound(&reprs, &mut out),
            Err(EmitError::ValueOutOfRange)
        );
        assert_eq!(out, [0xEE; 64]);
        let nack = RtcpRepr::Nack(NackRepr {
            sender_ssrc: 1,
            media_ssrc: 2,
            entries: &[],
        });
        let fb = RtcpRepr::Feedback(FeedbackRepr {
            packet_type: 205,
            fmt: 32,
            sender_ssrc: 1,
            media_ssrc: 2,
            fci: &[],
        });
        assert_eq!(
            emit_compound(&[nack, fb], &mut out),
            Err(EmitError::ValueOutOfRange)
        );
        assert_eq!(out, [0xEE; 64]);
        assert_eq!(
            emit_compound(&[nack, pli], &mut out[..20]),
            Err(EmitError::BufferTooSmall { needed: 24 })
        );
        assert_eq!(out, [0xEE; 64]);
    }
}
