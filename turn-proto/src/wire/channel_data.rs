//! ChannelData messages (RFC 8656 §12.4): a 4-byte header (channel number, length) and the
//! application data, nothing else.

use super::{ChannelError, EmitError};
use stun_proto::wire::padded;

/// Size of the ChannelData header.
pub const CHANNEL_DATA_HEADER: usize = 4;
/// Lowest channel number (RFC 8656 §12).
pub const MIN_CHANNEL: u16 = 0x4000;
/// Highest channel number RFC 8656 allows (it narrowed RFC 5766's range).
pub const MAX_CHANNEL_RFC8656: u16 = 0x4FFF;
/// Highest channel number RFC 5766 allows, which older clients (coturn's uclient) use.
pub const MAX_CHANNEL_RFC5766: u16 = 0x7FFF;

/// Whether `n` is a channel number in RFC 5766's range 0x4000–0x7FFF (a superset of
/// RFC 8656's 0x4000–0x4FFF).
pub const fn is_channel_number(n: u16) -> bool {
    n >= MIN_CHANNEL && n <= MAX_CHANNEL_RFC5766
}

/// A validated ChannelData message borrowed from a datagram or a stream frame.
///
/// After [`ChannelData::new_checked`] succeeds no accessor can fail: the payload is a
/// subslice of the input (zero-copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelData<'a> {
    channel: u16,
    payload: &'a [u8],
}

impl<'a> ChannelData<'a> {
    /// Validate `buf` as one ChannelData message. Up to three bytes of padding after the data
    /// are accepted (required over TCP, allowed over UDP, RFC 8656 §12.5); more is an error.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, ChannelError> {
        let (Some(&c0), Some(&c1), Some(&l0), Some(&l1)) =
            (buf.first(), buf.get(1), buf.get(2), buf.get(3))
        else {
            return Err(ChannelError::Truncated {
                needed: CHANNEL_DATA_HEADER,
                got: buf.len(),
            });
        };
        let channel = u16::from_be_bytes([c0, c1]);
        if !is_channel_number(channel) {
            return Err(ChannelError::BadChannel { channel });
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let end = CHANNEL_DATA_HEADER + len;
        let payload = buf
            .get(CHANNEL_DATA_HEADER..end)
            .ok_or(ChannelError::Truncated {
                needed: end,
                got: buf.len(),
            })?;
        if buf.len() > padded(end) {
            return Err(ChannelError::TrailingBytes {
                extra: buf.len() - end,
            });
        }
        Ok(ChannelData { channel, payload })
    }

    /// The channel number.
    pub const fn channel(&self) -> u16 {
        self.channel
    }

    /// The application data.
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Bytes a ChannelData message with `payload_len` bytes of data occupies; `pad` rounds up
    /// to a multiple of four as stream transports require.
    pub const fn buffer_len(payload_len: usize, pad: bool) -> usize {
        if pad {
            padded(CHANNEL_DATA_HEADER + payload_len)
        } else {
            CHANNEL_DATA_HEADER + payload_len
        }
    }

    /// Write a ChannelData message carrying `payload` on `channel` into `out`; returns its
    /// length. With `pad` (TCP, TLS) zero padding rounds it to a multiple of four. On error
    /// `out` is untouched.
    pub fn emit(
        channel: u16,
        payload: &[u8],
        pad: bool,
        out: &mut [u8],
    ) -> Result<usize, EmitError> {
        let total = Self::buffer_len(payload.len(), pad);
        let len = u16::try_from(payload.len()).map_err(|_| EmitError::ValueTooLong { attr: 0 })?;
        let dst = out
            .get_mut(..total)
            .ok_or(EmitError::BufferTooSmall { needed: total })?;
        let (head, rest) = dst.split_at_mut(CHANNEL_DATA_HEADER);
        let [c0, c1] = channel.to_be_bytes();
        let [l0, l1] = len.to_be_bytes();
        head.copy_from_slice(&[c0, c1, l0, l1]);
        let (data, pad_bytes) = rest.split_at_mut(payload.len());
        data.copy_from_slice(payload);
        pad_bytes.fill(0);
        Ok(total)
    }

    /// Frame a payload already sitting at `buf[CHANNEL_DATA_HEADER..CHANNEL_DATA_HEADER +
    /// payload_len]` by writing the header (and padding with `pad`) around it, in place.
    /// Returns the message length; on error `buf` is untouched.
    pub fn emit_in_place(
        channel: u16,
        payload_len: usize,
        pad: bool,
        buf: &mut [u8],
    ) -> Result<usize, EmitError> {
        let total = Self::buffer_len(payload_len, pad);
        let len = u16::try_from(payload_len).map_err(|_| EmitError::ValueTooLong { attr: 0 })?;
        let dst = buf
            .get_mut(..total)
            .ok_or(EmitError::BufferTooSmall { needed: total })?;
        let [c0, c1] = channel.to_be_bytes();
        let [l0, l1] = len.to_be_bytes();
        let (head, rest) = dst.split_at_mut(CHANNEL_DATA_HEADER);
        head.copy_from_slice(&[c0, c1, l0, l1]);
        if let Some(p) = rest.get_mut(payload_len..) {
            p.fill(0);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn round_trip_with_and_without_padding() {
        let mut buf = [0xAAu8; 16];
        let n = ChannelData::emit(0x4001, b"hello", false, &mut buf).unwrap();
        assert_eq!(&buf[..n], &[0x40, 0x01, 0, 5, b'h', b'e', b'l', b'l', b'o']);
        let cd = ChannelData::new_checked(&buf[..n]).unwrap();
        assert_eq!((cd.channel(), cd.payload()), (0x4001, &b"hello"[..]));
        let n = ChannelData::emit(0x7FFF, b"hello", true, &mut buf).unwrap();
        assert_eq!(n, 12);
        assert_eq!(&buf[9..12], &[0, 0, 0]);
        let cd = ChannelData::new_checked(&buf[..n]).unwrap();
        assert_eq!(cd.payload(), b"hello");
    }

    #[test]
    fn in_place_framing_matches_copying_framing() {
        let mut a = [0u8; 16];
        let mut b = [0u8; 16];
        b[4..9].copy_from_slice(b"abcde");
        let n1 = ChannelData::emit(0x4002, b"abcde", true, &mut a).unwrap();
        let n2 = ChannelData::emit_in_place(0x4002, 5, true, &mut b).unwrap();
        assert_eq!(&a[..n1], &b[..n2]);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            ChannelData::new_checked(&[0x40, 0]),
            Err(ChannelError::Truncated { needed: 4, got: 2 })
        );
        assert_eq!(
            ChannelData::new_checked(&[0x3F, 0xFF, 0, 0]),
            Err(ChannelError::BadChannel { channel: 0x3FFF })
        );
        assert_eq!(
            ChannelData::new_checked(&[0x80, 0x00, 0, 0]),
            Err(ChannelError::BadChannel { channel: 0x8000 })
        );
        assert_eq!(
            ChannelData::new_checked(&[0x40, 0, 0, 4, 1, 2]),
            Err(ChannelError::Truncated { needed: 8, got: 6 })
        );
        assert_eq!(
            ChannelData::new_checked(&[0x40, 0, 0, 1, 1, 0, 0, 0, 0]),
            Err(ChannelError::TrailingBytes { extra: 4 })
        );
        let mut small = [0u8; 6];
        assert_eq!(
            ChannelData::emit(0x4000, b"abc", false, &mut small),
            Err(EmitError::BufferTooSmall { needed: 7 })
        );
        assert_eq!(small, [0; 6]);
    }
}
