//! The few header fields SRTP needs, read from bytes that may be encrypted past the header.
//!
//! rtp-core's `RtpPacket::new_checked` validates padding from the last byte of the packet,
//! which SRTP encrypts, so it cannot read an SRTP packet before decryption; this reader
//! takes only the fixed header, the CSRC count and the extension length (RFC 3550 §5.1).

use crate::error::Error;

/// RTP fixed header length.
pub(crate) const RTP_FIXED: usize = 12;
/// RTCP header bytes SRTCP leaves in the clear: V/P/RC, PT, length, SSRC.
pub(crate) const RTCP_CLEAR: usize = 8;

fn check_version(first: u8) -> Result<(), Error> {
    match first >> 6 {
        2 => Ok(()),
        version => Err(Error::BadVersion { version }),
    }
}

fn need(pkt: &[u8], needed: usize) -> Result<(), Error> {
    if pkt.len() < needed {
        Err(Error::Truncated {
            needed,
            got: pkt.len(),
        })
    } else {
        Ok(())
    }
}

/// The RTP header fields SRTP uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    /// Header length: 12 + CSRCs + extension.
    pub(crate) len: usize,
    pub(crate) seq: u16,
    pub(crate) ssrc: u32,
}

/// Read the header of the RTP or SRTP packet `pkt` (`trailer` more bytes must follow it).
pub(crate) fn rtp(pkt: &[u8], trailer: usize) -> Result<RtpHeader, Error> {
    let fixed: &[u8; RTP_FIXED] = match pkt.first_chunk() {
        Some(f) => f,
        None => {
            return Err(Error::Truncated {
                needed: RTP_FIXED + trailer,
                got: pkt.len(),
            })
        }
    };
    let [flags, _, s0, s1, _, _, _, _, x0, x1, x2, x3] = *fixed;
    check_version(flags)?;
    let mut len = RTP_FIXED + 4 * usize::from(flags & 0x0F);
    if flags & 0x10 != 0 {
        need(pkt, len + 4 + trailer)?;
        let words = match pkt.get(len + 2..len + 4) {
            Some(&[a, b]) => usize::from(u16::from_be_bytes([a, b])),
            _ => 0,
        };
        len += 4 + 4 * words;
    }
    need(pkt, len + trailer)?;
    Ok(RtpHeader {
        len,
        seq: u16::from_be_bytes([s0, s1]),
        ssrc: u32::from_be_bytes([x0, x1, x2, x3]),
    })
}

/// Check the first RTCP header of an RTCP or SRTCP packet (`trailer` more bytes must
/// follow the 8 clear bytes) and return the sender SSRC.
pub(crate) fn rtcp(pkt: &[u8], trailer: usize) -> Result<u32, Error> {
    need(pkt, RTCP_CLEAR + trailer)?;
    match pkt.first_chunk::<RTCP_CLEAR>() {
        Some(&[flags, _, _, _, x0, x1, x2, x3]) => {
            check_version(flags)?;
            Ok(u32::from_be_bytes([x0, x1, x2, x3]))
        }
        None => Err(Error::Truncated {
            needed: RTCP_CLEAR + trailer,
            got: pkt.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn csrc_and_extension_lengths() {
        let mut p = [0u8; 40];
        p[0] = 0x92; // V=2, X, CC=2
        p[12 + 8 + 2..12 + 8 + 4].copy_from_slice(&1u16.to_be_bytes());
        assert_eq!(rtp(&p, 0).unwrap().len, 12 + 8 + 4 + 4);
        assert_eq!(
            rtp(&p[..27], 0),
            Err(Error::Truncated {
                needed: 28,
                got: 27
            })
        );
        assert_eq!(
            rtp(&p, 13),
            Err(Error::Truncated {
                needed: 41,
                got: 40
            })
        );
        p[0] = 0x40;
        assert_eq!(rtp(&p, 0), Err(Error::BadVersion { version: 1 }));
        assert!(matches!(rtcp(&p[..11], 4), Err(Error::Truncated { .. })));
    }
}
