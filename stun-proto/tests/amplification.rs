//! The amplification bound of the server module docs: every answer to a request that does
//! not authenticate is at most 6× the request and at most 128 bytes (with a realm of at most
//! [`MAX_REALM`] bytes and SHA-256 offered, the worst case), and within the per-mode figures
//! of the table. Checked on the smallest request of each kind and on thousands of random
//! requests against every server mode.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::net::SocketAddr;
use core::time::Duration;
use sansio::{Instant, Path, SeededEntropy};
use stun_proto::auth::{IntegrityKey, NonceIssuer, SecurityFeatures, UserTable};
use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer};
use stun_proto::server::{MAX_REALM, MAX_RESPONSE};
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Every mode, each with the bound of its row in the table.
fn servers() -> Vec<(&'static str, StunServer<UserTable>, f64)> {
    let config = ServerConfig {
        software: Some("a SOFTWARE value that unauthenticated answers never carry"),
        nat_discovery: None,
    };
    let realm = "r".repeat(MAX_REALM);
    let long_term = |sha256: bool| {
        let mut e = SeededEntropy::new(5);
        let features = SecurityFeatures {
            password_algorithms: sha256,
            username_anonymity: false,
        };
        ServerAuth::LongTerm {
            realm: heapless::String::try_from(realm.as_str()).unwrap(),
            lookup: UserTable::with_users(&realm, [("alice", "pw")]),
            nonces: NonceIssuer::new(&mut e, Duration::from_secs(600), features),
        }
    };
    let discovery = NatDiscovery {
        primary: addr("[2001:db8::1]:3478"),
        alternate: addr("[2001:db8::3]:3479"),
    };
    vec![
        ("open", StunServer::new(config, ServerAuth::None), 2.34),
        (
            "RFC 5780",
            StunServer::new(
                ServerConfig {
                    nat_discovery: Some(discovery),
                    ..config
                },
                ServerAuth::None,
            ),
            4.6,
        ),
        ("long-term", StunServer::new(config, long_term(false)), 5.4),
        (
            "long-term SHA-256",
            StunServer::new(config, long_term(true)),
            6.0,
        ),
    ]
}

fn paths() -> [Path; 2] {
    [
        Path::udp(addr("198.51.100.1:3478"), addr("192.0.2.10:40000")),
        Path::udp(addr("[2001:db8::1]:3478"), addr("[2001:db8::10]:40000")),
    ]
}

fn build(method: Method, attrs: &[Attribute<'_>], mac: Option<&IntegrityKey>, fp: bool) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let kind = MessageType::new(method, Class::Request);
    let mut b = MessageBuilder::new(&mut buf, kind, TransactionId([4; 12])).unwrap();
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

/// The answer's length, checked against `factor` and 128 bytes.
fn check(s: &mut StunServer<UserTable>, mode: &str, factor: f64, req: &[u8]) -> Option<usize> {
    let mut worst = None;
    for p in paths() {
        let mut out = [0u8; MAX_RESPONSE];
        let Ok(Some(t)) = s.respond(Instant::from_secs(7), p, req, &mut out) else {
            continue;
        };
        let m = Message::new_checked(&out[..t.len]).unwrap();
        assert!(
            m.get(AttrType::SOFTWARE).is_none(),
            "{mode}: SOFTWARE unauthenticated"
        );
        assert!(
            t.len as f64 <= factor * req.len() as f64 && t.len <= 128,
            "{mode}: {}-byte answer to a {}-byte request {:02x?}",
            t.len,
            req.len(),
            req
        );
        worst = worst.max(Some(t.len));
    }
    worst
}

#[test]
fn the_smallest_requests_get_the_documented_answers() {
    let binding = build(Method::BINDING, &[], None, false);
    let unknown = build(
        Method::BINDING,
        &[Attribute::Other(AttrType(0x7F00), &[])],
        None,
        false,
    );
    assert_eq!((binding.len(), unknown.len()), (20, 24));
    let mut got = Vec::new();
    for (mode, mut s, factor) in servers() {
        got.push((
            mode,
            check(&mut s, mode, factor, &binding),
            check(&mut s, mode, factor, &unknown),
        ));
    }
    // From the RFC layouts: header 20; XOR-MAPPED-ADDRESS 12 / 24 (IPv6 worst); ERROR-CODE
    // "Unknown Attribute" 28 and UNKNOWN-ATTRIBUTES 8; RESPONSE-ORIGIN and OTHER-ADDRESS
    // 24 each (IPv6); a challenge's ERROR-CODE without phrase 8, REALM 4 + 32, NONCE 4 + 40,
    // PASSWORD-ALGORITHMS 4 + 8.
    assert_eq!(
        got,
        vec![
            ("open", Some(20 + 24), Some(20 + 28 + 8)),
            ("RFC 5780", Some(20 + 3 * 24), Some(20 + 28 + 8)),
            ("long-term", Some(20 + 8 + 36 + 44), Some(20 + 28 + 8)),
            (
                "long-term SHA-256",
                Some(20 + 8 + 36 + 44 + 12),
                Some(20 + 28 + 8)
            ),
        ]
    );
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[test]
fn random_unauthenticated_requests_stay_within_the_bound() {
    let text = "y".repeat(200);
    let bad = IntegrityKey::long_term(b"alice", b"r", b"wrong", PasswordAlgorithm::Md5);
    for (mode, mut s, factor) in servers() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut answered = 0;
        for _ in 0..3000 {
            let method = [Method::BINDING, Method::ALLOCATE][rng.below(2) as usize];
            let mut attrs: Vec<Attribute<'_>> = Vec::new();
            for _ in 0..rng.below(6) {
                let len = rng.below(60) as usize;
                attrs.push(match rng.below(8) {
                    0 => Attribute::Other(AttrType(0x7F00 + rng.below(20) as u16), &[]),
                    1 => Attribute::Other(AttrType(0xC0F0), &text.as_bytes()[..len]),
                    2 => Attribute::Username(&text[..len.max(1)]),
                    3 => Attribute::Realm(&text[..len.max(1)]),
                    4 => Attribute::Nonce(&text[..len.max(1)]),
                    5 => Attribute::PasswordAlgorithm(PasswordAlgorithm::Sha256),
                    6 => Attribute::Padding(&text.as_bytes()[..len]),
                    _ => Attribute::Priority(7),
                });
            }
            let mac = (rng.below(3) == 0).then_some(&bad);
            let req = build(method, &attrs, mac, rng.below(2) == 0);
            answered += usize::from(check(&mut s, mode, factor, &req).is_some());
        }
        assert!(answered > 1000, "{mode}: only {answered} answered");
    }
}
