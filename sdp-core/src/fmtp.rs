//! Format parameters (`a=fmtp`): the generic `key=value;…` list, and the codecs whose
//! parameters decide compatibility — H.264 (RFC 6184 §8.1–8.2), RTX (RFC 4588), Opus
//! (RFC 7587), VP9 and AV1 profiles.

use core::fmt;

/// The parameters of an `a=fmtp` line: text as written (everything parsed is text), or a
/// typed value this crate writes in answers and offers.
///
/// Equality and hashing follow the written form, so a typed value equals the text it is
/// written as (`Rtx { apt: 96, .. }` equals `Text("apt=96")`) and `parse(emit(x)) == x`.
#[derive(Clone, Copy, Debug)]
pub enum FmtpParams<'a> {
    /// As written after the payload type (may be empty).
    Text(&'a str),
    /// RTX (RFC 4588 §8.6): `apt=<pt>[;rtx-time=<ms>]`.
    Rtx {
        /// The associated (original) payload type.
        apt: u8,
        /// How long the sender keeps packets for retransmission, in ms.
        rtx_time: Option<u32>,
    },
    /// H.264 (RFC 6184 §8.1).
    H264(H264Params),
}

impl<'a> FmtpParams<'a> {
    /// The value of parameter `key` (case-insensitive) for text parameters. Parameters
    /// without `=` (RED's `111/111`) have no value.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        match self {
            FmtpParams::Text(t) => params(t)
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v),
            _ => None,
        }
    }
    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        matches!(self, FmtpParams::Text(t) if t.trim().is_empty())
    }
    /// The associated payload type of an RTX format.
    pub fn apt(&self) -> Option<u8> {
        match self {
            FmtpParams::Rtx { apt, .. } => Some(*apt),
            FmtpParams::Text(_) => self.get("apt").and_then(|v| v.parse().ok()),
            FmtpParams::H264(_) => None,
        }
    }
}

impl fmt::Display for FmtpParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FmtpParams::Text(t) => f.write_str(t),
            FmtpParams::Rtx { apt, rtx_time } => {
                write!(f, "apt={apt}")?;
                match rtx_time {
                    Some(t) => write!(f, ";rtx-time={t}"),
                    None => Ok(()),
                }
            }
            FmtpParams::H264(h) => h.fmt(f),
        }
    }
}

/// A writer that checks its input against `expected`, piece by piece.
struct Compare<'e> {
    rest: &'e str,
    equal: bool,
}

impl fmt::Write for Compare<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) => self.rest = rest,
            None => self.equal = false,
        }
        Ok(())
    }
}

/// Whether `v` is written exactly as `text`.
fn writes_as(v: &FmtpParams<'_>, text: &str) -> bool {
    let mut c = Compare {
        rest: text,
        equal: true,
    };
    let _ = fmt::write(&mut c, format_args!("{v}"));
    c.equal && c.rest.is_empty()
}

/// A stack buffer for the typed forms (their longest is about 70 bytes).
struct Small {
    buf: [u8; 96],
    len: usize,
}

impl fmt::Write for Small {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl PartialEq for FmtpParams<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FmtpParams::Text(a), FmtpParams::Text(b)) => a == b,
            (FmtpParams::Text(t), v) | (v, FmtpParams::Text(t)) => writes_as(v, t),
            (a, b) => {
                let mut s = Small {
                    buf: [0; 96],
                    len: 0,
                };
                let _ = fmt::write(&mut s, format_args!("{a}"));
                let text = s
                    .buf
                    .get(..s.len)
                    .and_then(|b| core::str::from_utf8(b).ok());
                text.is_some_and(|t| writes_as(b, t))
            }
        }
    }
}

impl Eq for FmtpParams<'_> {}

/// Feeds the written form to a hasher (so equal values hash equally).
struct HashWriter<'h, H: core::hash::Hasher>(&'h mut H);

impl<H: core::hash::Hasher> fmt::Write for HashWriter<'_, H> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Byte by byte, so the chunking of the written form does not matter.
        s.bytes().for_each(|b| self.0.write_u8(b));
        Ok(())
    }
}

impl core::hash::Hash for FmtpParams<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let _ = fmt::write(&mut HashWriter(state), format_args!("{self}"));
    }
}

/// The `key[=value]` pairs of a parameter list separated by `;` (spaces around them allowed).
pub fn params(text: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (p, None),
        })
}

/// The H.264 profiles WebRTC endpoints distinguish (RFC 6184 §8.1 and libwebrtc's table):
/// a profile is a `profile_idc` plus a pattern of constraint flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum H264Profile {
    /// Constrained Baseline (e.g. `42e0xx`, `4d80xx`).
    ConstrainedBaseline,
    /// Baseline (`4200xx`).
    Baseline,
    /// Main (`4d00xx`).
    Main,
    /// High (`6400xx`).
    High,
    /// Constrained High (`640cxx`).
    ConstrainedHigh,
    /// Predictive High 4:4:4 (`f400xx`).
    PredictiveHigh444,
}

/// `(profile_idc, mask, value, profile)`: `profile_iop & mask == value`.
const PROFILE_PATTERNS: [(u8, u8, u8, H264Profile); 9] = [
    (0x42, 0x4F, 0x40, H264Profile::ConstrainedBaseline),
    (0x4D, 0x8F, 0x80, H264Profile::ConstrainedBaseline),
    (0x58, 0xCF, 0xC0, H264Profile::ConstrainedBaseline),
    (0x42, 0x4F, 0x00, H264Profile::Baseline),
    (0x58, 0xCF, 0x80, H264Profile::Baseline),
    (0x4D, 0xAF, 0x00, H264Profile::Main),
    (0x64, 0xFF, 0x00, H264Profile::High),
    (0x64, 0xFF, 0x0C, H264Profile::ConstrainedHigh),
    (0xF4, 0xFF, 0x00, H264Profile::PredictiveHigh444),
];

/// `profile-level-id`: three bytes, `profile_idc`, `profile-iop` (constraint flags) and
/// `level_idc` (RFC 6184 §8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProfileLevelId {
    /// `profile_idc`.
    pub profile_idc: u8,
    /// `profile-iop`: constraint_set0..5 flags in the top six bits.
    pub profile_iop: u8,
    /// `level_idc` (10 × level, 9 or 11 with constraint_set3 for level 1b).
    pub level_idc: u8,
}

impl ProfileLevelId {
    /// RFC 6184's default when the parameter is absent: Baseline, level 1 (`420010`).
    pub const DEFAULT: Self = ProfileLevelId {
        profile_idc: 0x42,
        profile_iop: 0x00,
        level_idc: 10,
    };

    /// From six hex digits.
    pub fn parse(hex: &str) -> Option<Self> {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        let [_, profile_idc, profile_iop, level_idc] = v.to_be_bytes();
        Some(ProfileLevelId {
            profile_idc,
            profile_iop,
            level_idc,
        })
    }

    /// The profile, or `None` for combinations WebRTC does not name.
    pub fn profile(&self) -> Option<H264Profile> {
        PROFILE_PATTERNS
            .iter()
            .find(|(idc, mask, value, _)| {
                *idc == self.profile_idc && self.profile_iop & mask == *value
            })
            .map(|p| p.3)
    }

    /// Whether both name the same profile (RFC 6184 §8.2.2: the profile must match, the
    /// level may differ). Unnamed profiles match only the identical `profile_idc` and flags.
    pub fn same_profile(&self, other: &Self) -> bool {
        match (self.profile(), other.profile()) {
            (Some(a), Some(b)) => a == b,
            _ => self.profile_idc == other.profile_idc && self.profile_iop == other.profile_iop,
        }
    }

    fn has_1b_flag(&self) -> bool {
        matches!(self.profile_idc, 0x42 | 0x4D | 0x58)
    }

    /// The level as an ordered rank: `2 × level_idc`, with level 1b between 1 and 1.1.
    pub fn level_rank(&self) -> u16 {
        let idc = u16::from(self.level_idc);
        let is_1b = if self.has_1b_flag() {
            self.level_idc == 11 && self.profile_iop & 0x10 != 0
        } else {
            self.level_idc == 9
        };
        if is_1b {
            21
        } else {
            idc * 2
        }
    }

    /// The same profile at the level of `rank` (as returned by [`level_rank`](Self::level_rank)).
    pub fn with_level_rank(&self, rank: u16) -> Self {
        let mut out = *self;
        if rank == 21 {
            if self.has_1b_flag() {
                out.level_idc = 11;
                out.profile_iop |= 0x10;
            } else {
                out.level_idc = 9;
            }
        } else {
            out.level_idc = u8::try_from(rank / 2).unwrap_or(u8::MAX);
            if self.has_1b_flag() {
                out.profile_iop &= !0x10;
            }
        }
        out
    }
}

impl fmt::Display for ProfileLevelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{:02x}",
            self.profile_idc, self.profile_iop, self.level_idc
        )
    }
}

/// The H.264 parameters that decide compatibility (RFC 6184 §8.1, §8.2.2; RFC 6184 allows
/// more, which this crate does not write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct H264Params {
    /// `profile-level-id` ([`ProfileLevelId::DEFAULT`] when absent).
    pub profile_level_id: ProfileLevelId,
    /// `packetization-mode`: 0 single NAL, 1 non-interleaved (default 0).
    pub packetization_mode: u8,
    /// `level-asymmetry-allowed=1`: each side declares the level it receives.
    pub level_asymmetry_allowed: bool,
}

impl H264Params {
    /// Constrained Baseline, packetization mode 1, level asymmetry allowed, at `level_idc`
    /// (31 for level 3.1): what browsers offer first.
    pub const fn constrained_baseline(level_idc: u8) -> Self {
        H264Params {
            profile_level_id: ProfileLevelId {
                profile_idc: 0x42,
                profile_iop: 0xe0,
                level_idc,
            },
            packetization_mode: 1,
            level_asymmetry_allowed: true,
        }
    }

    /// From any parameters; text that is not H.264-shaped gives the RFC defaults for the
    /// missing parts, and `None` only when `profile-level-id` is present but malformed.
    pub fn from_params(p: &FmtpParams<'_>) -> Option<Self> {
        match p {
            FmtpParams::H264(h) => Some(*h),
            FmtpParams::Rtx { .. } => None,
            FmtpParams::Text(t) => Self::parse(t),
        }
    }

    /// From an `a=fmtp` parameter list.
    pub fn parse(text: &str) -> Option<Self> {
        let mut out = H264Params {
            profile_level_id: ProfileLevelId::DEFAULT,
            packetization_mode: 0,
            level_asymmetry_allowed: false,
        };
        for (k, v) in params(text) {
            let v = v.unwrap_or("");
            if k.eq_ignore_ascii_case("profile-level-id") {
                out.profile_level_id = ProfileLevelId::parse(v)?;
            } else if k.eq_ignore_ascii_case("packetization-mode") {
                out.packetization_mode = v.parse().ok()?;
            } else if k.eq_ignore_ascii_case("level-asymmetry-allowed") {
                out.level_asymmetry_allowed = v == "1";
            }
        }
        Some(out)
    }

    /// Whether an offer with `self` and a local capability `other` describe the same codec
    /// configuration: same packetization mode and profile (RFC 6184 §8.2.2).
    pub fn compatible(&self, other: &Self) -> bool {
        self.packetization_mode == other.packetization_mode
            && self.profile_level_id.same_profile(&other.profile_level_id)
    }

    /// The parameters to answer `offered` with, from local capability `self`: our profile,
    /// and our level unless either side forbids level asymmetry, in which case the lower of
    /// the two levels (RFC 6184 §8.2.2).
    pub fn answer_to(&self, offered: &Self) -> Self {
        let asymmetric = self.level_asymmetry_allowed && offered.level_asymmetry_allowed;
        let ours = self.profile_level_id.level_rank();
        let rank = if asymmetric {
            ours
        } else {
            ours.min(offered.profile_level_id.level_rank())
        };
        H264Params {
            profile_level_id: self.profile_level_id.with_level_rank(rank),
            packetization_mode: self.packetization_mode,
            level_asymmetry_allowed: self.level_asymmetry_allowed,
        }
    }
}

impl fmt::Display for H264Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.level_asymmetry_allowed {
            f.write_str("level-asymmetry-allowed=1;")?;
        }
        write!(
            f,
            "packetization-mode={};profile-level-id={}",
            self.packetization_mode, self.profile_level_id
        )
    }
}

/// Opus parameters (RFC 7587 §6.1): receiver preferences, never a reason to reject.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OpusParams {
    /// `minptime` in ms.
    pub minptime: Option<u16>,
    /// `useinbandfec=1`: the receiver wants in-band FEC.
    pub useinbandfec: bool,
    /// `usedtx=1`: the receiver prefers discontinuous transmission.
    pub usedtx: bool,
    /// `stereo=1`: the receiver prefers stereo.
    pub stereo: bool,
    /// `sprop-stereo=1`: the sender is likely to send stereo.
    pub sprop_stereo: bool,
    /// `maxplaybackrate` in Hz.
    pub maxplaybackrate: Option<u32>,
    /// `maxaveragebitrate` in bit/s.
    pub maxaveragebitrate: Option<u32>,
}

impl OpusParams {
    /// From any parameters (unknown and malformed ones are ignored).
    pub fn from_params(p: &FmtpParams<'_>) -> Self {
        let mut out = OpusParams::default();
        let FmtpParams::Text(t) = p else { return out };
        for (k, v) in params(t) {
            let v = v.unwrap_or("");
            let flag = v == "1";
            match k {
                "minptime" => out.minptime = v.parse().ok(),
                "useinbandfec" => out.useinbandfec = flag,
                "usedtx" => out.usedtx = flag,
                "stereo" => out.stereo = flag,
                "sprop-stereo" => out.sprop_stereo = flag,
                "maxplaybackrate" => out.maxplaybackrate = v.parse().ok(),
                "maxaveragebitrate" => out.maxaveragebitrate = v.parse().ok(),
                _ => {}
            }
        }
        out
    }
}

/// Whether two parameter sets of codec `name` describe compatible configurations, so that
/// an offered format may be answered with a local one: H.264 by packetization mode and
/// profile, VP9 by `profile-id`, AV1 by `profile`; everything else by name alone (Opus,
/// VP8, G.711 and the like carry only receiver preferences).
pub fn compatible(name: &str, offered: &FmtpParams<'_>, local: &FmtpParams<'_>) -> bool {
    if name.eq_ignore_ascii_case("H264") {
        return match (
            H264Params::from_params(offered),
            H264Params::from_params(local),
        ) {
            (Some(a), Some(b)) => a.compatible(&b),
            _ => false,
        };
    }
    let key = if name.eq_ignore_ascii_case("VP9") {
        "profile-id"
    } else if name.eq_ignore_ascii_case("AV1") {
        "profile"
    } else {
        return true;
    };
    offered.get(key).unwrap_or("0") == local.get(key).unwrap_or("0")
}
