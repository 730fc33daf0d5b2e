//! Fuzz bodies, compiled in normal builds so CI exercises them (the `fuzz/` crate calls
//! these from cargo-fuzz targets; the tests below run them on pseudo-random input). A fuzz
//! body reports a broken invariant by panicking: that is what the fuzzer looks for.
#![allow(clippy::panic)]

use crate::auth::{IntegrityKey, NonceIssuer, SecurityFeatures, StaticUsers};
use crate::client::{ClientConfig, Credentials, StunClient};
use crate::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use crate::wire::attr::{AttrType, Attribute, ChangeRequest, PasswordAlgorithm};
use crate::wire::{frame_len, Class, Message, MessageBuilder, MessageType, Method, TransactionId};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};

/// Parse, decode every attribute, verify integrity and fingerprint, and answer as a server.
pub fn parse(data: &[u8]) {
    let _ = frame_len(data);
    let Ok(msg) = Message::new_checked(data) else {
        return;
    };
    let tid = msg.transaction_id();
    for a in msg.attributes() {
        let _ = a.decode(&tid);
    }
    let _ = msg.fingerprint_ok();
    let _ = IntegrityKey::short_term(b"fuzz").verify(&msg);
    let mut server: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let mut out = [0u8; MAX_RESPONSE];
    let path = Path::udp(([127, 0, 0, 1], 3478).into(), ([127, 0, 0, 1], 5000).into());
    if let Ok(Some(t)) = server.respond(Instant::ZERO, path, data, &mut out) {
        assert!(t.len <= MAX_RESPONSE);
        assert!(
            Message::new_checked(out.get(..t.len).unwrap_or(&[])).is_ok(),
            "server wrote an invalid response"
        );
    }
}

/// A client with transactions in flight fed `data` as a sequence of responses, with time
/// moving on; the live transaction ID is spliced into inputs so they reach deep code.
pub fn client(data: &[u8]) {
    let path = Path::udp(([127, 0, 0, 1], 5000).into(), ([127, 0, 0, 1], 3478).into());
    let creds = Credentials::LongTerm {
        username: "user",
        password: "pass",
    };
    let Ok(mut c) =
        StunClient::<_, 4, 548>::new(ClientConfig::default(), creds, SeededEntropy::new(1))
    else {
        return;
    };
    let mut now = Instant::ZERO;
    let _ = c.start_request(now, path, Method::BINDING, &[]);
    let mut buf = [0u8; 600];
    for chunk in data.split(|b| *b == 0xFF).take(32) {
        let mut tid = None;
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            tid = Message::new_checked(buf.get(..t.len).unwrap_or(&[]))
                .ok()
                .map(|m| m.transaction_id());
        }
        let mut msg = [0u8; 600];
        let n = chunk.len().min(msg.len());
        if let (Some(dst), Some(src)) = (msg.get_mut(..n), chunk.get(..n)) {
            dst.copy_from_slice(src);
        }
        if let (Some(tid), true, Some(dst)) = (tid, n >= 20, msg.get_mut(8..20)) {
            dst.copy_from_slice(&tid.0);
        }
        let _ = c.handle_datagram(now, path.reversed(), msg.get(..n).unwrap_or(&[]));
        while c.poll_event().is_some() {}
        if c.in_flight() == 0 {
            let _ = c.start_request(now, path, Method::BINDING, &[]);
        }
        now = c.poll_timeout().map_or(now, |t| t.max(now));
        c.handle_timeout(now);
    }
}

/// The only user, `fuzz` / `pass`, in the realm `fuzz.example` (the TURN fuzz bodies share
/// it).
pub fn fuzz_users() -> StaticUsers<1> {
    let mut users = StaticUsers::new("fuzz.example").unwrap_or_else(|_| panic!("realm fits"));
    users
        .add("fuzz", "pass")
        .unwrap_or_else(|_| panic!("one user fits"));
    users
}

const PRIMARY: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(198, 51, 100, 1)),
    3478,
);
const ALTERNATE: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(198, 51, 100, 2)),
    3479,
);
const CLIENT: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(203, 0, 113, 9)),
    40_000,
);

/// What a [`server_long_term`] run reached, for the unit tests of the body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerReport {
    /// Signed requests answered with a success response (its MESSAGE-INTEGRITY verified).
    pub signed_ok: u32,
    /// Signed requests answered with an error (stale nonce, wrong realm, unknown attribute…).
    pub signed_refused: u32,
    /// Tampered copies of a signed request (op 3), none of which may succeed.
    pub tampered: u32,
}

/// The client side of long-term authentication: what the server's 401 taught.
struct Session {
    realm: heapless::String<128>,
    nonce: heapless::String<128>,
    next_tid: u32,
    last: ([u8; 600], usize, Path),
}

impl Session {
    fn learn(&mut self, answer: &[u8]) {
        let Ok(m) = Message::new_checked(answer) else {
            return;
        };
        if let Some(r) = m.realm() {
            self.realm = heapless::String::try_from(r).unwrap_or_default();
        }
        if let Some(n) = m.nonce() {
            self.nonce = heapless::String::try_from(n).unwrap_or_default();
        }
    }

    fn tid(&mut self) -> TransactionId {
        self.next_tid = self.next_tid.wrapping_add(1);
        let mut t = [0x33; 12];
        t[..4].copy_from_slice(&self.next_tid.to_be_bytes());
        TransactionId(t)
    }
}

/// A Binding server with long-term credentials (stateless nonces with the RFC 8489
/// security-feature cookie) in RFC 5780 mode, fed a script: 0 a raw datagram, 1 a Binding
/// request the body signs with the nonce the server issued (attributes chosen by the
/// script), 2 time passing (nonces go stale), 3 the last signed request with one bit
/// flipped, 4 an unsigned request (a fresh 401 and nonce). Checks that every success
/// response to a signed request is signed with the user's key and that no tampered request
/// ever succeeds.
pub fn server_long_term(data: &[u8]) -> ServerReport {
    let mut e = SeededEntropy::new(3);
    let features = SecurityFeatures {
        password_algorithms: true,
        username_anonymity: false,
    };
    let auth = ServerAuth::LongTerm {
        realm: heapless::String::try_from("fuzz.example").unwrap_or_default(),
        lookup: fuzz_users(),
        nonces: NonceIssuer::new(&mut e, Duration::from_secs(300), features),
    };
    let config = ServerConfig {
        software: Some("fuzz"),
        nat_discovery: Some(NatDiscovery {
            primary: PRIMARY,
            alternate: ALTERNATE,
        }),
    };
    let mut server: StunServer<StaticUsers<1>> = StunServer::new(config, auth);
    let mut s = Session {
        realm: heapless::String::new(),
        nonce: heapless::String::new(),
        next_tid: 0,
        last: ([0; 600], 0, Path::udp(PRIMARY, CLIENT)),
    };
    let mut report = ServerReport::default();
    let mut now = Instant::from_secs(1);
    unsigned(&mut server, &mut s, now);
    let mut out = [0u8; MAX_RESPONSE];
    for chunk in data.split(|b| *b == 0xFF).take(32) {
        let (op, rest) = chunk.split_first().unwrap_or((&0, &[]));
        match op % 5 {
            0 => {
                let path = Path::udp(local(rest.first().copied().unwrap_or(0)), CLIENT);
                let _ = server.respond(now, path, rest, &mut out);
            }
            1 => signed(&mut server, &mut s, now, rest, &mut report),
            2 => now += Duration::from_secs(u64::from(rest.first().copied().unwrap_or(1)) * 10),
            3 => tampered(&mut server, &s, now, rest, &mut report),
            _ => unsigned(&mut server, &mut s, now),
        }
    }
    report
}

/// One of the four RFC 5780 listening addresses.
fn local(b: u8) -> SocketAddr {
    match b % 4 {
        0 => PRIMARY,
        1 => ALTERNATE,
        2 => SocketAddr::new(PRIMARY.ip(), ALTERNATE.port()),
        _ => SocketAddr::new(ALTERNATE.ip(), PRIMARY.port()),
    }
}

fn unsigned(server: &mut StunServer<StaticUsers<1>>, s: &mut Session, now: Instant) {
    let mut req = [0u8; 64];
    let tid = s.tid();
    let Ok(b) = MessageBuilder::new(&mut req, MessageType::BINDING_REQUEST, tid) else {
        return;
    };
    let n = b.finish();
    let mut out = [0u8; MAX_RESPONSE];
    let path = Path::udp(PRIMARY, CLIENT);
    if let Ok(Some(t)) = server.respond(now, path, req.get(..n).unwrap_or(&[]), &mut out) {
        s.learn(out.get(..t.len).unwrap_or(&[]));
    }
}

/// Op 1. Layout: byte 0 = listening address (bits 0–1), SHA-256 key (bit 2),
/// MESSAGE-INTEGRITY-SHA256 (bit 3), no FINGERPRINT (bit 4), a wrong realm (bit 5), an
/// algorithm the server does not know (bit 6); byte 1 = CHANGE-REQUEST (bits 0–1, present
/// when bit 2), RESPONSE-PORT (bit 3, value from bytes 2–3), PADDING (bit 4, length byte 4);
/// the rest raw TLVs (type: 2 bytes, length: 1 byte, value).
fn signed(
    server: &mut StunServer<StaticUsers<1>>,
    s: &mut Session,
    now: Instant,
    rest: &[u8],
    report: &mut ServerReport,
) {
    let sel = rest.first().copied().unwrap_or(0);
    let flags = rest.get(1).copied().unwrap_or(0);
    let port = u16::from_be_bytes([
        rest.get(2).copied().unwrap_or(0),
        rest.get(3).copied().unwrap_or(0),
    ]);
    let pad = [0u8; 64];
    let pad_len = usize::from(rest.get(4).copied().unwrap_or(0)) % pad.len();
    let alg = match sel & 0x44 {
        0 => PasswordAlgorithm::Md5,
        0x04 => PasswordAlgorithm::Sha256,
        _ => PasswordAlgorithm::Other(7),
    };
    let tid = s.tid();
    let realm = if sel & 0x20 != 0 {
        "other.example"
    } else {
        s.realm.as_str()
    };
    let key = IntegrityKey::long_term(b"fuzz", realm.as_bytes(), b"pass", alg);
    let mut req = [0u8; 600];
    let Ok(mut b) = MessageBuilder::new(&mut req, MessageType::BINDING_REQUEST, tid) else {
        return;
    };
    let mut built = Ok(());
    if flags & 0x04 != 0 {
        let cr = ChangeRequest {
            change_ip: flags & 1 != 0,
            change_port: flags & 2 != 0,
        };
        built = built.and_then(|()| b.add(&Attribute::ChangeRequest(cr)));
    }
    if flags & 0x08 != 0 {
        built = built.and_then(|()| b.add(&Attribute::ResponsePort(port)));
    }
    if flags & 0x10 != 0 {
        built = built.and_then(|()| b.add(&Attribute::Padding(pad.get(..pad_len).unwrap_or(&[]))));
    }
    let mut raw = rest.get(5..).unwrap_or(&[]);
    while let [t0, t1, l, tail @ ..] = raw {
        let value = tail.get(..usize::from(*l)).unwrap_or(tail);
        raw = tail.get(value.len()..).unwrap_or(&[]);
        built = built.and_then(|()| b.add_raw(AttrType(u16::from_be_bytes([*t0, *t1])), value));
    }
    let built = built
        .and_then(|()| b.add(&Attribute::Username("fuzz")))
        .and_then(|()| b.add(&Attribute::Realm(realm)))
        .and_then(|()| b.add(&Attribute::Nonce(&s.nonce)))
        .and_then(|()| match alg {
            PasswordAlgorithm::Md5 => Ok(()),
            a => b.add(&Attribute::PasswordAlgorithm(a)),
        })
        .and_then(|()| match sel & 0x08 {
            0 => b.add_message_integrity(&key),
            _ => b.add_message_integrity_sha256(&key),
        })
        .and_then(|()| match sel & 0x10 {
            0 => b.add_fingerprint(),
            _ => Ok(()),
        });
    if built.is_err() {
        return;
    }
    let n = b.finish();
    let path = Path::udp(local(sel), CLIENT);
    s.last = (req, n, path);
    let mut out = [0u8; MAX_RESPONSE];
    let Ok(Some(t)) = server.respond(now, path, req.get(..n).unwrap_or(&[]), &mut out) else {
        return;
    };
    let answer = out.get(..t.len).unwrap_or(&[]);
    s.learn(answer);
    let Ok(m) = Message::new_checked(answer) else {
        panic!("the server wrote an invalid response");
    };
    assert_eq!(
        m.transaction_id(),
        tid,
        "a response with another transaction ID"
    );
    if m.class() == Class::Success {
        assert!(
            key.verify(&m).is_ok(),
            "a success response to a signed request is not signed with the user's key"
        );
        report.signed_ok += 1;
    } else {
        report.signed_refused += 1;
    }
}

/// Op 3: the last signed request with bit `rest[1] % 8` of byte `rest[0]` flipped.
/// MESSAGE-INTEGRITY covers everything up to its own value and FINGERPRINT's value covers
/// the rest, so no such request may succeed — except a flip in FINGERPRINT's type field,
/// which turns it into an unknown optional attribute after MESSAGE-INTEGRITY, one that
/// RFC 8489 §14.5 says to ignore. Fuzz builds (`cfg(fuzzing)`) skip MAC and FINGERPRINT
/// checks so that fuzzers go deep; there the tampered request is sent but not judged.
fn tampered(
    server: &mut StunServer<StaticUsers<1>>,
    s: &Session,
    now: Instant,
    rest: &[u8],
    report: &mut ServerReport,
) {
    let (mut req, n, path) = s.last;
    if n == 0 {
        return;
    }
    let at = usize::from(rest.first().copied().unwrap_or(0)) % n;
    let bit = rest.get(1).copied().unwrap_or(0) % 8;
    let fingerprint_type = Message::new_checked(req.get(..n).unwrap_or(&[]))
        .ok()
        .and_then(|m| m.fingerprint_offset())
        .map(|fp| fp..fp + 2);
    if fingerprint_type.is_some_and(|r| r.contains(&at)) {
        return;
    }
    if let Some(b) = req.get_mut(at) {
        *b ^= 1 << bit;
    }
    report.tampered += 1;
    let mut out = [0u8; MAX_RESPONSE];
    if let Ok(Some(t)) = server.respond(now, path, req.get(..n).unwrap_or(&[]), &mut out) {
        let ok = Message::new_checked(out.get(..t.len).unwrap_or(&[]))
            .is_ok_and(|m| m.class() == Class::Success);
        assert!(
            cfg!(fuzzing) || !ok,
            "a request with byte {at} bit {bit} flipped was answered with success"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansio::Entropy;

    #[test]
    fn fuzz_bodies_survive_pseudo_random_input() {
        let mut e = SeededEntropy::new(42);
        for i in 0..3000usize {
            let mut data = [0u8; 160];
            let len = i % data.len();
            e.fill(&mut data);
            // Half the cases get a plausible STUN header.
            if i % 2 == 0 {
                data[0] = 0x01;
                data[1] = 0x01;
                data[2] = 0;
                data[3] = ((len.saturating_sub(20)) & !3) as u8;
                data[4..8].copy_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
            }
            parse(&data[..len]);
            client(&data[..len]);
            server_long_term(&data[..len]);
        }
    }

    #[test]
    fn long_term_body_reaches_authenticated_answers() {
        // Op 1 four ways: plain; CHANGE-REQUEST (IP and port) from the alternate address;
        // SHA-256 key with MESSAGE-INTEGRITY-SHA256; a wrong realm (refused).
        let script: [&[u8]; 4] = [&[1, 0, 0], &[1, 1, 0x07], &[1, 0x0C, 0], &[1, 0x20, 0]];
        let r = server_long_term(&script.join(&0xFF));
        assert_eq!((r.signed_ok, r.signed_refused), (3, 1), "{r:?}");
        // Ten minutes later the nonce is stale (438); an unsigned request (a 401) brings a
        // fresh one and the same request succeeds again.
        let script: [&[u8]; 4] = [&[2, 60], &[1, 0, 0], &[4], &[1, 0, 0]];
        let r = server_long_term(&script.join(&0xFF));
        assert_eq!((r.signed_ok, r.signed_refused), (1, 1), "{r:?}");
    }

    #[test]
    fn long_term_body_tampers_every_byte_of_a_signed_request() {
        // Without FINGERPRINT (112 bytes) only MESSAGE-INTEGRITY guards the request; with it
        // (120 bytes) every byte but FINGERPRINT's 2-byte type field is covered twice.
        for (sel, len, flipped) in [(0x10u8, 112u8, 112), (0, 120, 118)] {
            let mut tampered = 0;
            for at in 0..len {
                let script: [&[u8]; 3] = [&[1, sel, 0], &[3, at, at / 3], &[1, sel, 0]];
                let r = server_long_term(&script.join(&0xFF));
                assert_eq!(r.signed_ok, 2, "byte {at}: {r:?}");
                tampered += r.tampered;
            }
            assert_eq!(tampered, flipped, "sel {sel:#x}");
        }
    }
}
