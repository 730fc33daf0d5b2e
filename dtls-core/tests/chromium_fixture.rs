//! Recorded headless-Chromium handshakes (tests/fixtures/README.md says how they were made):
//! its ClientHello — fragmented over two datagrams when it carries a post-quantum key share,
//! DTLS 1.3 offered — is reassembled by our server and answered with a DTLS 1.2 ServerHello.
//! The live version of this test (a complete handshake with Chromium) is
//! `tests/chromium/live.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use dtls_core::handshake::reassembly::{Inserted, Reassembler};
use dtls_core::wire::extensions::{self, U16List};
use dtls_core::wire::hello::{ClientHello, ServerHello};
use dtls_core::wire::{ContentType, Fragments, HandshakeType, Reader, Records, DTLS_1_2, DTLS_1_3};
use dtls_core::{Config, DtlsRole, Endpoint, State};
use sansio::{Instant, Path, SansIo, SeededEntropy};

const PQC: &str = include_str!("fixtures/chromium148_pqc_handshake.txt");
const DEFAULT: &str = include_str!("fixtures/chromium148_handshake.txt");
/// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem).
const X25519_MLKEM768: u16 = 0x11ec;
const KEY_SHARE: u16 = 51;

fn datagrams(capture: &str) -> Vec<(bool, Vec<u8>)> {
    capture
        .lines()
        .map(|l| {
            let (dir, hex) = l.split_once(' ').unwrap();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (dir == "c2s", bytes)
        })
        .collect()
}

/// The browser's datagrams carrying fragments of its first ClientHello (message_seq 0).
fn first_hello(capture: &str) -> Vec<Vec<u8>> {
    datagrams(capture)
        .into_iter()
        .filter(|(c2s, d)| {
            *c2s && Records::new(d).flatten().any(|r| {
                r.header.content_type == ContentType::Handshake
                    && Fragments::new(r.payload).flatten().any(|f| {
                        f.header.msg_type == HandshakeType::ClientHello && f.header.message_seq == 0
                    })
            })
        })
        .map(|(_, d)| d)
        .collect()
}

fn path() -> Path {
    Path::udp(
        "198.18.0.2:50000".parse().unwrap(),
        "198.18.0.1:41000".parse().unwrap(),
    )
}

fn server(cookie_exchange: bool) -> Endpoint<SeededEntropy> {
    let config = Config {
        cookie_exchange,
        ..Config::default()
    };
    let mut s = Endpoint::new(
        DtlsRole::Server,
        config,
        support::cert(7),
        SeededEntropy::new(8),
    );
    s.start(Instant::ZERO, path());
    s
}

#[test]
fn pqc_client_hello_is_fragmented_and_offers_dtls13_with_mlkem() {
    let dgrams = first_hello(PQC);
    assert_eq!(dgrams.len(), 2, "two datagrams");
    let mut rx = Reassembler::new(0);
    let mut total = 0;
    for d in &dgrams {
        assert!(d.len() <= 1200);
        for r in Records::new(d).flatten() {
            for f in Fragments::new(r.payload).flatten() {
                total = f.header.length;
                assert!(!f.header.is_whole());
                assert_eq!(rx.insert(&f, 0), Inserted::Stored);
            }
        }
    }
    assert!(total > 1200, "{total}-byte ClientHello");
    let msg = rx.peek().expect("reassembled");
    let ch = ClientHello::parse(msg.body).unwrap();
    assert_eq!(ch.prefix.version, DTLS_1_2, "legacy_version");
    let versions = ch
        .extensions
        .get(extensions::SUPPORTED_VERSIONS)
        .unwrap()
        .unwrap();
    let versions = U16List::new(&versions[1..]).unwrap();
    assert!(versions.contains(DTLS_1_3) && versions.contains(DTLS_1_2));
    let shares = ch.extensions.get(KEY_SHARE).unwrap().unwrap();
    let mut r = Reader::new(Reader::new(shares).vec16().unwrap());
    let mut groups = vec![];
    while !r.is_empty() {
        groups.push((r.u16().unwrap(), r.vec16().unwrap().len()));
    }
    assert!(groups.contains(&(X25519_MLKEM768, 1216)), "{groups:?}");
}

/// Our answer to a recorded first flight, with the cookie exchange off: the first flight.
fn answer(capture: &str) -> Vec<Vec<u8>> {
    let mut s = server(false);
    for d in first_hello(capture) {
        s.handle_datagram(Instant::ZERO, path(), &d).unwrap();
    }
    let mut out = [0u8; 1500];
    let mut sent = vec![];
    while let Some(t) = s.poll_transmit(Instant::ZERO, &mut out) {
        sent.push(out[..t.len].to_vec());
    }
    assert_eq!(s.state(), State::Handshaking);
    sent
}

fn check_server_hello(flight: &[Vec<u8>]) {
    let r = Records::new(&flight[0]).next().unwrap().unwrap();
    let f = Fragments::new(r.payload).next().unwrap().unwrap();
    assert_eq!(f.header.msg_type, HandshakeType::ServerHello);
    let sh = ServerHello::parse(f.body).unwrap();
    assert_eq!(sh.version, DTLS_1_2, "answered with DTLS 1.2");
    assert_eq!(sh.cipher_suite, 0xc02b);
    assert!(sh
        .extensions
        .get(extensions::SUPPORTED_VERSIONS)
        .unwrap()
        .is_none());
    assert!(sh
        .extensions
        .get(extensions::EXTENDED_MASTER_SECRET)
        .unwrap()
        .is_some());
    let srtp =
        extensions::UseSrtp::parse(sh.extensions.get(extensions::USE_SRTP).unwrap().unwrap())
            .unwrap();
    assert_eq!(
        srtp.profiles.iter().collect::<Vec<_>>(),
        [0x0007],
        "SRTP_AEAD_AES_128_GCM"
    );
    // Downgrade sentinel of RFC 8446 §4.1.3 absent: we do not implement 1.3 at all.
    assert_ne!(&sh.random[24..], b"DOWNGRD\x01");
}

#[test]
fn fragmented_pqc_client_hello_gets_a_dtls12_server_hello() {
    let flight = answer(PQC);
    assert!(!flight.is_empty());
    check_server_hello(&flight);
}

#[test]
fn default_chromium_client_hello_gets_a_dtls12_server_hello() {
    let dgrams = first_hello(DEFAULT);
    assert_eq!(dgrams.len(), 1);
    check_server_hello(&answer(DEFAULT));
}

#[test]
fn stateless_server_answers_the_first_fragment_with_a_smaller_hello_verify_request() {
    let mut s = server(true);
    let dgrams = first_hello(PQC);
    let mut out = [0u8; 1500];
    s.handle_datagram(Instant::ZERO, path(), &dgrams[0])
        .unwrap();
    let t = s.poll_transmit(Instant::ZERO, &mut out).unwrap();
    assert!(t.len <= dgrams[0].len());
    let r = Records::new(&out[..t.len]).next().unwrap().unwrap();
    let f = Fragments::new(r.payload).next().unwrap().unwrap();
    assert_eq!(f.header.msg_type, HandshakeType::HelloVerifyRequest);
    // The second fragment alone leaves nothing behind.
    s.handle_datagram(Instant::ZERO, path(), &dgrams[1])
        .unwrap();
    assert!(s.poll_transmit(Instant::ZERO, &mut out).is_none());
    assert_eq!((s.state(), s.poll_timeout()), (State::Listening, None));
}
