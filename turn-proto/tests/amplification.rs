//! The amplification bound of the server module docs: every answer to a request that does
//! not authenticate is at most 5.4× the request and at most 116 bytes, with the longest realm
//! the server accepts ([`MAX_REALM`] bytes). Checked on the smallest request of each kind and
//! on thousands of random requests (methods, attributes known and unknown, bad credentials,
//! with and without FINGERPRINT, from IPv4 and IPv6 clients).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{addr, users, Server};
use core::time::Duration;
use sansio::{Instant, Path, SeededEntropy};
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};
use turn_proto::server::{Output, TurnAuth, TurnConfig, TurnServer, MAX_REALM};
use turn_proto::wire::{AddressFamily, RelayProtocol};

const FACTOR: f64 = 5.4;
const MAX_ANSWER: usize = 116;

fn server() -> Server {
    let mut e = SeededEntropy::new(3);
    let realm = "r".repeat(MAX_REALM);
    let auth = TurnAuth::new(&realm, users(&realm), Duration::from_secs(600), &mut e).unwrap();
    TurnServer::new(
        TurnConfig {
            software: Some("a SOFTWARE value that unauthenticated answers never carry"),
            ..TurnConfig::default()
        },
        auth,
        e,
    )
}

fn answer_len(s: &mut Server, path: Path, req: &[u8]) -> Option<usize> {
    let mut out = [0u8; 1500];
    match s.handle_client_datagram(Instant::from_secs(10), path, req, &mut out) {
        Ok(Output::Reply(t)) => {
            let m = Message::new_checked(&out[..t.len]).unwrap();
            assert!(
                m.class() == Class::Error || m.method() == Method::BINDING,
                "only Binding succeeds without credentials"
            );
            assert!(
                m.get(AttrType::SOFTWARE).is_none(),
                "SOFTWARE to an unauthenticated request"
            );
            Some(t.len)
        }
        _ => None,
    }
}

fn build(method: Method, attrs: &[Attribute<'_>], mac: Option<&IntegrityKey>, fp: bool) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let kind = MessageType::new(method, Class::Request);
    let mut b = MessageBuilder::new(&mut buf, kind, TransactionId([9; 12])).unwrap();
    for a in attrs {
        b.add(a).unwrap();
    }
    if let Some(k) = mac {
        b.add_message_integrity(k).unwrap();
    }
    if fp {
        b.add_fingerprint().unwrap();
    }
    let n = b.finish();
    buf.truncate(n);
    buf
}

fn paths() -> [Path; 2] {
    [
        Path::udp(addr("203.0.113.1:3478"), addr("192.0.2.10:40000")),
        Path::udp(addr("[2001:db8::1]:3478"), addr("[2001:db8::10]:40000")),
    ]
}

fn check(s: &mut Server, req: &[u8]) -> usize {
    let mut worst = 0;
    for p in paths() {
        if let Some(n) = answer_len(s, p, req) {
            assert!(
                n as f64 <= FACTOR * req.len() as f64 && n <= MAX_ANSWER,
                "{n}-byte answer to a {}-byte request: {:02x?}",
                req.len(),
                req
            );
            worst = worst.max(n);
        }
    }
    worst
}

#[test]
fn the_smallest_requests_get_the_documented_answers() {
    let mut s = server();
    let [v4, v6] = paths();
    let refresh = build(Method::REFRESH, &[], None, false);
    assert_eq!(refresh.len(), 20);
    // 401: header, ERROR-CODE without a reason phrase, REALM (32), NONCE (37 padded to 40).
    assert_eq!(answer_len(&mut s, v4, &refresh), Some(20 + 8 + 36 + 44));
    // Binding: header and XOR-MAPPED-ADDRESS.
    let mut out = [0u8; 1500];
    let binding = build(Method::BINDING, &[], None, false);
    for (p, want) in [(v4, 32), (v6, 44)] {
        match s.handle_client_datagram(Instant::from_secs(1), p, &binding, &mut out) {
            Ok(Output::Reply(t)) => assert_eq!(t.len, want),
            other => panic!("{other:?}"),
        }
    }
    // 420: ERROR-CODE "Unknown Attribute" (28) and UNKNOWN-ATTRIBUTES (8).
    let unknown = build(
        Method::BINDING,
        &[Attribute::Other(AttrType(0x7F00), &[])],
        None,
        false,
    );
    assert_eq!(answer_len(&mut s, v4, &unknown), Some(20 + 28 + 8));
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_unauthenticated_requests_stay_within_the_bound() {
    let mut s = server();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let methods = [
        Method::BINDING,
        Method::ALLOCATE,
        Method::REFRESH,
        Method::CREATE_PERMISSION,
        Method::CHANNEL_BIND,
        Method::CONNECT,
        Method::CONNECTION_BIND,
        Method::new(0x0FF).unwrap(),
    ];
    let text = "x".repeat(200);
    let bad_key = IntegrityKey::long_term(b"alice", b"r", b"wrong", PasswordAlgorithm::Md5);
    let mut worst = 0.0f64;
    for _ in 0..5000 {
        let method = methods[rng.below(methods.len() as u64) as usize];
        let mut attrs: Vec<Attribute<'_>> = Vec::new();
        for _ in 0..rng.below(6) {
            let len = rng.below(60) as usize;
            attrs.push(match rng.below(9) {
                0 => Attribute::RequestedTransport(RelayProtocol::Udp),
                1 => Attribute::Lifetime(rng.below(4000) as u32),
                2 => Attribute::XorPeerAddress(addr("198.51.100.7:6000")),
                3 => Attribute::Other(AttrType(0x7F00 + rng.below(16) as u16), &[]),
                4 => Attribute::Other(AttrType(0xC0F0), &text.as_bytes()[..len]),
                5 => Attribute::Username(&text[..len.max(1)]),
                6 => Attribute::Realm(&text[..len.max(1)]),
                7 => Attribute::Nonce(&text[..len.max(1)]),
                _ => Attribute::RequestedAddressFamily(AddressFamily::V6),
            });
        }
        let mac = (rng.below(3) == 0).then_some(&bad_key);
        let req = build(method, &attrs, mac, rng.below(2) == 0);
        let n = check(&mut s, &req);
        worst = worst.max(n as f64 / req.len() as f64);
    }
    assert!(worst > 2.0, "the sweep never met a challenge: {worst}");
    assert!(s.allocation_count() == 0);
}
