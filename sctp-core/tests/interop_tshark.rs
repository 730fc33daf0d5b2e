//! Wireshark's SCTP and DataChannel dissectors as an independent judge of our bytes: the
//! traffic of two associations (handshake, DCEP, DATA and I-DATA, SACK with gap blocks and
//! duplicates, HEARTBEAT, FORWARD-TSN, RE-CONFIG, ERROR, SHUTDOWN, ABORT, an INIT-ACK with an
//! unrecognized parameter) goes into a pcap as SCTP over UDP (RFC 6951), and tshark must
//! find nothing malformed and no expert warning, with CRC-32C checking on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use sansio::{Instant, SansIo, SeededEntropy};
use sctp_core::association::{ChannelConfig, Config, DtlsRole, MessageKind, Reliability};
use sctp_core::wire::chunk::Init;
use sctp_core::wire::param::Param;
use sctp_core::wire::{Chunk, List, PacketWriter, RawChunk};
use std::process::Command;
use std::time::Duration;
use support::{assoc, Pair};

const PORT: u16 = 9899;

struct Pcap(Vec<u8>);

impl Pcap {
    fn new() -> Self {
        let mut v = Vec::new();
        for x in [
            0xa1b2_c3d4u32.to_le_bytes().to_vec(),
            2u16.to_le_bytes().to_vec(),
            4u16.to_le_bytes().to_vec(),
            vec![0; 8],
            65535u32.to_le_bytes().to_vec(),
            1u32.to_le_bytes().to_vec(),
        ] {
            v.extend_from_slice(&x);
        }
        Pcap(v)
    }

    fn udp(&mut self, n: u32, from_a: bool, payload: &[u8]) {
        let (src, dst) = if from_a {
            ([127, 0, 0, 1], [127, 0, 0, 2])
        } else {
            ([127, 0, 0, 2], [127, 0, 0, 1])
        };
        let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&((28 + payload.len()) as u16).to_be_bytes());
        ip[4..6].copy_from_slice(&(n as u16).to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&src);
        ip[16..20].copy_from_slice(&dst);
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum();
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(&PORT.to_be_bytes());
        f.extend_from_slice(&PORT.to_be_bytes());
        f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        for x in [1_700_000_000u32, n * 1000, f.len() as u32, f.len() as u32] {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
        self.0.extend_from_slice(&f);
    }
}

/// A session exercising every chunk we send.
fn traffic(interleaving: bool, seed: u64) -> Vec<(bool, Vec<u8>)> {
    let cfg = |role| Config {
        role,
        interleaving,
        heartbeat_interval: Duration::from_secs(2),
        ..Config::default()
    };
    let mk =
        |role, s| support::Assoc::with_capacity(cfg(role), SeededEntropy::new(s), 1 << 20, 1 << 20);
    let mut p = Pair::new(mk(DtlsRole::Client, seed), mk(DtlsRole::Server, seed + 1));
    p.lose = Box::new(|n, _| n % 23 == 0 || n % 29 == 0);
    p.connect();
    let now = p.now;
    let rel =
        p.a.open_channel(
            now,
            ChannelConfig {
                label: "reliable",
                protocol: "chat",
                ..Default::default()
            },
        )
        .unwrap();
    let pr =
        p.a.open_channel(
            now,
            ChannelConfig {
                label: "lossy",
                ordered: false,
                reliability: Reliability::MaxRetransmits(0),
                ..Default::default()
            },
        )
        .unwrap();
    p.run(Duration::from_secs(2), |_| false);
    let now = p.now;
    for i in 0..60u32 {
        p.a.send(
            now,
            rel,
            MessageKind::String,
            format!("message {i}").as_bytes(),
        )
        .unwrap();
        p.a.send(now, pr, MessageKind::Binary, &vec![i as u8; 3000])
            .unwrap();
    }
    p.a.send(now, rel, MessageKind::Binary, &[]).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    p.run(Duration::from_secs(20), |p| {
        while let Ok(Some(_)) = p.b.poll_message(&mut buf) {}
        false
    });
    // A duplicate packet (duplicate TSN reports) and an unknown chunk (ERROR report).
    let (tag, _) = p.b.verification_tags();
    if let Some((_, dup)) = p
        .capture
        .iter()
        .rev()
        .find(|(to_b, pkt)| *to_b && pkt.len() > 100)
        .cloned()
    {
        let _ = p.b.handle_datagram(p.now, support::path().reversed(), &dup);
    }
    let mut raw = [0u8; 64];
    let mut w = PacketWriter::new(&mut raw, 5000, 5000, tag).unwrap();
    w.push(&Chunk::Unknown(RawChunk {
        kind: 0x7F,
        flags: 0,
        value: b"test",
    }))
    .unwrap();
    let n = w.finish(false);
    let _ =
        p.b.handle_datagram(p.now, support::path().reversed(), &raw[..n]);
    p.run(Duration::from_secs(5), |_| false);
    let now = p.now;
    p.a.close_channel(now, rel);
    p.run(Duration::from_secs(5), |_| false);
    let now = p.now;
    p.a.shutdown(now);
    p.run(Duration::from_secs(5), |_| false);
    let mut out = p.capture.clone();
    // An ABORT, and an INIT-ACK reporting an unrecognized parameter, from fresh associations.
    let mut x = assoc(DtlsRole::Client, seed + 2, 1 << 16);
    let mut y = assoc(DtlsRole::Server, seed + 3, 1 << 16);
    let unknown = [
        Param::Other {
            kind: 0xC123,
            value: b"zz",
        },
        Param::ForwardTsnSupported,
    ];
    let init = Init {
        initiate_tag: 0x1234_5678,
        a_rwnd: 65536,
        outbound_streams: 10,
        inbound_streams: 10,
        initial_tsn: 42,
        params: List::Items(&unknown),
    };
    let mut w = PacketWriter::new(&mut raw, 5000, 5000, 0).unwrap();
    w.push(&Chunk::Init(init)).unwrap();
    let n = w.finish(false);
    out.push((true, raw[..n].to_vec()));
    y.handle_datagram(Instant::ZERO, support::path().reversed(), &raw[..n])
        .unwrap();
    while let Some(t) = y.poll_transmit(Instant::ZERO, &mut buf) {
        out.push((false, buf[..t.len].to_vec()));
    }
    x.connect(Instant::ZERO, support::path());
    x.abort(Instant::ZERO);
    while let Some(t) = x.poll_transmit(Instant::ZERO, &mut buf) {
        out.push((true, buf[..t.len].to_vec()));
    }
    out
}

fn tshark(file: &std::path::Path, extra: &[&str]) -> String {
    let o = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-d", &format!("udp.port=={PORT},sctp"), "-o", "sctp.checksum:CRC-32C"])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("INTEROP PEER MISSING: cannot run tshark ({e}); `cargo xtask test` installs it. This test did NOT pass."));
    assert!(
        o.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
#[ignore = "interop: needs tshark (cargo xtask test installs it)"]
fn tshark_dissects_our_traffic_cleanly() {
    let mut pcap = Pcap::new();
    let mut n = 0;
    let mut packets = traffic(false, 10);
    packets.extend(traffic(true, 20));
    for (a, p) in &packets {
        n += 1;
        pcap.udp(n, *a, p);
    }
    let dir = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let file = dir.join(format!("sctp-core-{}.pcap", std::process::id()));
    std::fs::write(&file, &pcap.0).unwrap();
    let bad = tshark(
        &file,
        &[
            "-Y",
            "_ws.malformed || _ws.expert.severity >= warning || !sctp",
        ],
    );
    assert!(
        bad.trim().is_empty(),
        "tshark flagged:\n{bad}\n{}",
        tshark(
            &file,
            &[
                "-V",
                "-Y",
                "_ws.malformed || _ws.expert.severity >= warning"
            ]
        )
    );
    // Every chunk type we meant to send was seen as such.
    let types = tshark(&file, &["-T", "fields", "-e", "sctp.chunk_type"]);
    let seen: std::collections::BTreeSet<u32> = types
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .collect();
    for t in [
        0u32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 64, 130, 192, 194,
    ] {
        assert!(
            seen.contains(&t),
            "chunk type {t} not in the capture: {seen:?}"
        );
    }
    let dcep = tshark(&file, &["-Y", "rtcdc", "-T", "fields", "-e", "rtcdc.label"]);
    assert!(
        dcep.contains("reliable") && dcep.contains("lossy"),
        "DCEP labels not dissected:\n{dcep}"
    );
    let _ = std::fs::remove_file(&file);
}
