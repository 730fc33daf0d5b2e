//! RTP header extensions (RFC 8285): one-byte and two-byte forms, read and write, and typed
//! helpers for the extensions WebRTC uses.
//!
//! [`Extensions`] iterates over the elements of an extension block without allocating;
//! [`HeaderExtension`] describes a block to write. Typed values ([`AbsSendTime`],
//! [`TransportSequence`], [`AudioLevel`], [`Mid`], [`Rid`]) decode and encode element data;
//! which ID carries which extension is negotiated in SDP (`a=extmap`), so the mapping lives in
//! an [`ExtensionMap`] the caller fills.

use super::bytes::{put, put_u16, put_u8};
use super::error::{room, EmitError, ParseError};

/// "defined by profile" value of the one-byte form (RFC 8285 §4.2).
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// "defined by profile" value of the two-byte form, with the 4 application bits zero
/// (RFC 8285 §4.3: `0x100` followed by 4 bits).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// Which RFC 8285 form an extension block uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// One-byte headers: IDs 1–14, 1–16 bytes of data.
    OneByte,
    /// Two-byte headers: IDs 1–255, 0–255 bytes of data; `appbits` are the 4 low bits of the
    /// profile field.
    TwoByte {
        /// The 4 application-dependent bits.
        appbits: u8,
    },
}

impl ExtensionForm {
    /// The form a "defined by profile" value announces, if it is an RFC 8285 one.
    pub const fn from_profile(profile: u16) -> Option<ExtensionForm> {
        if profile == ONE_BYTE_PROFILE {
            Some(ExtensionForm::OneByte)
        } else if profile & 0xFFF0 == TWO_BYTE_PROFILE {
            Some(ExtensionForm::TwoByte {
                appbits: (profile & 0x0F) as u8,
            })
        } else {
            None
        }
    }

    /// The "defined by profile" value of this form.
    pub const fn profile(self) -> u16 {
        match self {
            ExtensionForm::OneByte => ONE_BYTE_PROFILE,
            ExtensionForm::TwoByte { appbits } => TWO_BYTE_PROFILE | (appbits as u16 & 0x0F),
        }
    }
}

/// One extension element: an ID and its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionElement<'a> {
    /// The local identifier negotiated with `a=extmap`.
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

impl<'a> ExtensionElement<'a> {
    /// An element.
    pub const fn new(id: u8, data: &'a [u8]) -> Self {
        ExtensionElement { id, data }
    }

    /// Whether it can be written in the one-byte form (ID 1–14, 1–16 bytes).
    pub const fn fits_one_byte(&self) -> bool {
        self.id >= 1 && self.id <= 14 && !self.data.is_empty() && self.data.len() <= 16
    }

    /// Whether it can be written in the two-byte form (ID 1–255, 0–255 bytes).
    pub const fn fits_two_byte(&self) -> bool {
        self.id >= 1 && self.data.len() <= 255
    }
}

/// Iterator over the elements of an RFC 8285 extension block. Yields an error once (and
/// then stops) when an element overruns the block; padding bytes are skipped; in the
/// one-byte form ID 15 stops the walk, as RFC 8285 §4.2 requires.
#[derive(Clone, Debug)]
pub struct Extensions<'a> {
    data: &'a [u8],
    pos: usize,
    form: Option<ExtensionForm>,
}

impl<'a> Extensions<'a> {
    /// Walk `data` (the block after the 4-byte extension header) in `form`.
    pub const fn new(form: ExtensionForm, data: &'a [u8]) -> Self {
        Extensions {
            data,
            pos: 0,
            form: Some(form),
        }
    }

    /// An iterator that yields nothing (no extension, or a non-RFC 8285 profile).
    pub const fn empty() -> Self {
        Extensions {
            data: &[],
            pos: 0,
            form: None,
        }
    }

    /// The data of the first element with `id`, if any (malformed tails are ignored).
    pub fn get(&self, id: u8) -> Option<&'a [u8]> {
        self.clone()
            .filter_map(Result::ok)
            .find(|e| e.id == id)
            .map(|e| e.data)
    }

    /// Check the whole block: `Ok` when every element is well formed.
    pub fn validate(&self) -> Result<(), ParseError> {
        for e in self.clone() {
            e?;
        }
        Ok(())
    }

    fn fail(&mut self) -> Option<Result<ExtensionElement<'a>, ParseError>> {
        let offset = self.pos;
        self.form = None;
        Some(Err(ParseError::BadExtension { offset }))
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Result<ExtensionElement<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let form = self.form?;
        loop {
            let &b0 = self.data.get(self.pos)?;
            if b0 == 0 {
                self.pos += 1; // padding, both forms
                continue;
            }
            let (id, len, hdr) = match form {
                ExtensionForm::OneByte => {
                    let id = b0 >> 4;
                    if id == 0 {
                        return self.fail(); // ID 0 is padding only (RFC 8285 §4.2)
                    }
                    if id == 15 {
                        self.form = None; // RFC 8285 §4.2: stop processing
                        return None;
                    }
                    (id, usize::from(b0 & 0x0F) + 1, 1)
                }
                ExtensionForm::TwoByte { .. } => match self.data.get(self.pos + 1) {
                    Some(&l) => (b0, usize::from(l), 2),
                    None => return self.fail(),
                },
            };
            let start = self.pos + hdr;
            let Some(data) = self.data.get(start..start + len) else {
                return self.fail();
            };
            self.pos = start + len;
            return Some(Ok(ExtensionElement { id, data }));
        }
    }
}

/// An extension block to write after the CSRCs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HeaderExtension<'a> {
    /// No extension (X bit clear).
    #[default]
    None,
    /// A block already encoded: the profile field and the data (a multiple of 4 bytes).
    Raw {
        /// The "defined by profile" field.
        profile: u16,
        /// The extension data, a multiple of 4 bytes long.
        data: &'a [u8],
    },
    /// RFC 8285 elements, in the one-byte form when they all fit it, else two-byte.
    Elements(&'a [ExtensionElement<'a>]),
    /// RFC 8285 elements in a given form.
    Form(ExtensionForm, &'a [ExtensionElement<'a>]),
}

impl<'a> HeaderExtension<'a> {
    /// The form elements are written in (`None` for `None` and `Raw`).
    pub fn form(&self) -> Option<ExtensionForm> {
        match *self {
            HeaderExtension::None | HeaderExtension::Raw { .. } => None,
            HeaderExtension::Form(f, _) => Some(f),
            HeaderExtension::Elements(els) => Some(if els.iter().all(|e| e.fits_one_byte()) {
                ExtensionForm::OneByte
            } else {
                ExtensionForm::TwoByte { appbits: 0 }
            }),
        }
    }

    /// Bytes the block takes on the wire, including the 4-byte header (0 for `None`), or
    /// an error when an element does not fit its form.
    pub fn buffer_len(&self) -> Result<usize, EmitError> {
        self.layout().map(|l| l.len)
    }

    /// Form and length, computed in one pass over the elements.
    #[inline]
    pub(crate) fn layout(&self) -> Result<Layout, EmitError> {
        let (form, body) = match *self {
            HeaderExtension::None => return Ok(Layout { form: None, len: 0 }),
            HeaderExtension::Raw { data, .. } => {
                if data.len() % 4 != 0 || data.len() / 4 > usize::from(u16::MAX) {
                    return Err(EmitError::ValueOutOfRange);
                }
                return Ok(Layout {
                    form: None,
                    len: 4 + data.len(),
                });
            }
            HeaderExtension::Form(form, els) => (form, elements_len(form, els)?),
            HeaderExtension::Elements(els) => {
                let (mut one, mut two, mut fits_one, mut fits_two) = (0usize, 0usize, true, true);
                for e in els {
                    fits_one &= e.fits_one_byte();
                    fits_two &= e.fits_two_byte();
                    one += 1 + e.data.len();
                    two += 2 + e.data.len();
                }
                match (fits_one, fits_two) {
                    (true, _) => (ExtensionForm::OneByte, one),
                    (false, true) => (ExtensionForm::TwoByte { appbits: 0 }, two),
                    _ => return Err(EmitError::ValueOutOfRange),
                }
            }
        };
        if body.div_ceil(4) > usize::from(u16::MAX) {
            return Err(EmitError::ValueOutOfRange);
        }
        Ok(Layout {
            form: Some(form),
            len: 4 + body.next_multiple_of(4),
        })
    }

    /// Write the block (header, elements, zero padding) at the start of `out`; returns the
    /// bytes written. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let layout = self.layout()?;
        room(out, layout.len)?;
        self.emit_with(layout, out);
        Ok(layout.len)
    }

    /// Write with a layout from [`layout`](Self::layout) into a buffer known to be large
    /// enough.
    #[inline]
    pub(crate) fn emit_with(&self, layout: Layout, out: &mut [u8]) {
        let len = layout.len;
        match (*self, layout.form) {
            (HeaderExtension::Raw { profile, data }, _) => {
                put_u16(out, 0, profile);
                put_u16(out, 2, (data.len() / 4) as u16);
                put(out, 4, data);
            }
            (HeaderExtension::Elements(els) | HeaderExtension::Form(_, els), Some(form)) => {
                put_u16(out, 0, form.profile());
                put_u16(out, 2, ((len - 4) / 4) as u16);
                let mut pos = 4;
                for e in els {
                    pos += write_element(form, e, out, pos);
                }
                for b in out.get_mut(pos..len).into_iter().flatten() {
                    *b = 0; // at most 3 bytes of padding
                }
            }
            _ => {}
        }
    }
}

/// Form and total length of an extension block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) form: Option<ExtensionForm>,
    pub(crate) len: usize,
}

fn elements_len(form: ExtensionForm, els: &[ExtensionElement<'_>]) -> Result<usize, EmitError> {
    let mut n = 0usize;
    for e in els {
        let (ok, hdr) = match form {
            ExtensionForm::OneByte => (e.fits_one_byte(), 1),
            ExtensionForm::TwoByte { .. } => (e.fits_two_byte(), 2),
        };
        if !ok {
            return Err(EmitError::ValueOutOfRange);
        }
        n += hdr + e.data.len();
    }
    if n.div_ceil(4) > usize::from(u16::MAX) {
        return Err(EmitError::ValueOutOfRange);
    }
    Ok(n)
}

/// Write one element at `out[pos..]` (space checked by the caller); returns its length.
#[inline]
fn write_element(
    form: ExtensionForm,
    e: &ExtensionElement<'_>,
    out: &mut [u8],
    pos: usize,
) -> usize {
    let len = e.data.len();
    let hdr = match form {
        ExtensionForm::OneByte => {
            put_u8(out, pos, (e.id << 4) | ((len - 1) as u8 & 0x0F));
            1
        }
        ExtensionForm::TwoByte { .. } => {
            put_u8(out, pos, e.id);
            put_u8(out, pos + 1, len as u8);
            2
        }
    };
    // Element data is short: a byte loop beats a call to memcpy.
    if let Some(dst) = out.get_mut(pos + hdr..pos + hdr + len) {
        for (d, s) in dst.iter_mut().zip(e.data) {
            *d = *s;
        }
    }
    hdr + len
}

/// `abs-send-time` (`http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time`): the send
/// time as 6.18 fixed-point seconds, 24 bits, wrapping every 64 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AbsSendTime(pub u32);

impl AbsSendTime {
    /// The extension URI.
    pub const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    /// From a 64-bit NTP timestamp (32.32 fixed point): its middle 24 bits.
    pub const fn from_ntp(ntp: u64) -> Self {
        AbsSendTime(((ntp >> 14) & 0x00FF_FFFF) as u32)
    }

    /// Decode 3 bytes of element data.
    pub fn parse(data: &[u8]) -> Option<Self> {
        match *data {
            [a, b, c] => Some(AbsSendTime(u32::from_be_bytes([0, a, b, c]))),
            _ => None,
        }
    }

    /// The 3 bytes of element data.
    pub const fn to_bytes(self) -> [u8; 3] {
        let b = self.0.to_be_bytes();
        [b[1], b[2], b[3]]
    }

    /// The time in microseconds modulo 64 s.
    pub const fn as_micros(self) -> u64 {
        ((self.0 as u64 & 0x00FF_FFFF) * 1_000_000) >> 18
    }
}

/// Transport-wide sequence number
/// (`http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransportSequence(pub u16);

impl TransportSequence {
    /// The extension URI.
    pub const URI: &'static str =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /// Decode 2 bytes of element data.
    pub fn parse(data: &[u8]) -> Option<Self> {
        match *data {
            [a, b] => Some(TransportSequence(u16::from_be_bytes([a, b]))),
            _ => None,
        }
    }

    /// The 2 bytes of element data.
    pub const fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

/// Client-to-mixer audio level (RFC 6464): voice activity and level in −dBov.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AudioLevel {
    /// The V flag: the sender believes the packet contains voice.
    pub voice: bool,
    /// The level, 0 (loudest, 0 dBov) to 127 (−127 dBov, silence).
    pub level: u8,
}

impl AudioLevel {
    /// The extension URI.
    pub const URI: &'static str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    /// Decode element data (one byte; RFC 6464 §3 also allows padding it to more).
    pub fn parse(data: &[u8]) -> Option<Self> {
        let &b = data.first()?;
        Some(AudioLevel {
            voice: b & 0x80 != 0,
            level: b & 0x7F,
        })
    }

    /// The byte of element data.
    pub const fn to_bytes(self) -> [u8; 1] {
        [((self.voice as u8) << 7) | (self.level & 0x7F)]
    }
}

/// An RFC 8285 identification string of at most 255 bytes: `mid` (RFC 8843) or `rid` /
/// `repaired-rid` (RFC 8852), borrowed from the packet.
macro_rules! token_ext {
    ($(#[$doc:meta])* $name:ident, $uri:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name<'a>(pub &'a str);

        impl<'a> $name<'a> {
            /// The extension URI.
            pub const URI: &'static str = $uri;

            /// Decode element data: non-empty UTF-8 (trailing zero bytes, which some senders
            /// use as padding, are dropped).
            pub fn parse(data: &'a [u8]) -> Option<Self> {
                let end = data.iter().rposition(|&b| b != 0)? + 1;
                core::str::from_utf8(data.get(..end)?).ok().map($name)
            }

            /// The element data.
            pub const fn as_bytes(&self) -> &'a [u8] {
                self.0.as_bytes()
            }
        }
    };
}

token_ext!(
    /// Media identification (RFC 8843 §15): which m= section a packet belongs to.
    Mid,
    "urn:ietf:params:rtp-hdrext:sdes:mid"
);
token_ext!(
    /// RTP stream identifier (RFC 8852 §3.1), used for simulcast.
    Rid,
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
);
token_ext!(
    /// Repaired RTP stream identifier (RFC 8852 §3.2), carried on RTX and FEC streams.
    RepairedRid,
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
);

/// Which local ID carries which extension, as negotiated with `a=extmap`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtensionMap {
    /// ID of `abs-send-time`.
    pub abs_send_time: Option<u8>,
    /// ID of the transport-wide sequence number.
    pub transport_sequence: Option<u8>,
    /// ID of the RFC 6464 audio level.
    pub audio_level: Option<u8>,
    /// ID of `mid`.
    pub mid: Option<u8>,
    /// ID of `rid`.
    pub rid: Option<u8>,
    /// ID of `repaired-rid`.
    pub repaired_rid: Option<u8>,
}

impl ExtensionMap {
    /// Record that `id` carries the extension named by `uri`; unknown URIs are ignored and
    /// `false` is returned.
    pub fn register(&mut self, id: u8, uri: &str) -> bool {
        let slot = match uri {
            AbsSendTime::URI => &mut self.abs_send_time,
            TransportSequence::URI => &mut self.transport_sequence,
            AudioLevel::URI => &mut self.audio_level,
            Mid::URI => &mut self.mid,
            Rid::URI => &mut self.rid,
            RepairedRid::URI => &mut self.repaired_rid,
            _ => return false,
        };
        *slot = Some(id);
        true
    }

    /// The typed extensions found in `exts`.
    pub fn decode<'a>(&self, exts: &Extensions<'a>) -> KnownExtensions<'a> {
        let mut k = KnownExtensions::default();
        for e in exts.clone().filter_map(Result::ok) {
            let id = Some(e.id);
            if id == self.abs_send_time {
                k.abs_send_time = AbsSendTime::parse(e.data);
            } else if id == self.transport_sequence {
                k.transport_sequence = TransportSequence::parse(e.data);
            } else if id == self.audio_level {
                k.audio_level = AudioLevel::parse(e.data);
            } else if id == self.mid {
                k.mid = Mid::parse(e.data);
            } else if id == self.rid {
                k.rid = Rid::parse(e.data);
            } else if id == self.repaired_rid {
                k.repaired_rid = RepairedRid::parse(e.data);
            }
        }
        k
    }
}

/// The typed extensions of one packet, decoded through an [`ExtensionMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KnownExtensions<'a> {
    /// `abs-send-time`.
    pub abs_send_time: Option<AbsSendTime>,
    /// Transport-wide sequence number.
    pub transport_sequence: Option<TransportSequence>,
    /// Audio level.
    pub audio_level: Option<AudioLevel>,
    /// `mid`.
    pub mid: Option<Mid<'a>>,
    /// `rid`.
    pub rid: Option<Rid<'a>>,
    /// `repaired-rid`.
    pub repaired_rid: Option<RepairedRid<'a>>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn one_byte_roundtrip_with_padding_and_stop() {
        let els = [
            ExtensionElement::new(1, &[0xAA]),
            ExtensionElement::new(14, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        ];
        let ext = HeaderExtension::Elements(&els);
        assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
        let mut buf = [0xFFu8; 32];
        let n = ext.emit(&mut buf).unwrap();
        assert_eq!(n, 4 + 20);
        assert_eq!(&buf[..4], &[0xBE, 0xDE, 0, 5]);
        assert_eq!(buf[4], 0x10);
        assert_eq!(&buf[n - 1..n], &[0]);
        let it = Extensions::new(ExtensionForm::OneByte, &buf[4..n]);
        let got: heapless::Vec<_, 4> = it.map(Result::unwrap).collect();
        assert_eq!(&got[..], &els[..]);
        // ID 15 stops the walk even if bytes follow.
        let stop = [0x10, 0xAB, 0xF0, 0x20, 0x01];
        assert_eq!(Extensions::new(ExtensionForm::OneByte, &stop).count(), 1);
    }

    #[test]
    fn two_byte_when_needed() {
        let els = [
            ExtensionElement::new(20, b"hello"),
            ExtensionElement::new(2, &[]),
        ];
        let ext = HeaderExtension::Elements(&els);
        assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 0 }));
        let mut buf = [0u8; 32];
        let n = ext.emit(&mut buf).unwrap();
        assert_eq!(&buf[..2], &[0x10, 0x00]);
        let got: heapless::Vec<_, 4> =
            Extensions::new(ExtensionForm::TwoByte { appbits: 0 }, &buf[4..n])
                .map(Result::unwrap)
                .collect();
        assert_eq!(&got[..], &els[..]);
    }

    #[test]
    fn overrun_is_an_error_and_bad_forms_refused() {
        let bad = [0x13, 0xAA]; // claims 4 bytes
        let mut it = Extensions::new(ExtensionForm::OneByte, &bad);
        assert!(matches!(
            it.next(),
            Some(Err(ParseError::BadExtension { offset: 0 }))
        ));
        assert!(it.next().is_none());
        let too_long = [ExtensionElement::new(15, &[1])];
        assert_eq!(
            HeaderExtension::Form(ExtensionForm::OneByte, &too_long).buffer_len(),
            Err(EmitError::ValueOutOfRange)
        );
        let mut small = [7u8; 4];
        assert_eq!(
            HeaderExtension::Elements(&[ExtensionElement::new(1, &[1, 2, 3, 4])]).emit(&mut small),
            Err(EmitError::BufferTooSmall { needed: 12 })
        );
        assert_eq!(small, [7; 4]);
    }

    #[test]
    fn typed_values() {
        let t = AbsSendTime::from_ntp(0x0000_0001_8000_0000); // 1.5 s
        assert_eq!(t.as_micros(), 1_500_000);
        assert_eq!(AbsSendTime::parse(&t.to_bytes()), Some(t));
        assert_eq!(
            TransportSequence::parse(&[0x12, 0x34]),
            Some(TransportSequence(0x1234))
        );
        let a = AudioLevel {
            voice: true,
            level: 42,
        };
        assert_eq!(AudioLevel::parse(&a.to_bytes()), Some(a));
        assert_eq!(Mid::parse(b"a1\0\0"), Some(Mid("a1")));
        assert_eq!(Rid::parse(&[0xFF, 0xFE]), None);
        let mut map = ExtensionMap::default();
        assert!(map.register(3, Mid::URI));
        assert!(map.register(5, TransportSequence::URI));
        assert!(!map.register(6, "urn:x"));
        let data = [0x31, b'v', b'0', 0x51, 0, 7, 0];
        let k = map.decode(&Extensions::new(ExtensionForm::OneByte, &data));
        assert_eq!(k.mid, Some(Mid("v0")));
        assert_eq!(k.transport_sequence, Some(TransportSequence(7)));
    }
}
