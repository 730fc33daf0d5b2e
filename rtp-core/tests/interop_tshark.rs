//! Wireshark's dissectors as an independent judge of our bytes: we write RTP (with
//! one-byte and two-byte header extensions, CSRCs and padding) and every RTCP packet type to
//! a pcap, and `tshark` must dissect all of them with no malformed packet and no expert
//! warning or error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rtp_core::wire::ext::{AbsSendTime, AudioLevel, TransportSequence};
use rtp_core::wire::rtcp::{
    emit_compound, sdes_item, AppRepr, ByeRepr, FirEntry, FirRepr, NackEntry, NackRepr, Pli,
    ReceiverReportRepr, RembRepr, ReportBlock, RtcpRepr, SdesChunkRepr, SdesItem, SdesRepr,
    SenderReportRepr, TransportCcRepr, TwccPackets,
};
use rtp_core::wire::{ExtensionElement, HeaderExtension, RtpHeader};
use std::process::Command;
use std::time::Duration;

const RTP_PORT: u16 = 5004;
const RTCP_PORT: u16 = 5005;

/// A classic pcap file (link type Ethernet) with fake Ethernet/IPv4/UDP headers.
struct Pcap(Vec<u8>);

impl Pcap {
    fn new() -> Self {
        let mut v = Vec::new();
        v.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic, µs resolution
        v.extend_from_slice(&2u16.to_le_bytes());
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        v.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        v.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
        v.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        Pcap(v)
    }

    fn udp(&mut self, n: u32, src_port: u16, dst_port: u16, payload: &[u8]) {
        let mut f = Vec::new();
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
        let ip_len = (20 + 8 + payload.len()) as u16;
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
        ip[4..6].copy_from_slice(&(n as u16).to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&[127, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[127, 0, 0, 1]);
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum();
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(&src_port.to_be_bytes());
        f.extend_from_slice(&dst_port.to_be_bytes());
        f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&0u16.to_be_bytes()); // no UDP checksum (allowed over IPv4)
        f.extend_from_slice(payload);
        self.0.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        self.0.extend_from_slice(&(n * 20_000).to_le_bytes());
        self.0.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.0.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.0.extend_from_slice(&f);
    }
}

fn rtp_packets() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let ast = AbsSendTime::from_ntp(0x0000_0001_8000_0000).to_bytes();
    let tws = TransportSequence(77).to_bytes();
    let lvl = AudioLevel {
        voice: true,
        level: 30,
    }
    .to_bytes();
    let one = [
        ExtensionElement::new(1, &lvl),
        ExtensionElement::new(2, &ast),
        ExtensionElement::new(3, &tws),
        ExtensionElement::new(4, b"audio"),
    ];
    // (Wireshark 4.0 stops before a zero-length element at the very end of a two-byte
    // block, so the zero-length element goes first; our own parser reads both orders.)
    let two = [
        ExtensionElement::new(1, &[]),
        ExtensionElement::new(20, b"two-byte"),
    ];
    let exts = [
        HeaderExtension::Elements(&one),
        HeaderExtension::Elements(&two),
        HeaderExtension::None,
    ];
    for (i, ext) in exts.iter().enumerate() {
        let mut h = RtpHeader {
            marker: i == 2,
            payload_type: 111,
            sequence_number: 1000 + i as u16,
            timestamp: 48_000 + 960 * i as u32,
            ssrc: 0x1234_5678,
            extension: *ext,
            padding: if i == 1 { 4 } else { 0 },
            ..Default::default()
        };
        if i == 1 {
            h.csrcs.extend_from_slice(&[1, 2]).unwrap();
        }
        let payload: Vec<u8> = (0..120u8).collect();
        let mut buf = vec![0u8; 1500];
        let n = h.emit(&payload, &mut buf).unwrap();
        buf.truncate(n);
        out.push(buf);
    }
    out
}

fn rtcp_packets() -> Vec<Vec<u8>> {
    let block = ReportBlock {
        ssrc: 0x1234_5678,
        fraction_lost: 10,
        cumulative_lost: 3,
        extended_highest_seq: 0x0001_0010,
        jitter: 90,
        last_sr: 0x0001_8000,
        delay_since_last_sr: 0x0000_8000,
    };
    let blocks = [
        block,
        ReportBlock {
            ssrc: 0x9999,
            ..block
        },
    ];
    let cname = [SdesItem {
        kind: sdes_item::CNAME,
        value: b"rtp-core@127.0.0.1",
    }];
    let chunk = [SdesChunkRepr {
        ssrc: 0xAAAA_0001,
        items: &cname,
    }];
    let sdes = RtcpRepr::Sdes(SdesRepr { chunks: &chunk });
    let rr = RtcpRepr::ReceiverReport(ReceiverReportRepr {
        ssrc: 0xAAAA_0001,
        reports: &blocks,
    });
    let sr = RtcpRepr::SenderReport(SenderReportRepr {
        ssrc: 0xAAAA_0001,
        ntp_time: 0xE9E0_0000_4000_0000,
        rtp_time: 123_456,
        packet_count: 100,
        octet_count: 120_000,
        reports: &blocks[..1],
    });
    let nack = [NackEntry {
        pid: 1001,
        blp: 0b101,
    }];
    let fir = [FirEntry {
        ssrc: 0x1234_5678,
        seq: 1,
    }];
    let twcc_deltas: Vec<Option<i16>> = (0..30)
        .map(|i| match i % 5 {
            0 => None,
            1 => Some(-8),
            2 => Some(1000),
            _ => Some(i as i16 * 3),
        })
        .collect();
    let compounds: Vec<Vec<RtcpRepr<'_>>> = vec![
        vec![sr, sdes],
        vec![
            rr,
            sdes,
            RtcpRepr::Bye(ByeRepr {
                sources: &[0xAAAA_0001],
                reason: Some(b"done"),
            }),
        ],
        vec![
            rr,
            sdes,
            RtcpRepr::App(AppRepr {
                subtype: 1,
                ssrc: 0xAAAA_0001,
                name: *b"TEST",
                data: &[1, 2, 3, 4],
            }),
        ],
        vec![
            rr,
            sdes,
            RtcpRepr::Nack(NackRepr {
                sender_ssrc: 0xAAAA_0001,
                media_ssrc: 0x1234_5678,
                entries: &nack,
            }),
        ],
        vec![RtcpRepr::Pli(Pli {
            sender_ssrc: 0xAAAA_0001,
            media_ssrc: 0x1234_5678,
        })], // reduced-size
        vec![
            rr,
            sdes,
            RtcpRepr::Fir(FirRepr {
                sender_ssrc: 0xAAAA_0001,
                entries: &fir,
            }),
        ],
        vec![
            rr,
            sdes,
            RtcpRepr::Remb(RembRepr {
                sender_ssrc: 0xAAAA_0001,
                bitrate: 1_500_000,
                ssrcs: &[0x1234_5678],
            }),
        ],
        vec![
            rr,
            sdes,
            RtcpRepr::TransportCc(TransportCcRepr {
                sender_ssrc: 0xAAAA_0001,
                media_ssrc: 0x1234_5678,
                base_seq: 65530,
                reference_time: 12345,
                fb_count: 3,
                packets: TwccPackets::Deltas(&twcc_deltas),
            }),
        ],
    ];
    compounds
        .iter()
        .map(|c| {
            let mut buf = vec![0u8; 1500];
            let n = emit_compound(c, &mut buf).unwrap();
            buf.truncate(n);
            buf
        })
        .collect()
}

/// RTCP written by two live sessions: SR/RR with report blocks, SDES, NACK, PLI, FIR, REMB
/// and the final BYE.
fn session_rtcp() -> Vec<Vec<u8>> {
    use rtp_core::ntp::NtpTime;
    use rtp_core::session::{RtpSession, SessionConfig};
    use sansio::{Instant, Path, SeededEntropy};
    let path = Path::udp(
        "127.0.0.1:5005".parse().unwrap(),
        "127.0.0.1:5005".parse().unwrap(),
    );
    let config = |ssrc: u32| SessionConfig {
        local_ssrc: ssrc,
        cname: heapless::String::try_from("session@127.0.0.1").unwrap(),
        clock_rate: 90_000,
        remote_clock_rate: 90_000,
        session_bandwidth: 1_000_000,
        min_interval: Duration::from_millis(500),
        ntp_at_zero: NtpTime::from_unix_micros(1_700_000_000_000_000),
        path,
        probation: 0,
        reduced_size: false,
    };
    let mut a = RtpSession::<_, 4>::new(config(0xA), Instant::ZERO, SeededEntropy::new(1));
    let mut b = RtpSession::<_, 4>::new(config(0xB), Instant::ZERO, SeededEntropy::new(2));
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    for ms in 0..3000u64 {
        let now = Instant::from_millis(ms);
        if ms % 20 == 0 {
            let ts = (ms * 90) as u32;
            let h = RtpHeader {
                payload_type: 96,
                sequence_number: (ms / 20) as u16,
                timestamp: ts,
                ssrc: 0xA,
                ..Default::default()
            };
            let n = h.emit(&[1; 100], &mut buf).unwrap();
            a.on_rtp_sent(now, ts, 100);
            if ms % 200 != 0 {
                b.handle_datagram(now, path, &buf[..n]).unwrap();
            }
        }
        if ms == 1500 {
            b.request_nack(0xA, &[NackEntry { pid: 10, blp: 1 }]);
            b.request_pli(0xA);
            b.request_fir(0xA);
            b.send_remb(500_000, &[0xA]);
        }
        if ms == 2999 {
            a.close();
        }
        for a_sends in [true, false] {
            let (from, to) = if a_sends {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            if from.poll_timeout().is_some_and(|t| t <= now) {
                from.handle_timeout(now);
            }
            while let Some(t) = from.poll_transmit(now, &mut buf) {
                to.handle_datagram(now, path, &buf[..t.len]).unwrap();
                out.push(buf[..t.len].to_vec());
            }
            while from.poll_event().is_some() {}
        }
    }
    out
}

fn tshark(pcap: &std::path::Path, extra: &[&str]) -> String {
    let rtp = format!("udp.port=={RTP_PORT},rtp");
    let rtcp = format!("udp.port=={RTCP_PORT},rtcp");
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"])
        .arg(pcap)
        .args(["-d", &rtp, "-d", &rtcp])
        .args(extra);
    support::run(&mut cmd, Duration::from_secs(60)).0
}

#[test]
#[ignore = "interop: needs tshark; run `cargo xtask test`"]
fn tshark_dissects_rtp_and_every_rtcp_type_cleanly() {
    support::require("tshark");
    let mut pcap = Pcap::new();
    let mut n = 0;
    for p in rtp_packets() {
        n += 1;
        pcap.udp(n, 40000, RTP_PORT, &p);
    }
    for p in rtcp_packets() {
        n += 1;
        pcap.udp(n, 40001, RTCP_PORT, &p);
    }
    let live = session_rtcp();
    assert!(
        live.len() >= 8,
        "{} RTCP packets from the sessions",
        live.len()
    );
    for p in &live {
        n += 1;
        pcap.udp(n, 40002, RTCP_PORT, p);
    }
    let dir = support::scratch("tshark");
    let file = dir.join("rtp-core.pcap");
    std::fs::write(&file, &pcap.0).unwrap();

    // 1. Nothing malformed, no expert warning or error.
    let bad = tshark(
        &file,
        &[
            "-Y",
            "_ws.malformed || _ws.expert.severity >= warning || rtcp.rtpfb.transportcc_bad",
        ],
    );
    assert!(
        bad.trim().is_empty(),
        "tshark flagged packets:\n{bad}\n{}",
        tshark(&file, &["-V", "-Y", "_ws.malformed || _ws.expert"])
    );

    // 2. Every packet was dissected as what we meant, field by field.
    let fields = tshark(
        &file,
        &[
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "frame.number",
            "-e",
            "rtp.ext.rfc5285.id",
            "-e",
            "rtp.csrc.item",
            "-e",
            "rtcp.pt",
            "-e",
            "rtcp.rtpfb.fmt",
            "-e",
            "rtcp.psfb.fmt",
            "-e",
            "rtcp.rtpfb.nack_pid",
            "-e",
            "rtcp.psfb.remb.fci.br_mantissa",
            "-e",
            "rtcp.rtpfb.transportcc.statuscount",
            "-e",
            "rtcp.sdes.text",
        ],
    );
    let lines: Vec<&str> = fields.lines().collect();
    assert_eq!(lines.len(), 11 + live.len(), "tshark output:\n{fields}");
    assert!(lines[0].starts_with("1|1,2,3,4|"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("2|1,20|0x00000001,0x00000002|"),
        "{}",
        lines[1]
    );
    let rtcp: String = lines[3..11].join("\n");
    for needle in [
        "|200,202|",
        "|201,202,203|",
        "|201,202,204|",
        "|201,202,205|1|",
        "|206||1|",
        "|201,202,206||4|",
        "|201,202,206||15|",
        "|201,202,205|15|",
    ] {
        assert!(rtcp.contains(needle), "missing {needle} in:\n{rtcp}");
    }
    assert!(
        rtcp.contains("|1001,1002,1004|"),
        "NACK PID/BLP not seen:\n{rtcp}"
    );
    assert!(
        rtcp.contains("|187500|"),
        "REMB mantissa (1.5 Mbit/s = 187500 << 3) not seen:\n{rtcp}"
    );
    assert!(rtcp.contains("|30|"), "TWCC status count not seen:\n{rtcp}");
    assert!(
        rtcp.contains("rtp-core@127.0.0.1"),
        "CNAME not seen:\n{rtcp}"
    );
    // The sessions' own output: SR or RR with SDES, feedback in compounds, a final BYE.
    let live_lines = lines[11..].join("\n");
    for needle in [
        "|200,202|",
        "|201,202|",
        "|201,202,205|1|",
        "|201,202,206||1|",
        "|201,202,206||4|",
        "|201,202,206||15|",
        ",202,203|",
        "session@127.0.0.1",
    ] {
        assert!(
            live_lines.contains(needle),
            "session output lacks {needle}:\n{live_lines}"
        );
    }
}
