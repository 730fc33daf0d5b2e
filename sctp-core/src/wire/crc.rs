//! CRC32c (Castagnoli), the SCTP checksum (RFC 9260 Appendix A).
//!
//! With `std` on x86-64 and AArch64 the `crc32c` crate uses the SSE4.2 / ARMv8 CRC
//! instructions (detected at run time; tens of GB/s). Without `std` (a microcontroller) the
//! `crc` crate's 1 KiB table is used: no unsafe, no runtime detection, small flash.

/// The CRC32c of `data`. The SCTP checksum field carries it least significant byte first
/// (RFC 9260 Appendix A's bit order), as [`Packet`](super::Packet) reads and writes it.
pub fn crc32c(data: &[u8]) -> u32 {
    imp(data)
}

#[cfg(feature = "std")]
fn imp(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

#[cfg(not(feature = "std"))]
fn imp(data: &[u8]) -> u32 {
    const CRC: crc::Crc<u32, crc::Table<1>> =
        crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISCSI);
    CRC.checksum(data)
}

/// CRC32c of `head`, four zero bytes, then `tail`: a packet's checksum with its checksum
/// field taken as zero, without copying.
pub(crate) fn crc32c_with_zero_field(head: &[u8], tail: &[u8]) -> u32 {
    imp_parts(head, tail)
}

#[cfg(feature = "std")]
fn imp_parts(head: &[u8], tail: &[u8]) -> u32 {
    let c = crc32c::crc32c_append(0, head);
    let c = crc32c::crc32c_append(c, &[0; 4]);
    crc32c::crc32c_append(c, tail)
}

#[cfg(not(feature = "std"))]
fn imp_parts(head: &[u8], tail: &[u8]) -> u32 {
    const CRC: crc::Crc<u32, crc::Table<1>> =
        crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISCSI);
    let mut d = CRC.digest();
    d.update(head);
    d.update(&[0; 4]);
    d.update(tail);
    d.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn castagnoli_check_values() {
        // The catalogue's check value for "123456789" and RFC 3720 B.4's 32 zero bytes.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c_with_zero_field(b"1234", b"56789"), {
            let mut v = b"1234".to_vec();
            v.extend_from_slice(&[0; 4]);
            v.extend_from_slice(b"56789");
            crc32c(&v)
        });
    }
}
