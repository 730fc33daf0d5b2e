//! RTP media between two peers in memory, with the RTCP that goes with it: sender and
//! receiver reports (RTT measured), keyframe requests both ways (our PLI becomes the
//! sender's `KeyframeRequested`), a lost packet NACKed and resent, and the bad input of the
//! issue: RTP for unknown SSRCs or payload types dropped and counted, a wrong DTLS
//! fingerprint failing the connection with a typed reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Pair;
use peer_core::{Failure, MediaConfig, PeerConfig, PeerEvent, PeerState, TrackId};
use rtp_core::wire::RtpHeader;
use sansio::{classify, PacketKind};
use sdp_core::negotiate::CodecCap;
use std::collections::BTreeSet;
use std::time::Duration;

static VIDEO: [CodecCap<'static>; 1] = [CodecCap::vp8(96, None)];
static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

fn video_config() -> PeerConfig {
    PeerConfig {
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..PeerConfig::default()
    }
}

fn audio_config() -> PeerConfig {
    PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        ..PeerConfig::default()
    }
}

/// A VP8 frame of `len` bytes: the frame tag says key or inter frame (RFC 6386 §9.1).
fn vp8_frame(key: bool, len: usize, seed: u8) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    f[0] = if key { 0x10 } else { 0x11 };
    if key {
        f[3..6].copy_from_slice(&[0x9d, 0x01, 0x2a]);
    }
    f
}

fn connected(ca: PeerConfig, cb: PeerConfig) -> Pair {
    let mut p = Pair::new(ca, cb, |a| a);
    assert!(p.run(Duration::from_secs(10), Pair::connected), "{:?}", p.a);
    p
}

#[test]
fn video_reports_rtt_keyframe_requests_and_a_nacked_packet_resent() {
    let mut p = connected(video_config(), video_config());
    let track = p.a.track_by_mid("0").unwrap();
    // Drop the 7th RTP datagram from a to b (the first packet of frame 2).
    let mut rtp_seen = 0;
    p.filter = Some(Box::new(move |from_a, bytes| {
        if from_a && classify(bytes) == PacketKind::Rtp {
            rtp_seen += 1;
            return rtp_seen == 7;
        }
        false
    }));
    let mut sent_packets = 0;
    for i in 0..60u32 {
        let frame = vp8_frame(i == 0, 3000, i as u8);
        sent_packets += p.send_frame(true, track, i * 3000, &frame);
        p.wait(Duration::from_millis(33));
    }
    p.wait(Duration::from_secs(2));
    let (sa, sb) = (
        p.a.track_stats(track).unwrap(),
        p.b.track_stats(track).unwrap(),
    );
    assert_eq!(sent_packets, 180);
    assert_eq!(sa.frames_sent, 60);
    // The lost packet was NACKed by b, resent by a, and b has every sequence number.
    assert!(sb.nacks_sent >= 1, "{sb:?}");
    assert!(sa.nacks_received >= 1 && sa.retransmitted >= 1, "{sa:?}");
    let seqs: BTreeSet<u16> = p.media.1.iter().map(|g| g.seq).collect();
    assert_eq!(
        seqs.len(),
        180,
        "b has every packet once the resend came: {:?} {:?}",
        p.b.stats(),
        p.a.stats()
    );
    assert_eq!(sb.keyframes_received, 1);
    // Reports flowed both ways; a's sender report came back in b's receiver report.
    assert!(
        sa.reports_sent >= 2 && sb.reports_sent >= 2,
        "{sa:?} {sb:?}"
    );
    assert!(p.a.stats().rtt.is_some(), "{:?}", p.a.stats());
    assert_eq!(p.a.stats().rtp_packets_sent, 180 + sa.retransmitted);
    assert_eq!(sb.packets_lost, 0, "the resend filled the gap");

    // b asks for a keyframe: a hears it as an event; b repeats until one arrives.
    p.b.request_keyframe(track).unwrap();
    p.wait(Duration::from_millis(700));
    let asked = |p: &Pair| {
        p.events
            .0
            .iter()
            .filter(|e| **e == PeerEvent::KeyframeRequested(track))
            .count()
    };
    assert!(asked(&p) >= 2, "PLI repeated while no keyframe came");
    let plis = p.b.track_stats(track).unwrap().plis_sent;
    assert_eq!(
        p.a.track_stats(track).unwrap().keyframe_requests_received,
        plis
    );
    p.send_frame(true, track, 61 * 3000, &vp8_frame(true, 3000, 61));
    p.wait(Duration::from_secs(2));
    let sb = p.b.track_stats(track).unwrap();
    assert_eq!(sb.keyframes_received, 2);
    assert_eq!(sb.plis_sent, plis, "no more PLIs once the keyframe came");
}

/// With RTX negotiated (RFC 4588, `a=rtpmap:97 rtx/90000; apt=96`), a NACKed packet goes
/// again on our RTX stream — the SSRC our SDP grouped with the media one (`FID`), the RTX
/// payload type, a sequence number of its own and a fresh transport-wide number — and the
/// receiver unwraps it into the sequence number it missed.
#[test]
fn a_nacked_packet_goes_again_on_the_rtx_stream() {
    static VIDEO_RTX: [CodecCap<'static>; 1] = [CodecCap::vp8(96, Some(97))];
    let config = PeerConfig {
        video: Some(MediaConfig::send_recv(&VIDEO_RTX)),
        ..PeerConfig::default()
    };
    let mut p = connected(config.clone(), config);
    let track = p.a.track_by_mid("0").unwrap();
    let info = p.a.tracks()[track.0].clone();
    let rtx_ssrc = info
        .local_rtx_ssrc
        .expect("RTX negotiated: a has an RTX SSRC");
    assert_ne!(rtx_ssrc, info.local_ssrc);
    assert_eq!(
        p.b.tracks()[track.0].remote_rtx_ssrc,
        Some(rtx_ssrc),
        "b read a's FID"
    );
    // Drop the 7th RTP datagram from a; note (SSRC, payload type, sequence) of every RTP
    // datagram a sends (SRTP leaves the header in clear).
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = seen.clone();
    p.filter = Some(Box::new(move |from_a, bytes| {
        if from_a && classify(bytes) == PacketKind::Rtp {
            let h = rtp_core::wire::RtpPacket::new_checked(bytes).unwrap();
            log.borrow_mut()
                .push((h.ssrc(), h.payload_type(), h.sequence_number()));
            return log.borrow().len() == 7;
        }
        false
    }));
    for i in 0..30u32 {
        p.send_frame(true, track, i * 3000, &vp8_frame(i == 0, 3000, i as u8));
        p.wait(Duration::from_millis(33));
    }
    p.wait(Duration::from_secs(1));
    let seen = seen.borrow();
    let lost = seen[6];
    let rtx: Vec<_> = seen.iter().filter(|s| s.0 == rtx_ssrc).collect();
    assert!(!rtx.is_empty(), "a resent on its RTX SSRC: {seen:?}");
    assert!(rtx.iter().all(|s| s.1 == 97), "RTX payload type: {rtx:?}");
    assert!(
        seen.iter()
            .filter(|s| s.0 == info.local_ssrc)
            .filter(|s| s.2 == lost.2)
            .count()
            == 1,
        "the media stream never repeats a sequence number"
    );
    let sa = p.a.track_stats(track).unwrap();
    assert_eq!(sa.rtx_sent, sa.retransmitted);
    assert!(sa.rtx_sent >= 1, "{sa:?}");
    // b unwrapped it: it holds the missed sequence number, every packet once, no loss.
    let seqs: BTreeSet<u16> = p.media.1.iter().map(|g| g.seq).collect();
    assert!(
        seqs.contains(&lost.2),
        "the lost packet came back unwrapped"
    );
    assert_eq!(seqs.len(), 90, "{:?}", p.b.stats());
    assert_eq!(p.b.track_stats(track).unwrap().packets_lost, 0);
    // The transport-wide numbers stay unique: the RTX packet got a fresh one.
    let twcc_id = p.b.tracks()[track.0]
        .ext_twcc
        .expect("transport-cc negotiated");
    let numbers: Vec<Vec<u8>> = p
        .media
        .1
        .iter()
        .filter_map(|g| {
            g.extensions
                .iter()
                .find(|(i, _)| *i == twcc_id)
                .map(|(_, d)| d.clone())
        })
        .collect();
    let unique: BTreeSet<&Vec<u8>> = numbers.iter().collect();
    assert_eq!(
        unique.len(),
        numbers.len(),
        "no transport-wide number used twice"
    );
}

/// The header extensions both sides negotiated are written on every packet we send: mid
/// (the track's), abs-send-time (the send time, 6.18 fixed point) and one transport-wide
/// sequence number counting every packet of every track.
#[test]
fn sent_packets_carry_mid_abs_send_time_and_transport_wide_sequence_numbers() {
    let both = PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..PeerConfig::default()
    };
    let mut p = connected(both.clone(), both);
    let video = p.a.track_by_mid("1").unwrap();
    let audio = p.a.track_by_mid("0").unwrap();
    let info = p.b.tracks()[video.0].clone();
    let (mid_id, abs_id, twcc_id) = (
        info.ext_mid.expect("mid negotiated"),
        info.ext_abs_send_time.expect("abs-send-time negotiated"),
        info.ext_twcc.expect("transport-cc negotiated"),
    );
    for i in 0..5u32 {
        p.send_frame(true, video, i * 3000, &vp8_frame(i == 0, 3000, i as u8));
        p.send_frame(true, audio, i * 160, &[0xff; 160]);
        p.wait(Duration::from_millis(20));
    }
    let got = &p.media.1;
    assert_eq!(got.len(), 5 * 3 + 5, "{got:?}");
    let ext = |g: &common::Got, id: u8| {
        g.extensions
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("no extension {id} on {g:?}"))
    };
    let mut transport: Vec<u16> = Vec::new();
    for g in got {
        let mid = if g.track == video { b"1" } else { b"0" };
        assert_eq!(ext(g, mid_id), mid, "{g:?}");
        let t = ext(g, twcc_id);
        transport.push(u16::from_be_bytes([t[0], t[1]]));
        let abs = ext(g, abs_id);
        assert_eq!(abs.len(), 3);
    }
    // One counter for the whole connection, in sending order, no gaps.
    let first = transport[0];
    let expected: Vec<u16> = (0..transport.len() as u16).map(|i| first + i).collect();
    assert_eq!(transport, expected);
    // abs-send-time follows virtual time: the last packet was sent about 80 ms after the
    // first (5 rounds 20 ms apart).
    let when = |g: &common::Got| {
        let d = ext(g, abs_id);
        let v = u32::from_be_bytes([0, d[0], d[1], d[2]]);
        (u64::from(v) * 1_000_000) >> 18
    };
    let span = when(got.last().unwrap()).wrapping_sub(when(&got[0]));
    assert!((70_000..=100_000).contains(&span), "{span} µs");
}

/// Protect `packet` with the SRTP keys `from` exported, as `from` would send it.
fn forge(from: &common::Peer, packet: &[u8]) -> Vec<u8> {
    use dtls_core::Dtls;
    let keys = from.dtls().srtp_keys().unwrap();
    common::forge_rtp(&keys, from.session().unwrap().dtls_role, packet)
}

#[test]
fn rtp_for_unknown_ssrcs_or_payload_types_is_dropped_and_counted() {
    let mut p = connected(audio_config(), audio_config());
    let track = p.a.track_by_mid("0").unwrap();
    // One real frame, so the path and a's SSRC are known.
    let mut path = None;
    p.filter = None;
    {
        let now = p.now;
        let mut fs = p.a.send_frame(now, track, 0, &[0x55; 160]).unwrap();
        let mut out = vec![0u8; 2048];
        let t = fs.next(&mut out).unwrap().unwrap();
        path = path.or(Some(t.path));
        let bytes = out[..t.len].to_vec();
        assert!(
            fs.next(&mut out).unwrap().is_none(),
            "one packet per G.711 frame"
        );
        p.deliver(true, t.path, &bytes);
    }
    let path = path.unwrap();
    assert_eq!(p.media.1.len(), 1);
    let (our_ssrc, seq) = (p.media.1[0].ssrc, p.media.1[0].seq);
    let before = p.b.stats();
    let rtp = |ssrc: u32, pt: u8, seq: u16| {
        let h = RtpHeader {
            payload_type: pt,
            sequence_number: seq,
            timestamp: 160 * u32::from(seq),
            ssrc,
            ..Default::default()
        };
        let mut out = vec![0u8; 400];
        let n = h.emit(&[0x55; 160], &mut out).unwrap();
        out.truncate(n);
        out
    };
    // Authenticated, but from an SSRC nobody announced on a track that knows its sender.
    for i in 0..5 {
        let bytes = forge(&p.a, &rtp(0xDEAD_0000 + i, 0, 100 + i as u16));
        p.deliver(true, path, &bytes);
    }
    // The right SSRC with a payload type the track does not use.
    let bytes = forge(&p.a, &rtp(our_ssrc, 111, seq.wrapping_add(10)));
    p.deliver(true, path, &bytes);
    // Garbage that looks like SRTP.
    let mut junk = rtp(our_ssrc, 0, seq.wrapping_add(11));
    junk.extend_from_slice(&[0u8; 10]);
    p.deliver(true, path, &junk);
    let after = p.b.stats();
    assert_eq!(p.media.1.len(), 1, "nothing of that was delivered");
    assert_eq!(after.dropped_unknown_ssrc - before.dropped_unknown_ssrc, 5);
    assert_eq!(
        after.dropped_unknown_payload_type - before.dropped_unknown_payload_type,
        1
    );
    assert_eq!(
        after.dropped_unauthenticated - before.dropped_unauthenticated,
        1
    );
    assert_eq!(after.rtp_packets_received, 1);
    let sel = after.selected_pair.unwrap();
    assert_eq!(sel.local_kind, ice_core::CandidateKind::Host);
    assert_eq!(sel.remote_kind, ice_core::CandidateKind::Host);
    // The connection carries on.
    p.send_frame(true, track, 160, &[0x66; 160]);
    assert_eq!(p.media.1.len(), 2, "{:?}", p.b.stats());
    assert_eq!(p.b.state(), PeerState::Connected);
}

#[test]
fn a_wrong_dtls_fingerprint_fails_the_connection_with_a_typed_reason() {
    // Flip one hex digit of the answerer's certificate fingerprint on its way to the offerer.
    let tamper = |answer: String| {
        let i = answer.find("a=fingerprint:sha-256 ").unwrap() + 22;
        let mut bytes = answer.into_bytes();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    let mut p = Pair::new(audio_config(), audio_config(), tamper);
    let failed = |s: PeerState| matches!(s, PeerState::Failed(_));
    // The offerer (DTLS server here) checks the client's certificate and aborts; the client
    // does not believe an unauthenticated alert once it has keys, so it times out (60 s).
    let both = p.run(Duration::from_secs(70), |p| {
        failed(p.a.state()) && failed(p.b.state())
    });
    assert!(both, "{:?} / {:?}", p.a.state(), p.b.state());
    assert_eq!(
        p.a.state(),
        PeerState::Failed(Failure::Dtls(dtls_core::Failure::FingerprintMismatch))
    );
    assert!(
        matches!(p.b.state(), PeerState::Failed(Failure::Dtls(_))),
        "{:?}",
        p.b.state()
    );
    // No keys, no media.
    assert!(p.a.send_frame(p.now, TrackId(0), 0, &[0; 160]).is_err());
    assert!(p
        .events
        .0
        .contains(&PeerEvent::StateChanged(PeerState::Failed(Failure::Dtls(
            dtls_core::Failure::FingerprintMismatch
        )))));
}
