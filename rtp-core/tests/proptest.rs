//! Property tests: write → parse round trips for RTP, RFC 8285 extensions, every RTCP
//! packet, and the packetizers; arbitrary bytes never panic any parser or machine (the
//! fuzz bodies, run here on random inputs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::collection::vec;
use proptest::prelude::*;
use rtp_core::fuzzing;
use rtp_core::packetize::h264::{nal_units, H264Depacketizer, H264Packetizer};
use rtp_core::packetize::opus::OpusPacketizer;
use rtp_core::packetize::vp8::{Vp8Depacketizer, Vp8Packetizer};
use rtp_core::packetize::{Depacketizer, FrameWriter, Packetizer};
use rtp_core::wire::ext::ExtensionForm;
use rtp_core::wire::payload::h264::{FuA, FuARepr, NalHeader, StapA, StapARepr};
use rtp_core::wire::payload::opus::{config as opus_config, FrameCount, Toc, TocRepr};
use rtp_core::wire::payload::vp8::{
    FrameHeader, FrameHeaderRepr, KeyframeSize, PayloadDescriptor, PayloadDescriptorRepr, PictureId,
};
use rtp_core::wire::rtcp::{
    emit_compound, AppRepr, ByeRepr, Compound, FirEntry, FirRepr, NackEntry, NackRepr, Pli,
    ReceiverReportRepr, RembRepr, ReportBlock, RtcpPacket, RtcpRepr, SdesChunkRepr, SdesItem,
    SdesRepr, SenderReportRepr, TransportCcRepr, TwccPackets, TwccStatus,
};
use rtp_core::wire::{ExtensionElement, HeaderExtension, RtpHeader, RtpPacket};

fn one_byte_elements() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    vec((1u8..=14, vec(any::<u8>(), 1..=16)), 0..6)
}

fn two_byte_elements() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    vec((1u8..=255, vec(any::<u8>(), 0..40)), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn rtp_roundtrip(
        marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
        csrcs in vec(any::<u32>(), 0..=15),
        one in one_byte_elements(), two in two_byte_elements(), use_two: bool,
        payload in vec(any::<u8>(), 0..300), padding in 0u8..20,
    ) {
        let src = if use_two { &two } else { &one };
        let els: Vec<ExtensionElement<'_>> = src.iter().map(|(id, d)| ExtensionElement::new(*id, d)).collect();
        let form = if use_two { ExtensionForm::TwoByte { appbits: 3 } } else { ExtensionForm::OneByte };
        let extension = if els.is_empty() { HeaderExtension::None } else { HeaderExtension::Form(form, &els) };
        let mut h = RtpHeader { marker, payload_type: pt, sequence_number: seq, timestamp: ts, ssrc, extension, padding, ..Default::default() };
        h.csrcs.extend_from_slice(&csrcs).unwrap();
        let mut buf = vec![0u8; 2048];
        let n = h.emit(&payload, &mut buf).unwrap();
        prop_assert_eq!(n, h.buffer_len(payload.len()).unwrap());
        let p = RtpPacket::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!((p.marker(), p.payload_type(), p.sequence_number(), p.timestamp(), p.ssrc()), (marker, pt, seq, ts, ssrc));
        prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
        prop_assert_eq!(p.payload(), &payload[..]);
        prop_assert_eq!(p.padding_len(), usize::from(padding));
        let got: Vec<ExtensionElement<'_>> = p.extensions().map(Result::unwrap).collect();
        prop_assert_eq!(got, els);
        // the parsed header re-emits the same bytes
        let mut again = vec![0u8; 2048];
        let m = p.header().emit(p.payload(), &mut again).unwrap();
        prop_assert_eq!(&again[..m], &buf[..n]);
    }

    #[test]
    fn rtcp_roundtrip(
        ssrc: u32, ntp: u64, rtp_time: u32, pc: u32, oc: u32,
        blocks in vec((any::<u32>(), any::<u8>(), -0x80_0000i32..0x80_0000, any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 0..5),
        cname in vec(any::<u8>(), 0..40), reason in proptest::option::of(vec(any::<u8>(), 0..30)),
        nack in vec((any::<u16>(), any::<u16>()), 1..5), fir in vec((any::<u32>(), any::<u8>()), 0..4),
        bitrate in 0u64..(1 << 40), twcc in vec(proptest::option::of(any::<i16>()), 0..80), reftime in -0x80_0000i32..0x80_0000,
        app_data in vec(any::<[u8; 4]>(), 0..4),
    ) {
        let blocks: Vec<ReportBlock> = blocks.into_iter().map(|(s, f, c, e, j, l, d)| ReportBlock {
            ssrc: s, fraction_lost: f, cumulative_lost: c, extended_highest_seq: e, jitter: j, last_sr: l, delay_since_last_sr: d,
        }).collect();
        let items = [SdesItem { kind: 1, value: &cname }];
        let chunks = [SdesChunkRepr { ssrc, items: &items }];
        let nack: Vec<NackEntry> = nack.into_iter().map(|(pid, blp)| NackEntry { pid, blp }).collect();
        let fir: Vec<FirEntry> = fir.into_iter().map(|(ssrc, seq)| FirEntry { ssrc, seq }).collect();
        let app: Vec<u8> = app_data.concat();
        let sr = SenderReportRepr { ssrc, ntp_time: ntp, rtp_time, packet_count: pc, octet_count: oc, reports: &blocks };
        let reprs = [
            RtcpRepr::SenderReport(sr),
            RtcpRepr::ReceiverReport(ReceiverReportRepr { ssrc, reports: &blocks }),
            RtcpRepr::Sdes(SdesRepr { chunks: &chunks }),
            RtcpRepr::Bye(ByeRepr { sources: &[ssrc, 7], reason: reason.as_deref() }),
            RtcpRepr::App(AppRepr { subtype: 5, ssrc, name: *b"ABCD", data: &app }),
            RtcpRepr::Nack(NackRepr { sender_ssrc: ssrc, media_ssrc: 9, entries: &nack }),
            RtcpRepr::Pli(Pli { sender_ssrc: ssrc, media_ssrc: 9 }),
            RtcpRepr::Fir(FirRepr { sender_ssrc: ssrc, entries: &fir }),
            RtcpRepr::Remb(RembRepr { sender_ssrc: ssrc, bitrate, ssrcs: &[9] }),
            RtcpRepr::TransportCc(TransportCcRepr { sender_ssrc: ssrc, media_ssrc: 9, base_seq: rtp_time as u16, reference_time: reftime, fb_count: 3, packets: TwccPackets::Deltas(&twcc) }),
        ];
        let mut buf = vec![0u8; 4096];
        let n = emit_compound(&reprs, &mut buf).unwrap();
        prop_assert_eq!(Compound::validate_strict(&buf[..n]), Ok(reprs.len()));
        let parsed: Vec<RtcpPacket<'_>> = Compound::new(&buf[..n]).map(Result::unwrap).collect();
        prop_assert_eq!(parsed.len(), reprs.len());
        for p in parsed {
            match p {
                RtcpPacket::SenderReport(s) => {
                    let b: Vec<ReportBlock> = s.report_blocks().collect();
                    prop_assert_eq!(s.to_repr(&b), sr);
                }
                RtcpPacket::ReceiverReport(r) => prop_assert_eq!(r.report_blocks().collect::<Vec<_>>(), blocks.clone()),
                RtcpPacket::Sdes(s) => {
                    let c = s.chunks().next().unwrap();
                    prop_assert_eq!((c.ssrc(), c.cname()), (ssrc, Some(&cname[..])));
                }
                RtcpPacket::Bye(b) => {
                    prop_assert_eq!(b.sources().collect::<Vec<_>>(), vec![ssrc, 7]);
                    prop_assert_eq!(b.reason(), reason.as_deref());
                }
                RtcpPacket::App(a) => prop_assert_eq!((a.subtype(), a.ssrc(), a.name(), a.data()), (5, ssrc, *b"ABCD", &app[..])),
                RtcpPacket::Nack(x) => prop_assert_eq!(x.entries().collect::<Vec<_>>(), nack.clone()),
                RtcpPacket::Pli(x) => prop_assert_eq!(x, Pli { sender_ssrc: ssrc, media_ssrc: 9 }),
                RtcpPacket::Fir(x) => prop_assert_eq!(x.entries().collect::<Vec<_>>(), fir.clone()),
                RtcpPacket::Remb(r) => {
                    // 18-bit mantissa: exact below 2^18, else within one part in 2^17
                    prop_assert!(r.bitrate() <= bitrate && bitrate - r.bitrate() <= bitrate >> 17);
                }
                RtcpPacket::TransportCc(t) => {
                    prop_assert_eq!(t.reference_time(), reftime);
                    let got: Vec<Option<i16>> = t.packets().map(|p| match p.status {
                        TwccStatus::NotReceived => None,
                        TwccStatus::Received { delta } => Some(delta),
                    }).collect();
                    prop_assert_eq!(got, twcc.clone());
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        // Every packet comes back as a typed repr that writes the same bytes.
        let mut again = vec![0u8; n];
        let mut pos = 0;
        for e in Compound::new(&buf[..n]).entries() {
            let e = e.unwrap();
            let raw = e.with_repr(|p| {
                let m = p.emit(&mut again[pos..]).unwrap();
                prop_assert_eq!(m, e.len);
                Ok(matches!(p.repr, RtcpRepr::Raw(_)))
            })?;
            prop_assert!(!raw, "typed repr fell back to raw: {:?}", e.packet);
            pos += e.len;
        }
        prop_assert_eq!(&again[..], &buf[..n]);
    }

    #[test]
    fn rtcp_any_framed_packet_reemits_exactly(frames in vec((prop_oneof![200u8..=207, any::<u8>()], 0u8..32, vec(any::<u8>(), 0..120), any::<bool>(), 0u8..8, any::<u8>()), 1..5)) {
        // Well-framed packets of any type with random bodies (mostly invalid as their type,
        // often valid), some padded: whatever parses must re-emit byte for byte.
        let mut d = Vec::new();
        for (pt, count, mut body, padded, extra, pad_byte) in frames {
            let start = d.len();
            d.extend_from_slice(&[0x80 | count, pt, 0, 0]);
            if padded {
                let mut p = (4 - (4 + body.len()) % 4) % 4 + 4 * usize::from(extra % 2);
                if p == 0 { p = 4; }
                body.extend(std::iter::repeat_n(pad_byte, p - 1));
                body.push(p as u8);
                d[start] |= 0x20;
            } else {
                body.truncate(body.len() / 4 * 4);
            }
            d.extend_from_slice(&body);
            let words = ((d.len() - start) / 4 - 1) as u16;
            d[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
        }
        let mut parsed = 0;
        for e in Compound::new(&d).entries() {
            let Ok(e) = e else { break };
            parsed += 1;
            e.with_repr(|p| {
                let mut out = vec![0u8; p.buffer_len()];
                prop_assert_eq!(p.emit(&mut out), Ok(e.len));
                prop_assert_eq!(&out[..], e.bytes());
                Ok(())
            })?;
        }
        prop_assert!(parsed <= 5);
    }

    #[test]
    fn payload_reprs_roundtrip(
        n: bool, s: bool, pid in 0u8..8, picture in proptest::option::of(prop_oneof![(0u8..128).prop_map(PictureId::Short), (0u16..0x8000).prop_map(PictureId::Long)]),
        tl0: Option<u8>, tid in proptest::option::of((0u8..4, any::<bool>())), key in proptest::option::of(0u8..32),
        version in 0u8..8, show: bool, size in 0u32..(1 << 19), key_size in proptest::option::of((0u16..0x4000, 0u8..4, 0u16..0x4000, 0u8..4)),
        config in 0u8..32, stereo: bool, code in 0u8..4, count in 1u8..49, vbr: bool, padding: bool,
        nal in any::<u8>(), units in vec(vec(any::<u8>(), 1..50), 1..6), frag in vec(any::<u8>(), 0..50), start: bool, end: bool,
    ) {
        let mut out = [0u8; 512];
        let d = PayloadDescriptorRepr { non_reference: n, start_of_partition: s, partition_id: pid, picture_id: picture, tl0_pic_idx: tl0, tid, key_idx: key };
        let len = d.emit(&mut out).unwrap();
        let v = PayloadDescriptor::new_checked(&out[..len]).unwrap();
        prop_assert_eq!((PayloadDescriptorRepr::parse(&v), v.header_len()), (d, len));
        let keyframe = key_size.map(|(width, horizontal_scale, height, vertical_scale)| KeyframeSize { width, horizontal_scale, height, vertical_scale });
        let f = FrameHeaderRepr { version, show_frame: show, first_partition_size: size, keyframe };
        let len = f.emit(&mut out).unwrap();
        prop_assert_eq!(FrameHeaderRepr::parse(&FrameHeader::new_checked(&out[..len]).unwrap()), f);
        let frames = match code {
            0 => FrameCount::One,
            1 => FrameCount::TwoEqual,
            2 => FrameCount::TwoDifferent,
            _ => FrameCount::Arbitrary { count, vbr, padding },
        };
        let t = TocRepr { config, stereo, frames };
        match t.emit(&mut out) {
            Ok(len) => prop_assert_eq!(TocRepr::parse(&Toc::new_checked(&out[..len]).unwrap()), t),
            // only code 3 with more than 120 ms is refused
            Err(_) => prop_assert!(code == 3 && u32::from(count) * opus_config(config).2 > 5760),
        }
        let units: Vec<&[u8]> = units.iter().map(Vec::as_slice).collect();
        let stap = StapARepr::aggregate(&units);
        let len = stap.emit(&mut out).unwrap();
        let view = StapA::new_checked(&out[..len]).unwrap();
        prop_assert_eq!(view.header(), stap.header);
        prop_assert_eq!(view.units().collect::<Vec<_>>(), units);
        let fu = FuARepr::fragment(NalHeader::from_byte(nal), start, end && !start, &frag);
        let len = fu.emit(&mut out).unwrap();
        let view = FuA::new_checked(&out[..len]).unwrap();
        prop_assert_eq!(FuARepr::parse(&view), fu);
        prop_assert_eq!(view.nal_header(), NalHeader::from_byte(nal));
    }

    #[test]
    fn payload_views_any_bytes(data in vec(any::<u8>(), 0..300)) {
        fuzzing::payload_views(&data);
    }

    #[test]
    fn h264_packetize_roundtrip(nals in vec((1u8..24, vec(1u8..=255, 1..3000)), 1..6), budget in 30usize..1400) {
        let mut frame = Vec::new();
        for (t, body) in &nals {
            frame.extend_from_slice(&[0, 0, 0, 1, 0x60 | t]);
            frame.extend_from_slice(body);
        }
        let mut p = H264Packetizer::new();
        let mut d = H264Depacketizer::new();
        let mut out = vec![0u8; budget];
        let mut buf = vec![0u8; frame.len() * 2 + 64];
        let mut w = FrameWriter::new(&mut buf);
        let mut last_seen = false;
        while let Some(pl) = p.next_payload(&frame, &mut out).unwrap() {
            prop_assert!(pl.len <= budget && !last_seen);
            last_seen = pl.last;
            d.push(&out[..pl.len], &mut w).unwrap();
        }
        prop_assert!(last_seen);
        let want: Vec<u8> = nal_units(&frame).flat_map(|(s, e)| [&[0u8, 0, 0, 1][..], &frame[s..e]].concat()).collect();
        prop_assert_eq!(w.as_slice(), &want[..]);
    }

    #[test]
    fn vp8_packetize_roundtrip(frame in vec(any::<u8>(), 1..5000), budget in 5usize..1400, pic: u16) {
        let mut p = Vp8Packetizer::new(pic);
        let mut d = Vp8Depacketizer::default();
        let mut out = vec![0u8; budget];
        let mut buf = vec![0u8; frame.len()];
        let mut w = FrameWriter::new(&mut buf);
        while let Some(pl) = p.next_payload(&frame, &mut out).unwrap() {
            prop_assert!(pl.len <= budget);
            d.push(&out[..pl.len], &mut w).unwrap();
        }
        prop_assert_eq!(w.as_slice(), &frame[..]);
    }

    #[test]
    fn a_frame_left_unfinished_does_not_spoil_the_next(a in vec(1u8..=255, 1..3000), b in vec(1u8..=255, 1..3000), budget in 40usize..1400, taken in 1usize..4, pic in 0u16..0x8000) {
        // The caller stops after `taken` packets of `a` (its socket was full), then calls
        // start_frame: `b` comes out whole, as from a fresh packetizer.
        // `a` longer than `taken` packets hold, so that it is left unfinished.
        let a: Vec<u8> = a.iter().copied().cycle().take(taken * budget + 1).collect();
        let (fa, fb) = ([&[0, 0, 0, 1, 0x65][..], &a[..]].concat(), [&[0, 0, 0, 1, 0x41][..], &b[..]].concat());
        let mut out = vec![0u8; budget];
        let mut buf = vec![0u8; fb.len() * 2 + 64];
        let mut h = H264Packetizer::new();
        for _ in 0..taken { let _ = h.next_payload(&fa, &mut out).unwrap(); }
        h.start_frame();
        let (mut d, mut w) = (H264Depacketizer::new(), FrameWriter::new(&mut buf));
        while let Some(pl) = h.next_payload(&fb, &mut out).unwrap() { d.push(&out[..pl.len], &mut w).unwrap(); }
        prop_assert_eq!(w.as_slice(), &fb[..]);

        let mut v = Vp8Packetizer::new(pic);
        for _ in 0..taken { let _ = v.next_payload(&a, &mut out).unwrap(); }
        v.start_frame();
        let first = v.next_payload(&b, &mut out).unwrap().unwrap();
        let desc = PayloadDescriptor::new_checked(&out[..first.len]).unwrap();
        prop_assert!(desc.start_of_partition());
        prop_assert_eq!(desc.picture_id(), Some(PictureId::Long((pic + 1) & 0x7FFF)));
        let mut buf = vec![0u8; b.len()];
        let (mut d, mut w) = (Vp8Depacketizer::default(), FrameWriter::new(&mut buf));
        d.push(&out[..first.len], &mut w).unwrap();
        while let Some(pl) = v.next_payload(&b, &mut out).unwrap() { d.push(&out[..pl.len], &mut w).unwrap(); }
        prop_assert_eq!(w.as_slice(), &b[..]);

        let mut o = OpusPacketizer::new();
        let _ = o.next_payload(&a[..a.len().min(budget)], &mut out).unwrap();
        o.start_frame();
        let pl = o.next_payload(&b[..b.len().min(budget)], &mut out).unwrap();
        prop_assert_eq!(pl.map(|p| p.len), Some(b.len().min(budget)));
    }

    #[test]
    fn packetizers_survive_misuse(a in vec(any::<u8>(), 0..3000), b in vec(any::<u8>(), 0..3000), budget in 0usize..1400, calls in 1usize..20) {
        // Switching frames mid-way (or garbage frames, or tiny budgets) is the caller's
        // mistake: it may give errors or odd payloads, never a panic or an endless frame.
        let mut h = H264Packetizer::new();
        let mut v = Vp8Packetizer::new(0);
        let mut out = vec![0u8; budget];
        for i in 0..calls {
            let f = if i % 2 == 0 { &a } else { &b };
            let _ = h.next_payload(f, &mut out);
            let _ = v.next_payload(f, &mut out);
        }
        let mut n = 0;
        while let Ok(Some(_)) = h.next_payload(&a, &mut out) {
            n += 1;
            prop_assert!(n <= 3000, "H.264 packetizer never finishes");
        }
    }

    #[test]
    fn any_bytes_never_panic(data in vec(any::<u8>(), 0..600)) {
        fuzzing::rtp_parse(&data);
        fuzzing::rtcp_parse(&data);
        fuzzing::depacketize(&data);
        fuzzing::rtp_stateful(&data);
    }

    #[test]
    fn mutated_valid_packets_never_panic(flip in vec((0usize..200, any::<u8>()), 1..4), which in 0usize..3) {
        // Start from valid packets so mutations reach deep code.
        let mut base = match which {
            0 => vec![0x90, 0xE0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0, 1, 2, 3],
            1 => vec![0x8F, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 3, 0, 0, 1, 1, 0xC0, 0x01, 0xD5, 0x55, 5, 6, 7, 0],
            _ => vec![0x81, 200, 0, 12, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 0, 0, 0, 1, 0, 0, 0, 2,
                      0, 0, 0, 5, 1, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2],
        };
        for (at, v) in flip {
            let i = at % base.len();
            base[i] ^= v;
        }
        fuzzing::rtp_parse(&base);
        fuzzing::rtcp_parse(&base);
    }
}
