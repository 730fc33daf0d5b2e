//! Codecs of an RTP media section: each payload type joined with its `a=rtpmap` (or the
//! RFC 3551 static assignment), `a=fmtp` and `a=rtcp-fb` lines, found in one pass.

use crate::attribute::SdpAttribute;
use crate::fmtp::FmtpParams;
use crate::model::Media;
use crate::types::RtcpFbSet;

/// One format of an RTP section, as the section describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Codec<'a> {
    /// The payload type.
    pub pt: u8,
    /// The encoding name (`opus`, `VP8`, `H264`, `rtx`, …; compare case-insensitively).
    pub name: &'a str,
    /// The RTP clock rate.
    pub clock_rate: u32,
    /// The channel count (audio), as written.
    pub channels: Option<u16>,
    /// The `a=fmtp` parameters (empty text when there is none).
    pub params: FmtpParams<'a>,
    /// The feedback messages this crate knows that the section lists for the format
    /// (including `a=rtcp-fb:*`).
    pub rtcp_fb: RtcpFbSet,
}

impl Codec<'_> {
    /// Whether this is an RFC 4588 retransmission format.
    pub fn is_rtx(&self) -> bool {
        self.name.eq_ignore_ascii_case("rtx")
    }
    /// The channel count, 1 when not written (RFC 8866 §6.6).
    pub fn channel_count(&self) -> u16 {
        self.channels.unwrap_or(1)
    }
    /// Same encoding name (case-insensitive), clock rate and channel count.
    pub fn same_encoding(&self, name: &str, clock_rate: u32, channels: Option<u16>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && self.clock_rate == clock_rate
            && self.channel_count() == channels.unwrap_or(1)
    }
}

/// The RFC 3551 §6 static payload types still seen: `(pt, name, clock rate, channels)`.
const STATIC: [(u8, &str, u32, Option<u16>); 8] = [
    (0, "PCMU", 8000, Some(1)),
    (3, "GSM", 8000, Some(1)),
    (4, "G723", 8000, Some(1)),
    (8, "PCMA", 8000, Some(1)),
    (9, "G722", 8000, Some(1)),
    (13, "CN", 8000, Some(1)),
    (18, "G729", 8000, Some(1)),
    (34, "H263", 90000, None),
];

/// The static assignment of payload type `pt`, if RFC 3551 defines one that is still used.
pub fn static_payload(pt: u8) -> Option<(&'static str, u32, Option<u16>)> {
    STATIC.iter().find(|s| s.0 == pt).map(|s| (s.1, s.2, s.3))
}

const NONE: u16 = u16::MAX;

/// Where each payload type's `a=rtpmap` and `a=fmtp` are in a section, and its feedback:
/// built in one pass over the attributes, then every lookup is constant time.
#[derive(Clone, Debug)]
pub struct CodecTable {
    rtpmap: [u16; 128],
    fmtp: [u16; 128],
    fb: [RtcpFbSet; 128],
    fb_all: RtcpFbSet,
}

impl CodecTable {
    /// Index the attributes of `media`.
    pub fn new<const C: usize>(media: &Media<'_, '_, C>) -> Self {
        let mut t = CodecTable {
            rtpmap: [NONE; 128],
            fmtp: [NONE; 128],
            fb: [RtcpFbSet::NONE; 128],
            fb_all: RtcpFbSet::NONE,
        };
        for (i, a) in media.attributes.iter().enumerate() {
            let i = u16::try_from(i).unwrap_or(NONE);
            match a {
                SdpAttribute::Rtpmap(r) => set_first(&mut t.rtpmap, r.pt, i),
                SdpAttribute::Fmtp { pt, .. } => set_first(&mut t.fmtp, *pt, i),
                SdpAttribute::RtcpFb { pt, kind, param } => {
                    let bits = RtcpFbSet::from_attribute(kind, *param);
                    match pt {
                        Some(pt) => {
                            if let Some(s) = t.fb.get_mut(usize::from(*pt)) {
                                *s = s.union(bits);
                            }
                        }
                        None => t.fb_all = t.fb_all.union(bits),
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// The codec for payload type `pt` of `media` (the section the table was built from):
    /// from its `a=rtpmap`, or the static assignment; `None` for an unknown dynamic type.
    pub fn codec<'a, const C: usize>(&self, media: &Media<'_, 'a, C>, pt: u8) -> Option<Codec<'a>> {
        let at = |table: &[u16; 128]| {
            let i = *table.get(usize::from(pt))?;
            media.attributes.get(usize::from(i))
        };
        let (name, clock_rate, channels) = match at(&self.rtpmap) {
            Some(SdpAttribute::Rtpmap(r)) => (r.name, r.clock_rate, r.channels),
            _ => static_payload(pt)?,
        };
        let params = match at(&self.fmtp) {
            Some(SdpAttribute::Fmtp { params, .. }) => *params,
            _ => FmtpParams::Text(""),
        };
        let fb = self.fb.get(usize::from(pt)).copied().unwrap_or_default();
        Some(Codec {
            pt,
            name,
            clock_rate,
            channels,
            params,
            rtcp_fb: fb.union(self.fb_all),
        })
    }
}

fn set_first(table: &mut [u16; 128], pt: u8, i: u16) {
    if let Some(slot) = table.get_mut(usize::from(pt)) {
        if *slot == NONE {
            *slot = i;
        }
    }
}

impl<'s, 'a, const C: usize> Media<'s, 'a, C> {
    /// The codecs of the section in `m=` order (formats without an `a=rtpmap` and without a
    /// static assignment are skipped).
    pub fn codecs(&self) -> impl Iterator<Item = Codec<'a>> + 's {
        let table = CodecTable::new(self);
        let media = *self;
        self.desc
            .payload_types()
            .iter()
            .filter_map(move |pt| table.codec(&media, *pt))
    }
}
