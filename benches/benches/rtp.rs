//! RTP/RTCP benchmarks: rtp-core against rtp-types, rtp-rs and webrtc-rs `rtp`, in one run.
//!
//! The packet: 1200 bytes, three one-byte RFC 8285 extensions (abs-send-time,
//! transport-wide sequence number, audio level), 1172 bytes of payload.
//! * parse: validate and read SSRC, sequence number, timestamp, marker, payload and the
//!   extension block — what every receiver does per packet.
//! * parse+ext: also decode the three extension elements (libraries with RFC 8285 support).
//! * serialize: write header, extensions and payload into a caller buffer. rtp-core and
//!   webrtc-rs encode the three elements; rtp-types and rtp-rs have no RFC 8285 writer and
//!   copy a pre-encoded extension block (rtp-core's `HeaderExtension::Raw` does the same
//!   and is measured too).
//!
//! Run: `cargo bench -p bench --bench rtp`. Before the timings it prints the heap
//! allocations per operation, counted by a global allocator wrapper, and fails if an
//! rtp-core operation allocates.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use bench::{allocations_per_call, assert_no_allocations};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use rtp_core::jitter::{JitterBuffer, JitterConfig};
use rtp_core::wire::ext::{AbsSendTime, AudioLevel, TransportSequence};
use rtp_core::wire::payload::vp8::{PayloadDescriptor, PictureId};
use rtp_core::wire::rtcp::{self as rtcp, Compound, RtcpPacket, RtcpRepr};
use rtp_core::wire::{ExtensionElement, HeaderExtension, RtpHeader, RtpPacket};
use std::hint::black_box;
use webrtc_util::marshal::{Marshal, Unmarshal};

#[global_allocator]
static GLOBAL: bench::Counting = bench::Counting;

const PACKET_LEN: usize = 1200;
const AST: u8 = 3;
const TWCC: u8 = 5;
const LEVEL: u8 = 1;

struct Fixture {
    packet: Vec<u8>,
    payload: Vec<u8>,
    ext_block: Vec<u8>,
    ast: [u8; 3],
    twcc: [u8; 2],
    level: [u8; 1],
}

fn fixture() -> Fixture {
    let ast = AbsSendTime::from_ntp(0x0000_1234_5678_0000).to_bytes();
    let twcc = TransportSequence(4242).to_bytes();
    let level = AudioLevel {
        voice: true,
        level: 40,
    }
    .to_bytes();
    let els = [
        ExtensionElement::new(AST, &ast),
        ExtensionElement::new(TWCC, &twcc),
        ExtensionElement::new(LEVEL, &level),
    ];
    let ext = HeaderExtension::Elements(&els);
    let header_len = 12 + ext.buffer_len().unwrap();
    let payload: Vec<u8> = (0..PACKET_LEN - header_len).map(|i| i as u8).collect();
    let header = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: 1000,
        timestamp: 90_000,
        ssrc: 0xDEAD_BEEF,
        extension: ext,
        ..Default::default()
    };
    let mut packet = vec![0u8; PACKET_LEN];
    assert_eq!(header.emit(&payload, &mut packet).unwrap(), PACKET_LEN);
    let ext_block = RtpPacket::new_checked(&packet[..])
        .unwrap()
        .extension_data()
        .unwrap()
        .to_vec();
    Fixture {
        packet,
        payload,
        ext_block,
        ast,
        twcc,
        level,
    }
}

/// (ssrc, seq, ts, marker, payload len, extension len) — summed so nothing is optimised out.
type Fields = (u32, u16, u32, bool, usize, usize);

fn parse_ours(b: &[u8]) -> Fields {
    let p = RtpPacket::new_checked(b).unwrap();
    (
        p.ssrc(),
        p.sequence_number(),
        p.timestamp(),
        p.marker(),
        p.payload().len(),
        p.extension_data().map_or(0, <[u8]>::len),
    )
}

fn parse_rtp_types(b: &[u8]) -> Fields {
    let p = rtp_types::RtpPacket::parse(b).unwrap();
    (
        p.ssrc(),
        p.sequence_number(),
        p.timestamp(),
        p.marker_bit(),
        p.payload().len(),
        p.extension().map_or(0, |e| e.1.len()),
    )
}

fn parse_rtp_rs(b: &[u8]) -> Fields {
    let p = rtp_rs::RtpReader::new(b).unwrap();
    (
        p.ssrc(),
        p.sequence_number().into(),
        p.timestamp(),
        p.mark(),
        p.payload().len(),
        p.extension().map_or(0, |e| e.1.len()),
    )
}

fn parse_webrtc(b: &Bytes) -> Fields {
    let p = rtp::packet::Packet::unmarshal(&mut b.clone()).unwrap();
    let h = &p.header;
    (
        h.ssrc,
        h.sequence_number,
        h.timestamp,
        h.marker,
        p.payload.len(),
        h.get_extension_payload_len().next_multiple_of(4),
    )
}

fn ext3_ours(b: &[u8]) -> (u32, u16, u8) {
    let p = RtpPacket::new_checked(b).unwrap();
    let (mut a, mut t, mut l) = (0, 0, 0);
    for e in p.extensions().flatten() {
        match e.id {
            AST => a = AbsSendTime::parse(e.data).map_or(0, |x| x.0),
            TWCC => t = TransportSequence::parse(e.data).map_or(0, |x| x.0),
            LEVEL => l = AudioLevel::parse(e.data).map_or(0, |x| x.level),
            _ => {}
        }
    }
    (a, t, l)
}

fn ext3_webrtc(b: &Bytes) -> (u32, u16, u8) {
    let p = rtp::packet::Packet::unmarshal(&mut b.clone()).unwrap();
    let a = p
        .header
        .get_extension(AST)
        .map_or(0, |x| u32::from_be_bytes([0, x[0], x[1], x[2]]));
    let t = p
        .header
        .get_extension(TWCC)
        .map_or(0, |x| u16::from_be_bytes([x[0], x[1]]));
    let l = p.header.get_extension(LEVEL).map_or(0, |x| x[0] & 0x7F);
    (a, t, l)
}

fn serialize_ours(f: &Fixture, out: &mut [u8]) -> usize {
    let els = [
        ExtensionElement::new(AST, &f.ast),
        ExtensionElement::new(TWCC, &f.twcc),
        ExtensionElement::new(LEVEL, &f.level),
    ];
    let h = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: 1000,
        timestamp: 90_000,
        ssrc: 0xDEAD_BEEF,
        extension: HeaderExtension::Elements(&els),
        ..Default::default()
    };
    h.emit(&f.payload, out).unwrap()
}

fn serialize_ours_raw(f: &Fixture, out: &mut [u8]) -> usize {
    let ext = HeaderExtension::Raw {
        profile: 0xBEDE,
        data: &f.ext_block,
    };
    let h = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: 1000,
        timestamp: 90_000,
        ssrc: 0xDEAD_BEEF,
        extension: ext,
        ..Default::default()
    };
    h.emit(&f.payload, out).unwrap()
}

fn serialize_rtp_types(f: &Fixture, out: &mut [u8]) -> usize {
    rtp_types::RtpPacketBuilder::<&[u8], &[u8]>::new()
        .marker_bit(true)
        .payload_type(96)
        .sequence_number(1000)
        .timestamp(90_000)
        .ssrc(0xDEAD_BEEF)
        .extension(0xBEDE, &f.ext_block)
        .payload(&f.payload)
        .write_into(out)
        .unwrap()
}

fn serialize_rtp_rs(f: &Fixture, out: &mut [u8]) -> usize {
    rtp_rs::RtpPacketBuilder::new()
        .marked(true)
        .payload_type(96)
        .sequence(rtp_rs::Seq::from(1000))
        .timestamp(90_000)
        .ssrc(0xDEAD_BEEF)
        .extension(0xBEDE, &f.ext_block)
        .payload(&f.payload)
        .build_into(out)
        .unwrap()
}

fn webrtc_packet(f: &Fixture) -> rtp::packet::Packet {
    let mut header = rtp::header::Header {
        version: 2,
        marker: true,
        payload_type: 96,
        sequence_number: 1000,
        timestamp: 90_000,
        ssrc: 0xDEAD_BEEF,
        ..Default::default()
    };
    header
        .set_extension(AST, Bytes::copy_from_slice(&f.ast))
        .unwrap();
    header
        .set_extension(TWCC, Bytes::copy_from_slice(&f.twcc))
        .unwrap();
    header
        .set_extension(LEVEL, Bytes::copy_from_slice(&f.level))
        .unwrap();
    rtp::packet::Packet {
        header,
        payload: Bytes::copy_from_slice(&f.payload),
    }
}

fn rtcp_compound() -> Vec<u8> {
    let blocks = [rtcp::ReportBlock {
        ssrc: 1,
        fraction_lost: 3,
        cumulative_lost: 10,
        extended_highest_seq: 70_000,
        jitter: 30,
        last_sr: 5,
        delay_since_last_sr: 6,
    }; 2];
    let cname = [rtcp::SdesItem {
        kind: rtcp::sdes_item::CNAME,
        value: b"abcdefghijklmnop",
    }];
    let chunk = [rtcp::SdesChunkRepr {
        ssrc: 9,
        items: &cname,
    }];
    let nack = [rtcp::NackEntry {
        pid: 100,
        blp: 0x0101,
    }];
    let twcc: Vec<Option<i16>> = (0..40)
        .map(|i| if i % 9 == 0 { None } else { Some(i * 2) })
        .collect();
    let reprs = [
        RtcpRepr::SenderReport(rtcp::SenderReportRepr {
            ssrc: 9,
            ntp_time: 1 << 40,
            rtp_time: 7,
            packet_count: 100,
            octet_count: 10_000,
            reports: &blocks,
        }),
        RtcpRepr::Sdes(rtcp::SdesRepr { chunks: &chunk }),
        RtcpRepr::Nack(rtcp::NackRepr {
            sender_ssrc: 9,
            media_ssrc: 1,
            entries: &nack,
        }),
        RtcpRepr::Remb(rtcp::RembRepr {
            sender_ssrc: 9,
            bitrate: 1_000_000,
            ssrcs: &[1],
        }),
        RtcpRepr::TransportCc(rtcp::TransportCcRepr {
            sender_ssrc: 9,
            media_ssrc: 1,
            base_seq: 10,
            reference_time: 5,
            fb_count: 1,
            packets: rtcp::TwccPackets::Deltas(&twcc),
        }),
    ];
    let mut out = vec![0u8; 1500];
    let n = rtcp::emit_compound(&reprs, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Walk every packet and read what a session reads.
fn parse_rtcp(b: &[u8]) -> u64 {
    let mut acc = 0u64;
    for p in Compound::new(b) {
        match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                acc += sr.ntp_time() + sr.report_blocks().map(|r| u64::from(r.jitter)).sum::<u64>()
            }
            RtcpPacket::Sdes(s) => {
                acc += s
                    .chunks()
                    .map(|c| c.cname().map_or(0, <[u8]>::len) as u64)
                    .sum::<u64>()
            }
            RtcpPacket::Nack(n) => acc += n.lost().map(u64::from).sum::<u64>(),
            RtcpPacket::Remb(r) => acc += r.bitrate(),
            RtcpPacket::TransportCc(t) => acc += t.packets().count() as u64,
            _ => {}
        }
    }
    acc
}

/// Walk the compound with offsets, turn every packet back into its repr and write it
/// again (what an SFU rewriting feedback does per datagram).
fn reemit_rtcp(b: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    for e in Compound::new(b).entries() {
        let e = e.unwrap();
        n += e.with_repr(|p| p.emit(&mut out[n..]).unwrap());
    }
    n
}

/// A VP8 packet's descriptor and frame header through the payload views.
fn vp8_views(payload: &[u8]) -> (u16, bool, u16) {
    let d = PayloadDescriptor::new_checked(payload).unwrap();
    let h = d.frame_header().unwrap();
    (
        d.picture_id().map_or(0, PictureId::value),
        h.is_keyframe(),
        h.width().unwrap_or(0),
    )
}

/// The peers' allocations are printed for the table; ours are asserted to be zero.
fn allocations(label: &str, f: impl FnMut()) {
    let n = allocations_per_call(10_000, f);
    println!("allocations per op  {label:<44} {n:.2}");
}

fn bench(c: &mut Criterion) {
    let fx = fixture();
    let bytes = Bytes::from(fx.packet.clone());
    let webrtc = webrtc_packet(&fx);
    let rtcp_bytes = rtcp_compound();
    let mut out = vec![0u8; 1500];
    // All four libraries must agree on what they parse and write.
    let want = parse_ours(&fx.packet);
    assert_eq!(parse_rtp_types(&fx.packet), want);
    assert_eq!(parse_rtp_rs(&fx.packet), want);
    assert_eq!(parse_webrtc(&bytes), want);
    assert_eq!(ext3_ours(&fx.packet), ext3_webrtc(&bytes));
    for (name, n) in [
        ("rtp-core", serialize_ours(&fx, &mut out)),
        ("rtp-core raw", serialize_ours_raw(&fx, &mut out)),
        ("rtp-types", serialize_rtp_types(&fx, &mut out)),
        ("rtp-rs", serialize_rtp_rs(&fx, &mut out)),
        ("webrtc-rs rtp", webrtc.marshal_to(&mut out).unwrap()),
    ] {
        assert_eq!(
            (name, &out[..n]),
            (name, &fx.packet[..]),
            "{name} wrote different bytes"
        );
    }

    assert_no_allocations("rtp-core parse", 10_000, || {
        black_box(parse_ours(black_box(&fx.packet)));
    });
    assert_no_allocations("rtp-core parse+ext", 10_000, || {
        black_box(ext3_ours(black_box(&fx.packet)));
    });
    assert_no_allocations("rtp-core serialize", 10_000, || {
        black_box(serialize_ours(&fx, black_box(&mut out)));
    });
    assert_no_allocations("rtp-core rtcp compound parse", 10_000, || {
        black_box(parse_rtcp(black_box(&rtcp_bytes)));
    });
    let mut rtcp_out = vec![0u8; 1500];
    let n = reemit_rtcp(&rtcp_bytes, &mut rtcp_out);
    assert_eq!(&rtcp_out[..n], &rtcp_bytes[..]);
    assert_no_allocations("rtp-core rtcp parse+re-emit", 10_000, || {
        black_box(reemit_rtcp(black_box(&rtcp_bytes), &mut rtcp_out));
    });
    // a keyframe's first packet: descriptor with a 15-bit picture ID, then the frame header
    let vp8 = [
        0x90, 0x80, 0x81, 0x23, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0x00,
    ];
    assert_eq!(vp8_views(&vp8), (0x0123, true, 640));
    assert_no_allocations("rtp-core vp8 payload views", 10_000, || {
        black_box(vp8_views(black_box(&vp8)));
    });
    allocations("rtp-types parse", || {
        black_box(parse_rtp_types(black_box(&fx.packet)));
    });
    allocations("rtp-types serialize", || {
        black_box(serialize_rtp_types(&fx, black_box(&mut out)));
    });
    allocations("rtp-rs parse", || {
        black_box(parse_rtp_rs(black_box(&fx.packet)));
    });
    allocations("rtp-rs serialize", || {
        black_box(serialize_rtp_rs(&fx, black_box(&mut out)));
    });
    allocations("webrtc-rs rtp parse", || {
        black_box(parse_webrtc(black_box(&bytes)));
    });
    allocations("webrtc-rs rtp serialize", || {
        black_box(webrtc.marshal_to(black_box(&mut out)).unwrap());
    });

    let mut g = c.benchmark_group("rtp_parse_1200B_3ext");
    g.bench_function("rtp-core", |b| b.iter(|| parse_ours(black_box(&fx.packet))));
    g.bench_function("rtp-types", |b| {
        b.iter(|| parse_rtp_types(black_box(&fx.packet)))
    });
    g.bench_function("rtp-rs", |b| b.iter(|| parse_rtp_rs(black_box(&fx.packet))));
    g.bench_function("webrtc-rs rtp", |b| {
        b.iter(|| parse_webrtc(black_box(&bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("rtp_parse_and_read_3ext");
    g.bench_function("rtp-core", |b| b.iter(|| ext3_ours(black_box(&fx.packet))));
    g.bench_function("webrtc-rs rtp", |b| {
        b.iter(|| ext3_webrtc(black_box(&bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("rtp_serialize_1200B_3ext");
    g.bench_function("rtp-core", |b| {
        b.iter(|| serialize_ours(black_box(&fx), black_box(&mut out)))
    });
    g.bench_function("rtp-core (pre-encoded block)", |b| {
        b.iter(|| serialize_ours_raw(black_box(&fx), black_box(&mut out)))
    });
    g.bench_function("rtp-types", |b| {
        b.iter(|| serialize_rtp_types(black_box(&fx), black_box(&mut out)))
    });
    g.bench_function("rtp-rs", |b| {
        b.iter(|| serialize_rtp_rs(black_box(&fx), black_box(&mut out)))
    });
    g.bench_function("webrtc-rs rtp", |b| {
        b.iter(|| black_box(&webrtc).marshal_to(black_box(&mut out)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("rtcp");
    g.bench_function("rtp-core compound parse (SR+SDES+NACK+REMB+TWCC)", |b| {
        b.iter(|| parse_rtcp(black_box(&rtcp_bytes)))
    });
    g.bench_function("rtp-core compound parse + re-emit through reprs", |b| {
        b.iter(|| reemit_rtcp(black_box(&rtcp_bytes), &mut rtcp_out))
    });
    g.finish();
    let mut g = c.benchmark_group("payload");
    g.bench_function("rtp-core vp8 descriptor + frame header", |b| {
        b.iter(|| vp8_views(black_box(&vp8)))
    });
    g.finish();

    // In-order video, 4 packets of 1100 B per frame, marker on the last; sequence numbers
    // run on (and wrap) forever: each step rewrites a template's seq/timestamp/marker.
    let mut template = vec![0u8; 12 + 1100];
    RtpHeader {
        payload_type: 96,
        ssrc: 1,
        ..Default::default()
    }
    .emit(&[0x55; 1100], &mut template)
    .unwrap();
    let mut jb = Box::new(JitterBuffer::<512, 1200>::new(JitterConfig::video()));
    let mut i = 0u32;
    let mut t = 0u64;
    let mut step = move |jb: &mut JitterBuffer<512, 1200>| {
        let mut p = RtpPacket::new_checked(&mut template[..]).unwrap();
        p.set_sequence_number(i as u16);
        p.set_timestamp((i / 4) * 3000);
        p.set_marker(i % 4 == 3);
        t += 8_000; // 30 fps
        let now = rtp_core::Instant::from_micros(t);
        jb.push(now, &p);
        let mut bytes = 0;
        while let Some(f) = jb.pop_frame(now) {
            bytes += f.payloads().map(<[u8]>::len).sum::<usize>();
        }
        i = i.wrapping_add(1);
        bytes
    };
    assert_no_allocations("rtp-core jitter push+pop", 10_000, || {
        black_box(step(&mut jb));
    });
    let st = jb.stats();
    assert!(
        st.frames >= 2500 && st.lost == 0 && st.late == 0,
        "jitter buffer misbehaved: {st:?}"
    );
    let mut g = c.benchmark_group("jitter_buffer");
    g.bench_function("rtp-core push+pop per packet (1100 B, 4 per frame)", |b| {
        b.iter(|| step(&mut jb))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
