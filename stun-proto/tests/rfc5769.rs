//! RFC 5769 test vectors (and RFC 8489 Appendix B.1): parsed, verified and re-emitted byte
//! for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use stun_proto::auth::{userhash, IntegrityError, IntegrityKey, IntegrityKind};
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm};
use stun_proto::wire::{Class, Message, MessageBuilder, Method};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RFC 5769 §2.1 Sample Request (short-term credentials, padding bytes are spaces).
const REQUEST: &str = "
00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
00 24 00 04 6e 00 01 ff
80 29 00 08 93 2f f9 b1 51 26 3b 36
00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
80 28 00 04 e5 7a 3b cf";

/// RFC 5769 §2.2 Sample IPv4 Response.
const RESPONSE_V4: &str = "
01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 08 00 01 a1 47 e1 12 a6 43
00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
80 28 00 04 c0 7d 4c 96";

/// RFC 5769 §2.3 Sample IPv6 Response.
const RESPONSE_V6: &str = "
01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
80 28 00 04 c8 fb 0b 4c";

/// RFC 5769 §2.4 Sample Request with Long-Term Authentication.
const REQUEST_LONG_TERM: &str = "
00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

/// RFC 8489 Appendix B.1: long-term authentication with MESSAGE-INTEGRITY-SHA256 and USERHASH.
const REQUEST_SHA256: &str = "
00 01 00 88 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f 24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04
00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33
   34 6f 4c 39 46 53 54 76 79 36 34 73 41 00 00 00
00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
00 1c 00 20 fd 8c 27 38 60 d2 e1 8e bc a4 c8 9b 69 73 be fa 7e e8 ec c6 9e 96 42 db 32 6f ab 65 a0 b9 55 ba";

const SHORT_TERM_PASSWORD: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";
const USERNAME_LT: &str = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";

/// Rebuild `msg` attribute by attribute with the builder: the integrity attributes and
/// FINGERPRINT are recomputed, the rest re-encoded from their typed values.
fn reemit(msg: &Message<'_>, key: &IntegrityKey, pad: u8) -> Vec<u8> {
    let mut out = vec![0u8; msg.len()];
    let tid = msg.transaction_id();
    let mut b = MessageBuilder::new(&mut out, msg.message_type(), tid).unwrap();
    b.set_padding_byte(pad);
    for raw in msg.attributes() {
        match raw.kind {
            AttrType::MESSAGE_INTEGRITY => b.add_message_integrity(key).unwrap(),
            AttrType::MESSAGE_INTEGRITY_SHA256 => b.add_message_integrity_sha256(key).unwrap(),
            AttrType::FINGERPRINT => b.add_fingerprint().unwrap(),
            _ => b.add(&raw.decode(&tid).unwrap()).unwrap(),
        }
    }
    let n = b.finish();
    out.truncate(n);
    out
}

fn tamper(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[at] ^= 0x01;
    v
}

#[test]
fn rfc5769_2_1_request() {
    let bytes = hex(REQUEST);
    let msg = Message::new_checked(&bytes).unwrap();
    assert_eq!(msg.method(), Method::BINDING);
    assert_eq!(msg.class(), Class::Request);
    let tid = msg.transaction_id();
    let get = |k| msg.get(k).unwrap().decode(&tid).unwrap();
    assert_eq!(
        get(AttrType::SOFTWARE),
        Attribute::Software("STUN test client")
    );
    assert_eq!(get(AttrType::PRIORITY), Attribute::Priority(0x6e0001ff));
    assert_eq!(
        get(AttrType::ICE_CONTROLLED),
        Attribute::IceControlled(0x932ff9b151263b36)
    );
    assert_eq!(get(AttrType::USERNAME), Attribute::Username("evtj:h6vY"));
    assert!(msg.fingerprint_ok());
    let key = IntegrityKey::short_term(SHORT_TERM_PASSWORD);
    assert_eq!(key.verify(&msg), Ok(IntegrityKind::Sha1));
    assert_eq!(reemit(&msg, &key, b' '), bytes);

    let wrong = IntegrityKey::short_term(b"VOkJxbRl1RmTxUk/WvJxBT");
    assert_eq!(wrong.verify(&msg), Err(IntegrityError::Mismatch));
    // A flipped bit anywhere before MESSAGE-INTEGRITY breaks it; padding is covered too.
    for at in [1, 9, 30, 60, 69] {
        let t = tamper(&bytes, at);
        let m = Message::new_checked(&t).unwrap();
        assert_eq!(key.verify(&m), Err(IntegrityError::Mismatch), "byte {at}");
        assert!(!m.fingerprint_ok(), "byte {at}");
    }
}

fn check_response(vector: &str, mapped: &str) {
    let bytes = hex(vector);
    let msg = Message::new_checked(&bytes).unwrap();
    assert_eq!(msg.class(), Class::Success);
    let tid = msg.transaction_id();
    let xma = msg
        .get(AttrType::XOR_MAPPED_ADDRESS)
        .unwrap()
        .decode(&tid)
        .unwrap();
    assert_eq!(xma, Attribute::XorMappedAddress(mapped.parse().unwrap()));
    assert_eq!(
        msg.get(AttrType::SOFTWARE).unwrap().decode(&tid).unwrap(),
        Attribute::Software("test vector")
    );
    assert!(msg.fingerprint_ok());
    let key = IntegrityKey::short_term(SHORT_TERM_PASSWORD);
    assert_eq!(key.verify(&msg), Ok(IntegrityKind::Sha1));
    assert_eq!(reemit(&msg, &key, b' '), bytes);
}

#[test]
fn rfc5769_2_2_ipv4_response() {
    check_response(RESPONSE_V4, "192.0.2.1:32853");
}

#[test]
fn rfc5769_2_3_ipv6_response() {
    check_response(RESPONSE_V6, "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

#[test]
fn rfc5769_2_4_long_term_request() {
    let bytes = hex(REQUEST_LONG_TERM);
    let msg = Message::new_checked(&bytes).unwrap();
    let tid = msg.transaction_id();
    let get = |k| msg.get(k).unwrap().decode(&tid).unwrap();
    assert_eq!(get(AttrType::USERNAME), Attribute::Username(USERNAME_LT));
    assert_eq!(
        get(AttrType::NONCE),
        Attribute::Nonce("f//499k954d6OL34oL9FSTvy64sA")
    );
    assert_eq!(get(AttrType::REALM), Attribute::Realm("example.org"));
    assert!(msg.fingerprint_offset().is_none());
    assert!(!msg.fingerprint_ok());
    // "TheMatrIX" is the SASLprep form of "The\u{AD}M\u{AA}tr\u{2168}".
    let key = IntegrityKey::long_term(
        USERNAME_LT.as_bytes(),
        b"example.org",
        b"TheMatrIX",
        PasswordAlgorithm::Md5,
    );
    assert_eq!(key.verify(&msg), Ok(IntegrityKind::Sha1));
    assert_eq!(reemit(&msg, &key, 0), bytes);
    let sha = IntegrityKey::long_term(
        USERNAME_LT.as_bytes(),
        b"example.org",
        b"TheMatrIX",
        PasswordAlgorithm::Sha256,
    );
    assert_eq!(sha.verify(&msg), Err(IntegrityError::Mismatch));
}

#[test]
fn rfc8489_b_1_sha256_and_userhash() {
    let bytes = hex(REQUEST_SHA256);
    let msg = Message::new_checked(&bytes).unwrap();
    let tid = msg.transaction_id();
    let uh = userhash(USERNAME_LT.as_bytes(), b"example.org");
    assert_eq!(
        msg.get(AttrType::USERHASH).unwrap().decode(&tid).unwrap(),
        Attribute::UserHash(&uh)
    );
    assert_eq!(
        msg.get(AttrType::NONCE).unwrap().decode(&tid).unwrap(),
        Attribute::Nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA")
    );
    // The message carries no PASSWORD-ALGORITHM, so the key is derived with the default
    // algorithm, MD5 (RFC 8489 §9.2.2, §14.11); the MAC itself is HMAC-SHA256.
    assert!(msg.get(AttrType::PASSWORD_ALGORITHM).is_none());
    let key = IntegrityKey::long_term(
        USERNAME_LT.as_bytes(),
        b"example.org",
        b"TheMatrIX",
        PasswordAlgorithm::Md5,
    );
    assert_eq!(key.verify(&msg), Ok(IntegrityKind::Sha256));
    let sha_key = IntegrityKey::long_term(
        USERNAME_LT.as_bytes(),
        b"example.org",
        b"TheMatrIX",
        PasswordAlgorithm::Sha256,
    );
    assert_eq!(sha_key.verify(&msg), Err(IntegrityError::Mismatch));
    assert_eq!(reemit(&msg, &key, 0), bytes);
}
