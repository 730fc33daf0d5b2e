//! Fuzz bodies, compiled in normal builds so CI runs them (`tests/bad_input.rs`) and shared
#![allow(clippy::indexing_slicing, clippy::panic)] // fuzz bodies: lengths checked above each index, asserts are the point
//! with the cargo-fuzz targets in `fuzz/`. Each takes arbitrary bytes and must never panic.

use crate::association::{Association, ChannelConfig, Config, DtlsRole, Event, MessageKind};
use crate::wire::chunk::{causes, params};
use crate::wire::{crc32c, Chunk, Packet};
use core::time::Duration;
use sansio::{Instant, Path, SansIo, SeededEntropy};

/// Parse a packet and every chunk in it, read every field, re-emit what parsed.
pub fn sctp_parse(data: &[u8]) {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = (
        p.src_port(),
        p.dst_port(),
        p.verification_tag(),
        p.checksum_ok(false),
    );
    for raw in p.chunks() {
        let Ok(raw) = raw else { break };
        let _ = raw.unknown_action();
        let Ok(c) = Chunk::parse(raw) else { continue };
        match &c {
            Chunk::Init(i) | Chunk::InitAck(i) => i.params().for_each(drop),
            Chunk::Sack(s) => {
                s.gaps().for_each(drop);
                s.dups().for_each(drop);
            }
            Chunk::Abort { causes: l, .. } | Chunk::Error { causes: l } => causes(l).for_each(drop),
            Chunk::ReConfig { params: l } => params(l).for_each(|p| {
                if let Ok(p) = p {
                    p.streams().for_each(drop);
                }
            }),
            Chunk::ForwardTsn(f) => f.entries().for_each(drop),
            _ => {}
        }
        let mut out = [0u8; 2048];
        if c.buffer_len() <= out.len() {
            assert!(c.emit(&mut out).is_ok(), "a parsed chunk must re-emit");
        }
    }
    let _ = crate::dcep::Dcep::parse(data);
}

/// The association type the stateful target drives.
pub type Fuzzed = Association<SeededEntropy, [u8; 16 * 1024], 8, 128>;

fn path() -> Path {
    Path::udp(
        core::net::SocketAddr::from(([10, 0, 0, 1], 5000)),
        core::net::SocketAddr::from(([10, 0, 0, 2], 5000)),
    )
}

/// Move packets between `a` and `b` until both are quiet.
fn settle(a: &mut Fuzzed, b: &mut Fuzzed, now: Instant) {
    let mut buf = [0u8; 1500];
    for _ in 0..64 {
        let mut moved = false;
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            let _ = b.handle_datagram(now, path().reversed(), buf.get(..t.len).unwrap_or(&[]));
            moved = true;
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            let _ = a.handle_datagram(now, path(), buf.get(..t.len).unwrap_or(&[]));
            moved = true;
        }
        if !moved {
            break;
        }
    }
    while a.poll_event().is_some() {}
    while b.poll_event().is_some() {}
}

/// An established association with an open channel, fed `data` as a series of packets
/// (each: a 2-byte length, then chunk bytes given the right header, tag and checksum), with
/// timeouts and reads in between. Invariants: no panic, bounded output, reads succeed.
pub fn sctp_association(data: &[u8]) {
    let (mut a, _b, mut now) = established();
    feed(&mut a, &mut now, data);
}

/// Two associations after the handshake, with a channel and a message: `a` is the one fed.
pub fn established() -> (Fuzzed, Fuzzed, Instant) {
    let cfg = |role| Config {
        role,
        ..Config::default()
    };
    let mut a = Fuzzed::new(
        cfg(DtlsRole::Client),
        SeededEntropy::new(1),
        [0; 16 * 1024],
        [0; 16 * 1024],
    );
    let mut b = Fuzzed::new(
        cfg(DtlsRole::Server),
        SeededEntropy::new(2),
        [0; 16 * 1024],
        [0; 16 * 1024],
    );
    let now = Instant::ZERO;
    a.connect(now, path());
    settle(&mut a, &mut b, now);
    if let Ok(ch) = b.open_channel(now, ChannelConfig::default()) {
        let _ = b.send(now, ch, MessageKind::String, b"hello");
    }
    settle(&mut a, &mut b, now);
    (a, b, now)
}

/// Feed `data` to `a` as length-prefixed chunk sequences with `a`'s tag and a right CRC.
fn feed(a: &mut Fuzzed, now: &mut Instant, data: &[u8]) {
    let mut now = *now;
    let (tag, _) = a.verification_tags();
    let mut rest = data;
    let mut pkt = [0u8; 1500];
    let mut out = [0u8; 1500];
    let mut msg = [0u8; 16 * 1024];
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])) % 1400;
        let body = rest.get(2..2 + len).unwrap_or(&rest[2..]);
        rest = rest.get(2 + body.len()..).unwrap_or(&[]);
        let n = 12 + (body.len() & !3);
        pkt[..4].copy_from_slice(&[0x13, 0x88, 0x13, 0x88]);
        pkt[4..8].copy_from_slice(&if len % 7 == 0 { 0 } else { tag }.to_be_bytes());
        pkt[8..12].fill(0);
        pkt[12..n].copy_from_slice(&body[..n - 12]);
        let crc = crc32c(&pkt[..n]);
        pkt[8..12].copy_from_slice(&crc.to_le_bytes());
        let _ = a.handle_datagram(now, path().reversed(), &pkt[..n]);
        now += Duration::from_millis(u64::from(body.first().copied().unwrap_or(0)));
        a.handle_timeout(now);
        let mut sent = 0;
        while let Some(t) = a.poll_transmit(now, &mut out) {
            assert!(t.len <= a.config().mtu);
            sent += 1;
            assert!(sent < 10_000, "runaway transmit");
        }
        while let Some(e) = a.poll_event() {
            if let Event::MessageReady(_) = e {
                while let Ok(Some(r)) = a.poll_message(&mut msg) {
                    assert!(r.len <= msg.len());
                }
            }
        }
    }
}
