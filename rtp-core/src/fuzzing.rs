//! Fuzz bodies, compiled in normal builds so CI exercises them (see `tests/proptest.rs`) and
//! shared with the cargo-fuzz targets in `fuzz/`. Each takes arbitrary bytes and must never
//! panic; the `assert!`s check invariants that hold for every accepted input (a failure is a
//! bug, which is what the fuzzer looks for).

use crate::bwe::{BandwidthEstimator, BweConfig, FeedbackRecorder};
use crate::jitter::{JitterBuffer, JitterConfig};
use crate::nack::{NackConfig, NackTracker};
use crate::packetize::h264::H264Depacketizer;
use crate::packetize::opus::{packet_samples, OpusDepacketizer};
use crate::packetize::sensor::{SensorDepacketizer, SensorPayload};
use crate::packetize::vp8::Vp8Depacketizer;
use crate::packetize::{Depacketizer, FrameWriter};
use crate::session::{RtpSession, SessionConfig};
use crate::wire::payload::{h264, opus, vp8};
use crate::wire::rtcp::{Compound, RtcpPacket};
use crate::wire::{RtpHeader, RtpPacket};
use core::time::Duration;
use sansio::{Instant, Path, SeededEntropy};

/// Parse RTP; on success read every field, walk the extensions, and check that re-emitting
/// the header and payload gives back the same bytes, and that unwrapping it as an RTX packet
/// in place gives the bytes unwrapping it into a copy does.
pub fn rtp_parse(data: &[u8]) {
    let Ok(p) = RtpPacket::new_checked(data) else {
        return;
    };
    let _ = (
        p.marker(),
        p.payload_type(),
        p.sequence_number(),
        p.timestamp(),
        p.ssrc(),
    );
    assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
    for e in p.extensions() {
        let Ok(e) = e else { break };
        assert!(e.id != 0 && e.id != 15 || p.extension_profile() != Some(0xBEDE));
    }
    let header: RtpHeader<'_> = p.header();
    let mut out = [0u8; 2048];
    if let Ok(n) = header.emit(p.payload(), &mut out) {
        // Padding bytes other than the count are not preserved (we write zeros).
        let body = data.len() - p.padding_len();
        assert_eq!(n, data.len());
        assert_eq!(out.get(..body), data.get(..body), "RTP re-emit differs");
    } else {
        assert!(
            data.len() > out.len(),
            "valid RTP that cannot be re-emitted"
        );
    }
    // Read as an RFC 4588 retransmission: unwrapped in place, the same bytes as into a copy.
    if data.len() <= out.len() {
        let copied = crate::rtx::unwrap_rtx(data, 0x1234_5678, 96, &mut out);
        let mut buf = [0u8; 2048];
        let Some(buf) = buf.get_mut(..data.len()) else {
            return;
        };
        buf.copy_from_slice(data);
        let in_place = crate::rtx::unwrap_rtx_in_place(buf, 0x1234_5678, 96);
        assert_eq!(copied.is_ok(), in_place.is_ok());
        if let (Ok(n), Ok(m)) = (copied, in_place) {
            assert_eq!(
                (n, out.get(..n)),
                (m, buf.get(..m)),
                "RTX unwrapped in place differs"
            );
        }
    }
}

/// Parse an RTCP datagram, read every field of every packet, and check every packet
/// re-emits byte for byte through [`Entry::with_repr`](crate::wire::rtcp::Entry::with_repr).
pub fn rtcp_parse(data: &[u8]) {
    let _ = Compound::validate_strict(data);
    rtcp_reemit(data);
    for p in Compound::new(data) {
        let Ok(p) = p else { break };
        let _ = p.packet_type();
        match p {
            RtcpPacket::SenderReport(sr) => {
                let _ = (
                    sr.ntp_time(),
                    sr.rtp_time(),
                    sr.packet_count(),
                    sr.octet_count(),
                    sr.extension(),
                );
                sr.report_blocks().for_each(drop);
            }
            RtcpPacket::ReceiverReport(rr) => rr.report_blocks().for_each(drop),
            RtcpPacket::Sdes(s) => s.chunks().for_each(|c| c.items().for_each(drop)),
            RtcpPacket::Bye(b) => {
                b.sources().for_each(drop);
                let _ = b.reason();
            }
            RtcpPacket::App(a) => {
                let _ = (a.name(), a.data());
            }
            RtcpPacket::Nack(n) => n.lost().for_each(drop),
            RtcpPacket::Fir(f) => f.entries().for_each(drop),
            RtcpPacket::Remb(r) => {
                let _ = r.bitrate();
                r.ssrcs().for_each(drop);
            }
            RtcpPacket::TransportCc(t) => {
                assert_eq!(t.packets().count(), usize::from(t.status_count()));
            }
            _ => {}
        }
    }
    congestion(data);
}

/// The congestion controller on arbitrary input: every transport-cc message of `data` goes
/// to an estimator that sent 256 packets, the estimate staying within its bounds; the bytes
/// as transport-wide numbers go to a feedback recorder, whose messages must parse back with
/// at most its window of packets each.
fn congestion(data: &[u8]) {
    let config = BweConfig::default();
    let mut bwe = BandwidthEstimator::<256>::new(config);
    let first = data.first().map_or(0, |b| u16::from(*b) << 8);
    for i in 0..256u16 {
        let at = Instant::from_micros(u64::from(i) * 1000);
        bwe.on_sent(at, first.wrapping_add(i), 1200);
    }
    let mut now = Instant::from_micros(300_000);
    for p in Compound::new(data) {
        let Ok(RtcpPacket::TransportCc(t)) = p else {
            continue;
        };
        let e = bwe.on_feedback(now, &t);
        assert!((config.min_bps..=config.max_bps).contains(&e), "{e}");
        now += Duration::from_millis(50);
    }
    let mut rec = FeedbackRecorder::<64>::new();
    for (i, pair) in data.chunks_exact(2).enumerate() {
        let seq = u16::from_be_bytes([
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ]);
        rec.on_packet(Instant::from_micros(i as u64 * 997), seq);
    }
    let mut out = [0u8; 1500];
    for k in 0..64 {
        let at = Instant::from_secs(1000 + k);
        let Some(n) = rec.poll_feedback(at, 1, 2, &mut out) else {
            break;
        };
        let msg = out.get(..n).unwrap_or(&[]);
        let parsed = RtcpPacket::parse(msg);
        assert!(
            matches!(parsed, Ok((RtcpPacket::TransportCc(ref t), len)) if len == n && (1..=64).contains(&t.status_count())),
            "the recorder wrote {parsed:?}"
        );
    }
}

/// Every packet that parses comes back to the same bytes through its repr.
fn rtcp_reemit(data: &[u8]) {
    let mut out = [0u8; 2048];
    for e in Compound::new(data).entries() {
        let Ok(e) = e else { break };
        e.with_repr(|p| {
            assert_eq!(p.buffer_len(), e.len, "{p:?}");
            match out.get_mut(..e.len) {
                Some(out) => {
                    assert_eq!(p.emit(out), Ok(e.len), "{p:?}");
                    assert!(out == e.bytes(), "RTCP re-emit differs: {p:?}");
                }
                None => assert!(e.len > 2048),
            }
        });
    }
}

/// Split `data` into payloads (each prefixed by a length byte) and feed them to the
/// depacketizer chosen by the first byte; also run the payload-inspection helpers.
pub fn depacketize(data: &[u8]) {
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let mut h264 = H264Depacketizer::new();
    let mut vp8 = Vp8Depacketizer::default();
    let mut opus = OpusDepacketizer;
    let mut sensor = SensorDepacketizer;
    let d: &mut dyn Depacketizer = match which % 4 {
        0 => &mut h264,
        1 => &mut vp8,
        2 => &mut opus,
        _ => &mut sensor,
    };
    let mut buf = [0u8; 4096];
    let mut frame = FrameWriter::new(&mut buf);
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (payload, next) = tail.split_at(n);
        rest = next;
        let _ = (d.is_frame_start(payload), d.is_keyframe(payload));
        let before = frame.len();
        match d.push(payload, &mut frame) {
            // A payload adds its media and at most a start code per NAL unit (H.264 STAP-A
            // with 1-byte units: 3 bytes in, 5 out): never more than twice its size plus 4.
            Ok(()) => assert!(
                frame.len() >= before && frame.len() <= before + 2 * payload.len() + 4,
                "a {}-byte payload grew the frame from {before} to {}",
                payload.len(),
                frame.len()
            ),
            Err(_) => {
                // The contract: a refused payload leaves the frame as it was.
                assert_eq!(frame.len(), before, "a refused payload changed the frame");
                d.reset();
                frame.clear();
            }
        }
        let _ = packet_samples(payload);
        payload_views(payload);
        if let Ok(s) = SensorPayload::new_checked(payload) {
            s.records().for_each(|r| r.values().for_each(drop));
        }
    }
}

/// Read `payload` through every payload view; whatever parses re-emits its header bytes
/// (VP8: parses back to the same repr; the bytes differ only in reserved bits, which the
/// repr writes as zero, and an X octet that flags nothing, which it omits).
pub fn payload_views(payload: &[u8]) {
    let mut out = [0u8; 16];
    if let Ok(d) = vp8::PayloadDescriptor::new_checked(payload) {
        let r = vp8::PayloadDescriptorRepr::parse(&d);
        let n = r.emit(&mut out).unwrap_or(0);
        // shorter only when an X octet flagged nothing (the repr omits it)
        assert!(n == d.header_len() || (n == 1 && d.header_len() == 2));
        let again = vp8::PayloadDescriptor::new_checked(out.get(..n).unwrap_or(&[]));
        assert_eq!(again.map(|a| vp8::PayloadDescriptorRepr::parse(&a)), Ok(r));
        let _ = (d.frame_header(), d.payload());
    }
    if let Ok(h) = vp8::FrameHeader::new_checked(payload) {
        let n = vp8::FrameHeaderRepr::parse(&h).emit(&mut out).unwrap_or(0);
        assert_eq!(out.get(..n), payload.get(..h.header_len()));
    }
    if let Ok(t) = opus::Toc::new_checked(payload) {
        let n = opus::TocRepr::parse(&t).emit(&mut out).unwrap_or(0);
        assert_eq!(out.get(..n), payload.get(..t.header_len()));
        assert!(t.samples_per_packet() <= opus::MAX_PACKET_SAMPLES);
    }
    h264_views(payload);
}

fn h264_views(payload: &[u8]) {
    let mut out = [0u8; 2048];
    let Some(out) = out.get_mut(..payload.len()) else {
        return;
    };
    if let Ok(fu) = h264::FuA::new_checked(payload) {
        assert_eq!(h264::FuARepr::parse(&fu).emit(out), Ok(payload.len()));
        assert!(out == payload, "FU-A re-emit differs");
    }
    if let Ok(s) = h264::StapA::new_checked(payload) {
        let mut units = heapless::Vec::<&[u8], 64>::new();
        if s.units().all(|u| units.push(u).is_ok()) {
            let r = h264::StapARepr {
                header: s.header(),
                units: &units,
            };
            assert_eq!(r.emit(out), Ok(payload.len()));
            assert!(out == payload, "STAP-A re-emit differs");
        }
    }
}

/// Feed datagrams (length-prefixed, each with a time step) to a session, a jitter buffer
/// and a NACK tracker, draining all output; memory is fixed and nothing may panic.
pub fn rtp_stateful(data: &[u8]) {
    let path = Path::udp(
        core::net::SocketAddr::from(([127, 0, 0, 1], 1)),
        core::net::SocketAddr::from(([127, 0, 0, 1], 2)),
    );
    let config = SessionConfig {
        local_ssrc: 1,
        cname: heapless::String::new(),
        clock_rate: 90_000,
        remote_clock_rate: 90_000,
        session_bandwidth: 1_000_000,
        min_interval: Duration::from_millis(500),
        ntp_at_zero: crate::ntp::NtpTime(0),
        path,
        probation: 1,
        reduced_size: data.first().is_some_and(|b| b & 1 == 1),
    };
    let mut now = Instant::from_secs(1);
    let mut session = RtpSession::<_, 4>::new(config, now, SeededEntropy::new(7));
    let mut jb = JitterBuffer::<32, 256>::new(JitterConfig::video());
    let mut nack = NackTracker::<32>::new(NackConfig::default());
    let mut out = [0u8; 1500];
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (dgram, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_millis(u64::from(len % 64));
        let _ = session.handle_datagram(now, path, dgram);
        if let Ok(p) = RtpPacket::new_checked(dgram) {
            jb.push(now, &p);
            nack.on_packet(now, p.sequence_number());
        }
        session.handle_timeout(now);
        while session.poll_transmit(now, &mut out).is_some() {}
        while session.poll_event().is_some() {}
        while let Some(f) = jb.pop_frame(now) {
            f.payloads().for_each(drop);
        }
        let mut entries = heapless::Vec::<_, 8>::new();
        nack.poll_nack(now, &mut entries);
        if !entries.is_empty() {
            session.request_nack(2, &entries);
        }
        if nack.take_keyframe_request() {
            session.request_pli(2);
        }
    }
}
