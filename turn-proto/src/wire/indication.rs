//! Send and Data indications framed in place around a payload already in the buffer, so the
//! relay path copies nothing (RFC 8656 §11).

use super::EmitError;
use core::net::SocketAddr;
use stun_proto::wire::attr::Attribute;
use stun_proto::wire::attr::{address_len, encode_xor_address, AttrType};
use stun_proto::wire::{
    padded, Class, Message, MessageBuilder, MessageType, Method, TransactionId,
};
use stun_proto::wire::{FINGERPRINT_XOR, HEADER_LEN, MAGIC_COOKIE};

/// Bytes needed before the payload to frame it as an indication for `peer`.
pub const fn indication_headroom(peer: &SocketAddr) -> usize {
    HEADER_LEN + 4 + address_len(peer) + 4
}

/// Bytes needed after the payload: padding, and FINGERPRINT when asked for.
pub const fn indication_tailroom(payload_len: usize, fingerprint: bool) -> usize {
    padded(payload_len) - payload_len + if fingerprint { 8 } else { 0 }
}

/// Write a Send or Data indication (`method`) carrying `payload` for `peer` into `out`:
/// XOR-PEER-ADDRESS, DATA and optionally FINGERPRINT. Returns its length.
pub fn emit_indication(
    method: Method,
    tid: TransactionId,
    peer: SocketAddr,
    payload: &[u8],
    fingerprint: bool,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let mut b = MessageBuilder::new(out, MessageType::new(method, Class::Indication), tid)?;
    b.add(&Attribute::XorPeerAddress(peer))?;
    b.add(&Attribute::Data(payload))?;
    if fingerprint {
        b.add_fingerprint()?;
    }
    Ok(b.finish())
}

/// Frame the `payload_len` bytes at `buf[payload_at..]` as a Send or Data indication in
/// place: the header and XOR-PEER-ADDRESS go into the headroom before it, padding and
/// FINGERPRINT after it. Returns `(start, len)`: the message is `buf[start..start + len]`.
/// On error `buf` is untouched.
pub fn emit_indication_in_place(
    method: Method,
    tid: TransactionId,
    peer: SocketAddr,
    buf: &mut [u8],
    payload_at: usize,
    payload_len: usize,
    fingerprint: bool,
) -> Result<(usize, usize), EmitError> {
    let head = indication_headroom(&peer);
    let start = payload_at
        .checked_sub(head)
        .ok_or(EmitError::BufferTooSmall { needed: head })?;
    let data_len = u16::try_from(payload_len).map_err(|_| EmitError::ValueTooLong {
        attr: AttrType::DATA.0,
    })?;
    let body_end = payload_at + padded(payload_len);
    let end = body_end + if fingerprint { 8 } else { 0 };
    let stun_len =
        u16::try_from(end - start - HEADER_LEN).map_err(|_| EmitError::ValueTooLong {
            attr: AttrType::DATA.0,
        })?;
    if buf.len() < end {
        return Err(EmitError::BufferTooSmall { needed: end });
    }
    let msg = buf
        .get_mut(start..end)
        .ok_or(EmitError::BufferTooSmall { needed: end })?;
    let (hdr, rest) = msg.split_at_mut(HEADER_LEN);
    let [t0, t1] = MessageType::new(method, Class::Indication)
        .to_u16()
        .to_be_bytes();
    let [l0, l1] = stun_len.to_be_bytes();
    let [c0, c1, c2, c3] = MAGIC_COOKIE.to_be_bytes();
    hdr.get_mut(..8)
        .unwrap_or(&mut [])
        .copy_from_slice(&[t0, t1, l0, l1, c0, c1, c2, c3]);
    hdr.get_mut(8..).unwrap_or(&mut []).copy_from_slice(&tid.0);
    let alen = address_len(&peer);
    let (addr, rest) = rest.split_at_mut(4 + alen);
    let [a0, a1] = AttrType::XOR_PEER_ADDRESS.0.to_be_bytes();
    let [s0, s1] = (alen as u16).to_be_bytes();
    addr.get_mut(..4)
        .unwrap_or(&mut [])
        .copy_from_slice(&[a0, a1, s0, s1]);
    encode_xor_address(&peer, &tid, addr.get_mut(4..).unwrap_or(&mut []));
    let (dhdr, rest) = rest.split_at_mut(4);
    let [d0, d1] = AttrType::DATA.0.to_be_bytes();
    let [n0, n1] = data_len.to_be_bytes();
    dhdr.copy_from_slice(&[d0, d1, n0, n1]);
    let (body, fp) = rest.split_at_mut(padded(payload_len));
    if let Some(pad) = body.get_mut(payload_len..) {
        pad.fill(0);
    }
    if fingerprint {
        let covered = end - start - 8;
        let [f0, f1] = AttrType::FINGERPRINT.0.to_be_bytes();
        fp.get_mut(..4)
            .unwrap_or(&mut [])
            .copy_from_slice(&[f0, f1, 0, 4]);
        let crc = crc32fast::hash(msg.get(..covered).unwrap_or(&[])) ^ FINGERPRINT_XOR;
        msg.get_mut(covered + 4..)
            .unwrap_or(&mut [])
            .copy_from_slice(&crc.to_be_bytes());
    }
    debug_assert!(Message::new_checked(buf.get(start..end).unwrap_or(&[])).is_ok());
    Ok((start, end - start))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn in_place_matches_builder() {
        for peer in ["192.0.2.1:4000", "[2001:db8::1]:4000"] {
            let peer: SocketAddr = peer.parse().unwrap();
            for fp in [false, true] {
                for len in [0usize, 1, 5, 8] {
                    let payload: heapless::Vec<u8, 8> = (0..len as u8).collect();
                    let tid = TransactionId([3; 12]);
                    let mut a = [0u8; 128];
                    let n = emit_indication(Method::DATA, tid, peer, &payload, fp, &mut a).unwrap();
                    let mut b = [0xEEu8; 128];
                    b[60..60 + len].copy_from_slice(&payload);
                    let (start, m) =
                        emit_indication_in_place(Method::DATA, tid, peer, &mut b, 60, len, fp)
                            .unwrap();
                    assert_eq!(&a[..n], &b[start..start + m], "{peer} fp={fp} len={len}");
                    let msg = Message::new_checked(&b[start..start + m]).unwrap();
                    assert_eq!(msg.fingerprint_ok(), fp);
                }
            }
        }
    }

    #[test]
    fn in_place_refuses_missing_room() {
        let peer: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let tid = TransactionId([3; 12]);
        let mut b = [7u8; 64];
        assert!(emit_indication_in_place(Method::DATA, tid, peer, &mut b, 10, 4, false).is_err());
        assert!(emit_indication_in_place(Method::DATA, tid, peer, &mut b, 40, 30, false).is_err());
        assert_eq!(b, [7u8; 64]);
    }
}
