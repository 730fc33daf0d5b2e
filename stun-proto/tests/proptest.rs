//! Property tests: no input panics; building then parsing gives back what was built.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};
use std::net::SocketAddr;
use stun_proto::auth::IntegrityKey;
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::server::{ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use stun_proto::wire::attr::{Attribute, ChangeRequest, ErrorCode};
use stun_proto::wire::{frame_len, Message, MessageBuilder, MessageType, Method, TransactionId};

/// Decode everything decodable in a message; must never panic.
fn touch(msg: &Message<'_>) {
    let tid = msg.transaction_id();
    for a in msg.attributes() {
        let _ = a.decode(&tid);
    }
    let _ = msg.fingerprint_ok();
    let _ = IntegrityKey::short_term(b"k").verify(msg);
    let _ = msg.first_unknown_required(|k| k.is_known());
}

fn valid_message() -> Vec<u8> {
    let mut out = vec![0u8; 300];
    let tid = TransactionId([3; 12]);
    let mut b = MessageBuilder::new(&mut out, MessageType::BINDING_REQUEST, tid).unwrap();
    b.add(&Attribute::Username("user:name")).unwrap();
    b.add(&Attribute::Priority(12345)).unwrap();
    b.add(&Attribute::XorMappedAddress(
        "[2001:db8::1]:4000".parse().unwrap(),
    ))
    .unwrap();
    b.add(&Attribute::ErrorCode(
        ErrorCode::ROLE_CONFLICT,
        "Role Conflict",
    ))
    .unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(b"k"))
        .unwrap();
    b.add_fingerprint().unwrap();
    let n = b.finish();
    out.truncate(n);
    out
}

fn arb_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
    ]
}

#[derive(Debug, Clone)]
enum Attr {
    Username(String),
    Software(String),
    XorMapped(SocketAddr),
    Mapped(SocketAddr),
    Priority(u32),
    Controlling(u64),
    Error(u16, String),
    Change(bool, bool),
    Raw(u16, Vec<u8>),
}

fn arb_attr() -> impl Strategy<Value = Attr> {
    prop_oneof![
        "[a-z:]{0,40}".prop_map(Attr::Username),
        ".{0,30}".prop_map(Attr::Software),
        arb_addr().prop_map(Attr::XorMapped),
        arb_addr().prop_map(Attr::Mapped),
        any::<u32>().prop_map(Attr::Priority),
        any::<u64>().prop_map(Attr::Controlling),
        (300u16..700, "[a-zA-Z ]{0,20}").prop_map(|(c, r)| Attr::Error(c, r)),
        (any::<bool>(), any::<bool>()).prop_map(|(a, b)| Attr::Change(a, b)),
        (
            0xC000u16..0xFFFF,
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(t, v)| Attr::Raw(t, v)),
    ]
}

fn as_attribute(a: &Attr) -> Attribute<'_> {
    match a {
        Attr::Username(s) => Attribute::Username(s),
        Attr::Software(s) => Attribute::Software(s),
        Attr::XorMapped(s) => Attribute::XorMappedAddress(*s),
        Attr::Mapped(s) => Attribute::MappedAddress(*s),
        Attr::Priority(p) => Attribute::Priority(*p),
        Attr::Controlling(t) => Attribute::IceControlling(*t),
        Attr::Error(c, r) => Attribute::ErrorCode(ErrorCode::new(*c).unwrap(), r),
        Attr::Change(i, p) => Attribute::ChangeRequest(ChangeRequest {
            change_ip: *i,
            change_port: *p,
        }),
        Attr::Raw(t, v) => Attribute::Other(stun_proto::wire::attr::AttrType(*t), v),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(m) = Message::new_checked(&bytes) { touch(&m) }
        let _ = frame_len(&bytes);
        let _ = Message::looks_like_stun(&bytes);
    }

    #[test]
    fn random_bodies_with_a_valid_header_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let len = body.len() & !3;
        let mut bytes = vec![0x00, 0x01, (len >> 8) as u8, len as u8, 0x21, 0x12, 0xa4, 0x42];
        bytes.extend_from_slice(&[7; 12]);
        bytes.extend_from_slice(&body[..len]);
        if let Ok(m) = Message::new_checked(&bytes) { touch(&m) }
    }

    #[test]
    fn mutations_of_a_valid_message_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut bytes = valid_message();
        for (at, v) in flips {
            let i = at % bytes.len();
            bytes[i] = v;
        }
        let cut = cut % (bytes.len() + 1);
        for b in [&bytes[..], &bytes[..cut]] {
            if let Ok(m) = Message::new_checked(b) { touch(&m) }
        }
    }

    #[test]
    fn build_then_parse_round_trips(attrs in proptest::collection::vec(arb_attr(), 0..8), tid in any::<[u8; 12]>(), fp in any::<bool>()) {
        let mut out = vec![0u8; 2048];
        let tid = TransactionId(tid);
        let mut b = MessageBuilder::new(&mut out, MessageType::BINDING_SUCCESS, tid).unwrap();
        for a in &attrs {
            b.add(&as_attribute(a)).unwrap();
        }
        let key = IntegrityKey::short_term(b"pw");
        b.add_message_integrity(&key).unwrap();
        if fp { b.add_fingerprint().unwrap(); }
        let n = b.finish();
        let m = Message::new_checked(&out[..n]).unwrap();
        prop_assert_eq!(m.transaction_id(), tid);
        prop_assert!(key.verify(&m).is_ok());
        prop_assert_eq!(m.fingerprint_ok(), fp);
        let parsed: Vec<_> = m.attributes().filter(|a| !matches!(a.kind.0, 0x0008 | 0x8028)).map(|a| a.decode(&tid).unwrap()).collect();
        let expected: Vec<_> = attrs.iter().map(as_attribute).collect();
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn server_and_client_survive_arbitrary_datagrams(datagrams in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 1..20), seed in any::<u64>()) {
        let p = Path::udp("127.0.0.1:1".parse().unwrap(), "127.0.0.1:2".parse().unwrap());
        let mut server: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
        let mut client: StunClient<SeededEntropy, 4> = StunClient::new(ClientConfig::default(), Credentials::LongTerm { username: "u", password: "p" }, SeededEntropy::new(seed)).unwrap();
        client.start_request(Instant::ZERO, p, Method::BINDING, &[]).unwrap();
        let mut buf = [0u8; 1500];
        let mut out = [0u8; MAX_RESPONSE];
        let t = client.poll_transmit(Instant::ZERO, &mut buf).unwrap();
        let tid = Message::new_checked(&buf[..t.len]).unwrap().transaction_id();
        for (i, mut d) in datagrams.into_iter().enumerate() {
            let _ = server.respond(Instant::ZERO, p, &d, &mut out);
            // Splice the live transaction ID into half of them so they reach deep code.
            if i % 2 == 0 && d.len() >= 20 {
                d[0] = 0x01; d[1] = 0x01 | (d[1] & 0x10);
                d[4..8].copy_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
                d[8..20].copy_from_slice(&tid.0);
                let len = (d.len() - 20) & !3;
                d.truncate(20 + len);
                d[2] = (len >> 8) as u8; d[3] = len as u8;
            }
            let _ = client.handle_datagram(Instant::ZERO, p.reversed(), &d);
            while client.poll_transmit(Instant::ZERO, &mut buf).is_some() {}
            while client.poll_event().is_some() {}
        }
        prop_assert!(client.in_flight() <= 1);
    }
}
