//! Bad input: any bytes never panic; verification tags first; out-of-the-blue packets get at
//! most one small reply; unknown chunk types follow their upper bits; memory is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use proptest::prelude::*;
use sansio::{Instant, SansIo, SeededEntropy};
use sctp_core::association::{Association, Config, DtlsRole, Event, LostReason, SmallAssociation};
use sctp_core::wire::chunk::{Data, RawChunks};
use sctp_core::wire::{Chunk, Packet, PacketWriter, RawChunk};
use std::time::Duration;
use support::{assoc, path, Pair};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_bytes_parse_without_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        sctp_core::fuzzing::sctp_parse(&data);
    }

    #[test]
    fn any_packets_into_an_established_association(data in proptest::collection::vec(any::<u8>(), 0..1200)) {
        sctp_core::fuzzing::sctp_association(&data);
    }
}

#[test]
fn fuzz_seeds_run() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds");
    for target in ["sctp_parse", "sctp_association"] {
        let Ok(entries) = std::fs::read_dir(format!("{dir}/{target}")) else {
            continue;
        };
        for e in entries {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            if target == "sctp_parse" {
                sctp_core::fuzzing::sctp_parse(&data);
            } else {
                sctp_core::fuzzing::sctp_association(&data);
            }
        }
    }
}

fn packet(vtag: u32, chunks: &[Chunk<'_>]) -> Vec<u8> {
    let mut buf = vec![0u8; 1500];
    let mut w = PacketWriter::new(&mut buf, 5000, 5000, vtag).unwrap();
    for c in chunks {
        w.push(c).unwrap();
    }
    let n = w.finish(false);
    buf.truncate(n);
    buf
}

fn drain(a: &mut impl SansIo, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    while let Some(t) = a.poll_transmit(now, &mut buf) {
        out.push(buf[..t.len].to_vec());
    }
    out
}

#[test]
fn out_of_the_blue_gets_one_small_abort_and_no_state() {
    let mut a = assoc(DtlsRole::Server, 1, 1 << 16);
    let data = Data {
        tsn: 1,
        stream: 0,
        ppid: 51,
        begin: true,
        end: true,
        payload: &[7; 1000],
        ..Data::default()
    };
    let pkt = packet(0xABCD, &[Chunk::Data(data)]);
    assert!(a.handle_datagram(Instant::ZERO, path(), &pkt).is_err());
    let out = drain(&mut *a, Instant::ZERO);
    assert_eq!(out.len(), 1);
    assert!(
        out[0].len() <= 16,
        "no amplification: {} bytes",
        out[0].len()
    );
    let p = Packet::new_checked(&out[0][..]).unwrap();
    assert_eq!(
        p.verification_tag(),
        0xABCD,
        "T bit: the sender's own tag reflected"
    );
    let c = Chunk::parse(p.chunks().next().unwrap().unwrap()).unwrap();
    assert!(matches!(c, Chunk::Abort { t: true, .. }));
    // An ABORT out of the blue gets nothing.
    let pkt = packet(
        0xABCD,
        &[Chunk::Abort {
            t: false,
            causes: Default::default(),
        }],
    );
    let _ = a.handle_datagram(Instant::ZERO, path(), &pkt);
    assert!(drain(&mut *a, Instant::ZERO).is_empty());
    assert!(a.poll_event().is_none());
}

#[test]
fn wrong_tag_or_checksum_is_dropped_before_anything_else() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 2, 1 << 16),
        assoc(DtlsRole::Server, 3, 1 << 16),
    );
    p.connect();
    let (tag, _) = p.a.verification_tags();
    let abort = Chunk::Abort {
        t: false,
        causes: Default::default(),
    };
    for bad in [packet(tag ^ 1, &[abort]), {
        let mut x = packet(tag, &[abort]);
        x[9] ^= 1;
        x
    }] {
        assert!(p.a.handle_datagram(p.now, path().reversed(), &bad).is_err());
        assert!(
            drain(&mut *p.a, p.now).is_empty(),
            "no answer to a wrong tag"
        );
        assert!(p.a.is_established());
    }
    // The right tag aborts.
    assert!(p
        .a
        .handle_datagram(p.now, path().reversed(), &packet(tag, &[abort]))
        .is_ok());
    assert!(matches!(
        p.a.poll_event(),
        Some(Event::AssociationLost {
            reason: LostReason::PeerAbort
        })
    ));
}

#[test]
fn unknown_chunks_follow_their_upper_bits() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 4, 1 << 16),
        assoc(DtlsRole::Server, 5, 1 << 16),
    );
    p.connect();
    let (tag, _) = p.a.verification_tags();
    let hb = Chunk::Heartbeat(b"ping");
    let cases = [
        (0x3Fu8, false, false),
        (0x7F, false, true),
        (0xBF, true, false),
        (0xFF, true, true),
    ];
    for (kind, continues, reports) in cases {
        let unknown = Chunk::Unknown(RawChunk {
            kind,
            flags: 0,
            value: b"zz",
        });
        let pkt = packet(tag, &[unknown, hb]);
        p.a.handle_datagram(p.now, path().reversed(), &pkt).unwrap();
        let out = drain(&mut *p.a, p.now);
        let chunks: Vec<u8> = out
            .iter()
            .flat_map(|o| {
                let pk = Packet::new_checked(&o[..]).unwrap();
                pk.chunks().map(|c| c.unwrap().kind).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            chunks.contains(&5),
            continues,
            "HEARTBEAT-ACK after type {kind:#x}"
        );
        assert_eq!(chunks.contains(&9), reports, "ERROR for type {kind:#x}");
        assert!(p.a.is_established());
    }
}

#[test]
fn zero_checksum_is_used_only_when_the_peer_offers_it() {
    let cfg = |role, zero| Config {
        role,
        zero_checksum: zero,
        ..Config::default()
    };
    let mk = |role, zero, seed| {
        support::Assoc::with_capacity(cfg(role, zero), SeededEntropy::new(seed), 1 << 16, 1 << 16)
    };
    // a accepts zero checksums, b does not: b sends zeros (a offered), a sends CRCs.
    let mut p = Pair::new(
        mk(DtlsRole::Client, true, 6),
        mk(DtlsRole::Server, false, 7),
    );
    let mut zeros = [0usize; 2];
    p.connect();
    assert!(p.b.sends_zero_checksum() && !p.a.sends_zero_checksum());
    let now = p.now;
    let ch = p.b.open_channel(now, Default::default()).unwrap();
    p.b.send(now, ch, sctp_core::association::MessageKind::String, b"x")
        .unwrap();
    let mut buf = [0u8; 1500];
    while let Some(t) = p.b.poll_transmit(now, &mut buf) {
        let pk = Packet::new_checked(&buf[..t.len]).unwrap();
        zeros[0] += usize::from(pk.checksum() == 0);
        p.a.handle_datagram(now, path(), &buf[..t.len]).unwrap();
    }
    while let Some(t) = p.a.poll_transmit(now, &mut buf) {
        zeros[1] += usize::from(Packet::new_checked(&buf[..t.len]).unwrap().checksum() == 0);
    }
    assert!(zeros[0] > 0, "b should send zero checksums");
    assert_eq!(zeros[1], 0, "a must keep the CRC (b did not offer)");
    // b rejects a zero checksum it never offered to accept.
    let (tag, _) = p.b.verification_tags();
    let mut hb = packet(tag, &[Chunk::Heartbeat(b"x")]);
    hb[8..12].fill(0);
    assert!(p.b.handle_datagram(now, path().reversed(), &hb).is_err());
}

#[test]
fn a_message_larger_than_the_receive_buffer_aborts_instead_of_growing() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 8, 1 << 16),
        assoc(DtlsRole::Server, 9, 1 << 16),
    );
    p.connect();
    let (tag, _) = p.b.verification_tags();
    let (_, peer_tag) = p.a.verification_tags();
    assert_eq!(tag, peer_tag);
    // Endless fragments of one message, never its end, written by hand.
    let mut tsn = first_tsn(&mut p);
    let mut lost = false;
    for i in 0..200u32 {
        let d = Data {
            idata: true,
            tsn,
            stream: 1,
            mid: 0,
            fsn: i,
            ppid: 53,
            begin: i == 0,
            end: false,
            payload: &[1; 1000],
            ..Data::default()
        };
        let _ =
            p.b.handle_datagram(p.now, path().reversed(), &packet(tag, &[Chunk::Data(d)]));
        drain(&mut *p.b, p.now);
        while let Some(e) = p.b.poll_event() {
            lost |= matches!(
                e,
                Event::AssociationLost {
                    reason: LostReason::OutOfResource
                }
            );
        }
        tsn = tsn.wrapping_add(1);
    }
    assert!(lost, "the receiver must give up, not grow");
}

/// The next TSN b expects from a: send one byte from a and read its TSN off the wire.
fn first_tsn(p: &mut Pair) -> u32 {
    let now = p.now;
    let ch =
        p.a.open_channel(
            now,
            sctp_core::association::ChannelConfig {
                negotiated_id: Some(9),
                ..Default::default()
            },
        )
        .unwrap();
    p.a.send(now, ch, sctp_core::association::MessageKind::Binary, b"1")
        .unwrap();
    for pkt in drain(&mut *p.a, now) {
        let _ = p.b.handle_datagram(now, path().reversed(), &pkt);
        let pk = Packet::new_checked(&pkt[..]).unwrap();
        for c in pk.chunks() {
            if let Ok(Chunk::Data(d)) = Chunk::parse(c.unwrap()) {
                return d.tsn.wrapping_add(1);
            }
        }
    }
    panic!("no DATA");
}

#[test]
fn small_configuration_size_is_bounded() {
    let size = std::mem::size_of::<SmallAssociation<SeededEntropy>>();
    eprintln!("SmallAssociation: {size} bytes");
    // 2 × 20 KiB buffers + tables; see README "Memory".
    assert!(size < 56 * 1024, "{size}");
    let mut a: Box<SmallAssociation<SeededEntropy>> = Box::new(Association::new(
        Config::default(),
        SeededEntropy::new(1),
        [0; 20 * 1024],
        [0; 20 * 1024],
    ));
    a.connect(Instant::ZERO, path());
    assert_eq!(drain(&mut *a, Instant::ZERO).len(), 1);
    let _ = Duration::ZERO;
    let _ = RawChunks::new(&[]);
}

/// Regenerate the fuzz seed corpus from real traffic: `cargo test -p sctp-core --test
/// bad_input write_fuzz_seeds -- --ignored`.
#[test]
#[ignore = "writes fuzz/seeds; run by hand"]
fn write_fuzz_seeds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds");
    let (mut a, mut b, now) = sctp_core::fuzzing::established();
    let mut packets = Vec::new();
    let ch = b.open_channel(now, Default::default()).unwrap();
    for (i, size) in [1usize, 100, 3000].iter().enumerate() {
        b.send(
            now,
            ch,
            sctp_core::association::MessageKind::Binary,
            &vec![i as u8; *size],
        )
        .unwrap();
    }
    b.close_channel(now, ch);
    let mut buf = [0u8; 1500];
    for _ in 0..4 {
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            packets.push(buf[..t.len].to_vec());
            let _ = a.handle_datagram(now, path(), &buf[..t.len]);
        }
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            packets.push(buf[..t.len].to_vec());
            let _ = b.handle_datagram(now, path().reversed(), &buf[..t.len]);
        }
    }
    b.shutdown(now);
    while let Some(t) = b.poll_transmit(now, &mut buf) {
        packets.push(buf[..t.len].to_vec());
    }
    std::fs::create_dir_all(format!("{dir}/sctp_parse")).unwrap();
    std::fs::create_dir_all(format!("{dir}/sctp_association")).unwrap();
    for (i, p) in packets.iter().enumerate() {
        std::fs::write(format!("{dir}/sctp_parse/seed{i}"), p).unwrap();
        let body = &p[12..];
        let mut s = (body.len() as u16).to_be_bytes().to_vec();
        s.extend_from_slice(body);
        std::fs::write(format!("{dir}/sctp_association/seed{i}"), s).unwrap();
    }
    assert!(packets.len() >= 5);
}

/// A COOKIE-ECHO that arrives after the cookie's lifetime gets a Stale Cookie ERROR, and the
/// initiator starts over with a new INIT (RFC 9260 §5.2.6), then succeeds.
#[test]
fn stale_cookie_restarts_the_handshake() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 40, 1 << 16),
        assoc(DtlsRole::Server, 41, 1 << 16),
    );
    let now = p.now;
    p.a.connect(now, path());
    // INIT → b, INIT-ACK → a; then hold the COOKIE-ECHO for two minutes.
    let mut buf = [0u8; 1500];
    let t = p.a.poll_transmit(now, &mut buf).unwrap();
    p.b.handle_datagram(now, path().reversed(), &buf[..t.len])
        .unwrap();
    let t = p.b.poll_transmit(now, &mut buf).unwrap();
    p.a.handle_datagram(now, path(), &buf[..t.len]).unwrap();
    let echo = {
        let t = p.a.poll_transmit(now, &mut buf).unwrap();
        buf[..t.len].to_vec()
    };
    let late = now + Duration::from_secs(120);
    assert!(p.b.handle_datagram(late, path().reversed(), &echo).is_err());
    let t =
        p.b.poll_transmit(late, &mut buf)
            .expect("Stale Cookie ERROR");
    let pk = Packet::new_checked(&buf[..t.len]).unwrap();
    assert!(matches!(
        Chunk::parse(pk.chunks().next().unwrap().unwrap()).unwrap(),
        Chunk::Error { .. }
    ));
    assert!(!p.b.is_established());
    p.a.handle_datagram(late, path(), &buf[..t.len]).unwrap();
    assert_eq!(p.a.state(), sctp_core::association::State::CookieWait);
    p.now = late;
    assert!(p.run(Duration::from_secs(30), |p| p.a.is_established()
        && p.b.is_established()));
}
