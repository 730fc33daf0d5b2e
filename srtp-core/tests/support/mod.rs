//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Bytes from hex digits; whitespace is ignored.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

use rtp_core::wire::{CsrcList, HeaderExtension, RtpHeader};

/// An RTP packet written by rtp-core: `csrcs` contributing sources, an RFC 8285-sized raw
/// extension of `ext_words` 32-bit words (none if 0), `payload`, `padding` bytes.
pub fn rtp_packet(
    seq: u16,
    ssrc: u32,
    csrcs: &[u32],
    ext: &[u8],
    payload: &[u8],
    padding: u8,
) -> Vec<u8> {
    let header = RtpHeader {
        marker: seq % 7 == 0,
        payload_type: 96,
        sequence_number: seq,
        timestamp: u32::from(seq).wrapping_mul(3000),
        ssrc,
        csrcs: CsrcList::from_slice(csrcs).unwrap(),
        extension: if ext.is_empty() {
            HeaderExtension::None
        } else {
            HeaderExtension::Raw {
                profile: 0xBEDE,
                data: ext,
            }
        },
        padding,
    };
    let mut out = vec![0u8; 2048];
    let n = header.emit(payload, &mut out).unwrap();
    out.truncate(n);
    out
}
