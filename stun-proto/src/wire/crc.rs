//! CRC-32 (IEEE 802.3, as FINGERPRINT uses, RFC 8489 §14.7). With `std`, `crc32fast` (SIMD
//! where the CPU has it, a 16 KiB table otherwise): servers fingerprint every message.
//! Without `std`, a 1 KiB table and one lookup per byte: a microcontroller's flash matters more
//! than the speed for the few messages it handles.

/// The CRC-32 of `data`.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// The CRC-32 of `data`.
#[cfg(not(feature = "std"))]
#[inline]
pub(crate) fn crc32(data: &[u8]) -> u32 {
    small(data)
}

/// The reflected polynomial 0x04C11DB7.
const POLY: u32 = 0xEDB8_8320;

/// The CRC of every byte value, made at compile time (an index out of bounds here would be
/// a compile error, not a panic).
#[allow(clippy::indexing_slicing)]
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 with the 256-entry table.
#[cfg_attr(feature = "std", allow(dead_code))]
pub(crate) fn small(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        let i = usize::from((c as u8) ^ b);
        (c >> 8) ^ TABLE.get(i).copied().unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::small;
    use proptest::prelude::*;

    #[test]
    fn the_check_value_of_crc_32() {
        // The catalogue's check value for CRC-32/ISO-HDLC.
        assert_eq!(small(b"123456789"), 0xCBF4_3926);
        assert_eq!(small(b""), 0);
    }

    proptest! {
        #[test]
        fn the_small_table_agrees_with_crc32fast(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            prop_assert_eq!(small(&data), crc32fast::hash(&data));
        }
    }
}
