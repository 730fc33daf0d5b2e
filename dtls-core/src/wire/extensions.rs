//! Hello extensions: a raw TLV iterator plus the few we read and write.

use super::codec::{Reader, Writer};
use super::{EmitError, ParseError};

/// supported_groups (RFC 8422 §5.1.1).
pub const SUPPORTED_GROUPS: u16 = 10;
/// ec_point_formats (RFC 8422 §5.1.2).
pub const EC_POINT_FORMATS: u16 = 11;
/// signature_algorithms (RFC 5246 §7.4.1.4.1).
pub const SIGNATURE_ALGORITHMS: u16 = 13;
/// use_srtp (RFC 5764 §4.1.1).
pub const USE_SRTP: u16 = 14;
/// extended_master_secret (RFC 7627 §5.1).
pub const EXTENDED_MASTER_SECRET: u16 = 23;
/// supported_versions (RFC 8446 §4.2.1; a DTLS 1.3 offer).
pub const SUPPORTED_VERSIONS: u16 = 43;
/// renegotiation_info (RFC 5746 §3.2).
pub const RENEGOTIATION_INFO: u16 = 0xff01;

/// One extension: its type and raw data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Extension type.
    pub ty: u16,
    /// Its `extension_data`.
    pub data: &'a [u8],
}

/// The extensions block of a hello message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Extensions<'a> {
    raw: &'a [u8],
}

impl<'a> Extensions<'a> {
    /// The block `raw` (the bytes inside the two-byte length), checked to be a whole number of
    /// well-formed TLVs.
    pub fn new(raw: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(raw);
        while !r.is_empty() {
            r.u16()?;
            r.vec16()?;
        }
        Ok(Extensions { raw })
    }

    /// The raw bytes.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Every extension, in order.
    pub fn iter(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let mut r = Reader::new(self.raw);
        core::iter::from_fn(move || {
            let ty = r.u16().ok()?;
            let data = r.vec16().ok()?;
            Some(Extension { ty, data })
        })
    }

    /// The data of extension `ty`; an error if it appears twice (RFC 5246 §7.4.1.4).
    pub fn get(&self, ty: u16) -> Result<Option<&'a [u8]>, ParseError> {
        let mut found = None;
        for e in self.iter().filter(|e| e.ty == ty) {
            if found.is_some() {
                return Err(ParseError::Invalid("duplicate extension"));
            }
            found = Some(e.data);
        }
        Ok(found)
    }
}

/// A list of big-endian `u16` values with a two-byte length (cipher suites, groups, signature
/// schemes, SRTP profiles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct U16List<'a> {
    raw: &'a [u8],
}

impl<'a> U16List<'a> {
    /// The list in `raw` (the bytes inside the length); odd lengths are refused.
    pub fn new(raw: &'a [u8]) -> Result<Self, ParseError> {
        if raw.len() % 2 != 0 {
            return Err(ParseError::Invalid("u16 list length"));
        }
        Ok(U16List { raw })
    }

    /// Read a length-prefixed list from `r`.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, ParseError> {
        Self::new(r.vec16()?)
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.raw
            .chunks_exact(2)
            .filter_map(|c| <[u8; 2]>::try_from(c).ok())
            .map(u16::from_be_bytes)
    }

    /// Whether `v` is in the list.
    pub fn contains(&self, v: u16) -> bool {
        self.iter().any(|x| x == v)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

/// Parse `extension_data` that must be one length-prefixed `u16` list (supported_groups,
/// signature_algorithms).
pub fn parse_u16_list(data: &[u8]) -> Result<U16List<'_>, ParseError> {
    let mut r = Reader::new(data);
    let list = U16List::read(&mut r)?;
    r.finish()?;
    Ok(list)
}

/// Parse ec_point_formats: one-byte-prefixed list of formats.
pub fn parse_point_formats(data: &[u8]) -> Result<&[u8], ParseError> {
    let mut r = Reader::new(data);
    let formats = r.vec8()?;
    r.finish()?;
    if formats.is_empty() {
        return Err(ParseError::Invalid("ec_point_formats"));
    }
    Ok(formats)
}

/// Parse renegotiation_info: its `renegotiated_connection` (empty on an initial handshake).
pub fn parse_renegotiation_info(data: &[u8]) -> Result<&[u8], ParseError> {
    let mut r = Reader::new(data);
    let v = r.vec8()?;
    r.finish()?;
    Ok(v)
}

/// The use_srtp extension (RFC 5764 §4.1.1): protection profiles and the MKI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UseSrtp<'a> {
    /// Profile ids, in the sender's order of preference.
    pub profiles: U16List<'a>,
    /// The `srtp_mki` value (we send it empty).
    pub mki: &'a [u8],
}

impl<'a> UseSrtp<'a> {
    /// Parse `extension_data`.
    pub fn parse(data: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(data);
        let profiles = U16List::read(&mut r)?;
        let mki = r.vec8()?;
        r.finish()?;
        if profiles.is_empty() {
            return Err(ParseError::Invalid("use_srtp profiles"));
        }
        Ok(UseSrtp { profiles, mki })
    }
}

/// Write one extension whose data is a length-prefixed `u16` list.
pub fn emit_u16_list_ext(w: &mut Writer<'_>, ty: u16, values: &[u16]) -> Result<(), EmitError> {
    w.u16(ty)?;
    let outer = w.begin_vec(2)?;
    let inner = w.begin_vec(2)?;
    for v in values {
        w.u16(*v)?;
    }
    w.end_vec(inner)?;
    w.end_vec(outer)
}

/// Write the use_srtp extension with `profiles` and an empty MKI.
pub fn emit_use_srtp(w: &mut Writer<'_>, profiles: &[u16]) -> Result<(), EmitError> {
    w.u16(USE_SRTP)?;
    let outer = w.begin_vec(2)?;
    let inner = w.begin_vec(2)?;
    for p in profiles {
        w.u16(*p)?;
    }
    w.end_vec(inner)?;
    w.u8(0)?;
    w.end_vec(outer)
}

/// Write an extension with empty data (extended_master_secret).
pub fn emit_empty(w: &mut Writer<'_>, ty: u16) -> Result<(), EmitError> {
    w.u16(ty)?;
    w.u16(0)
}

/// Write renegotiation_info with an empty `renegotiated_connection`.
pub fn emit_empty_renegotiation_info(w: &mut Writer<'_>) -> Result<(), EmitError> {
    w.u16(RENEGOTIATION_INFO)?;
    w.u16(1)?;
    w.u8(0)
}

/// Write ec_point_formats offering `uncompressed` only.
pub fn emit_point_formats(w: &mut Writer<'_>) -> Result<(), EmitError> {
    w.u16(EC_POINT_FORMATS)?;
    w.u16(2)?;
    w.u8(1)?;
    w.u8(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_each_extension() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        emit_u16_list_ext(&mut w, SUPPORTED_GROUPS, &[23, 29]).unwrap();
        emit_use_srtp(&mut w, &[7, 1]).unwrap();
        emit_empty(&mut w, EXTENDED_MASTER_SECRET).unwrap();
        emit_empty_renegotiation_info(&mut w).unwrap();
        emit_point_formats(&mut w).unwrap();
        let n = w.len();
        let ext = Extensions::new(&buf[..n]).unwrap();
        assert_eq!(ext.iter().count(), 5);
        let groups = parse_u16_list(ext.get(SUPPORTED_GROUPS).unwrap().unwrap()).unwrap();
        assert_eq!(groups.iter().collect::<heapless::Vec<u16, 4>>(), [23, 29]);
        let srtp = UseSrtp::parse(ext.get(USE_SRTP).unwrap().unwrap()).unwrap();
        assert!(srtp.profiles.contains(7) && srtp.profiles.contains(1) && srtp.mki.is_empty());
        assert_eq!(ext.get(EXTENDED_MASTER_SECRET), Ok(Some(&[][..])));
        let reneg = ext.get(RENEGOTIATION_INFO).unwrap().unwrap();
        assert_eq!(parse_renegotiation_info(reneg), Ok(&[][..]));
        assert_eq!(
            parse_point_formats(ext.get(EC_POINT_FORMATS).unwrap().unwrap()),
            Ok(&[0u8][..])
        );
        assert_eq!(ext.get(SUPPORTED_VERSIONS), Ok(None));
        // The exact bytes of use_srtp (RFC 5764 §4.1.1): type 14, length 7, profiles 4 bytes, MKI 0.
        assert_eq!(&buf[10..21], &[0, 14, 0, 7, 0, 4, 0, 7, 0, 1, 0]);
    }

    #[test]
    fn malformed_extensions_are_refused() {
        assert_eq!(
            Extensions::new(&[0, 1, 0, 5, 0]),
            Err(ParseError::Truncated)
        );
        let dup = [0, 23, 0, 0, 0, 23, 0, 0];
        let ext = Extensions::new(&dup).unwrap();
        assert_eq!(ext.get(23), Err(ParseError::Invalid("duplicate extension")));
        assert_eq!(
            UseSrtp::parse(&[0, 0, 0]),
            Err(ParseError::Invalid("use_srtp profiles"))
        );
        assert_eq!(
            U16List::new(&[1, 2, 3]),
            Err(ParseError::Invalid("u16 list length"))
        );
        assert_eq!(
            parse_point_formats(&[0]),
            Err(ParseError::Invalid("ec_point_formats"))
        );
    }
}
