//! Offer/answer against captured Chromium offers and hand-edited variants of them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use sdp_core::fmtp::{FmtpParams, H264Params};
use sdp_core::negotiate::{
    create_answer, create_offer, negotiate, negotiate_into, Capabilities, LocalSession, Negotiated,
    NegotiationError, SdpRole,
};
use sdp_core::{Direction, DtlsRole, MediaKind, RtcpFbSet, SessionDescription, Setup};
use support::*;

const AV: &str = include_str!("fixtures/chromium_av_offer.sdp");
const DC: &str = include_str!("fixtures/chromium_dc_offer.sdp");

type Sdp<'a> = SessionDescription<'a>;

fn answer_of<'a>(offer: &Sdp<'a>, local: &LocalSession<'a>, caps: &Capabilities<'a>) -> Sdp<'a> {
    create_answer(offer, local, caps).unwrap()
}

#[test]
fn answer_chromium_audio_video_data() {
    let offer = Sdp::parse(AV).unwrap();
    let (local, caps) = (local(), caps());
    let answer = answer_of(&offer, &local, &caps);
    let text = emit(&answer);
    // The answer we write parses back to the same model.
    assert_eq!(Sdp::parse(&text).unwrap(), answer);

    assert_eq!(answer.bundle().unwrap().mids.as_slice(), ["0", "1", "2"]);
    let a = answer.media_at(0).unwrap();
    // Offer order kept (RFC 3264 §6.1), offerer's payload types, unsupported ones dropped.
    assert_eq!(a.desc.payload_types(), [111, 0, 8]);
    assert_eq!(a.setup(), Some(Setup::Active));
    assert_eq!(a.direction(), Direction::SendRecv);
    assert!(a.rtcp_mux());
    let v = answer.media_at(1).unwrap();
    // VP8 + its RTX, and the one H.264 variant with our profile (constrained baseline) and
    // packetization mode 1, plus its RTX: 109 (42e01f, mode 1) and 114 (apt=109).
    assert_eq!(v.desc.payload_types(), [96, 97, 109, 114]);
    let h264 = v.codecs().find(|c| c.pt == 109).unwrap();
    assert_eq!(
        H264Params::from_params(&h264.params).unwrap(),
        H264Params::constrained_baseline(31)
    );
    assert!(text.contains(
        "a=fmtp:109 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    ));
    assert!(text.contains("a=fmtp:114 apt=109\r\n"));
    assert!(text.contains("a=fmtp:97 apt=96\r\n"));
    // Only the header extensions we support, with the offerer's ids.
    let ids: Vec<_> = v.extmaps().map(|x| x.id).collect();
    assert_eq!(ids, [2, 3, 4]);
    let d = answer.media_at(2).unwrap();
    assert_eq!(d.sctp_port(), Some(5000));
    assert_eq!(d.max_message_size(), Some(262_144));
}

#[test]
fn negotiated_value_as_answerer() {
    let offer = Sdp::parse(AV).unwrap();
    let (local, caps) = (local(), caps());
    let answer = answer_of(&offer, &local, &caps);
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert_eq!(n.role, SdpRole::Answerer);
    assert_eq!(n.remote_ice.ufrag, "/sGk");
    assert_eq!(n.remote_ice.pwd, "mv104cvLcX9fidXKGpz8VQ+Z");
    assert!(n.remote_ice.trickle);
    assert_eq!(n.local_ice.ufrag, local.ice_ufrag);
    assert_eq!(n.remote_fingerprint.hash, "sha-256");
    assert!(n.remote_fingerprint.value.starts_with("93:61:35:F2"));
    assert_eq!(n.local_fingerprint, FINGERPRINT);
    assert_eq!(n.dtls_role, DtlsRole::Client);
    assert_eq!(n.bundle_tag, Some("0"));
    assert!(n.extmap_allow_mixed);
    let sctp = n.sctp.unwrap();
    assert_eq!((sctp.local_port, sctp.remote_port), (5000, 5000));
    assert_eq!(sctp.remote_max_message_size, 262_144);
    assert_eq!(sctp.mid, Some("2"));

    let audio = n.media_by_mid("0").unwrap();
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(audio.direction, Direction::SendRecv);
    assert!(audio.rtcp_mux && audio.rtcp_rsize && audio.bundled && !audio.rejected);
    let opus = audio.send_codec().unwrap();
    assert_eq!(
        (opus.pt, opus.name, opus.clock_rate, opus.channels),
        (111, "opus", 48_000, Some(2))
    );
    assert_eq!(opus.rtcp_fb, RtcpFbSet::TRANSPORT_CC);
    let prefs = opus.opus_remote().unwrap();
    assert!(prefs.useinbandfec);
    assert_eq!(prefs.minptime, Some(10));
    assert_eq!(
        audio.codecs.iter().map(|c| c.pt).collect::<Vec<_>>(),
        [111, 0, 8]
    );
    assert_eq!(
        audio.extension_id("urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
        Some(1)
    );
    assert_eq!(audio.remote_track.unwrap().ssrc, Some(2_734_256_701));
    assert_eq!(audio.remote_track.unwrap().cname, Some("Nt7+SxHGj1pzUplO"));

    let video = n.media_by_mid("1").unwrap();
    let vp8 = video.send_codec().unwrap();
    assert_eq!((vp8.pt, vp8.name, vp8.rtx_pt), (96, "VP8", Some(97)));
    assert_eq!(vp8.rtcp_fb, RtcpFbSet::ALL);
    let h264 = video.codec(109).unwrap();
    assert_eq!(h264.rtx_pt, Some(114));
    assert_eq!(video.codec(114).unwrap().pt, 109);
    // Both allow level asymmetry: we send at the browser's declared level (3.1, 0x1f).
    let send = h264.h264_send_params().unwrap();
    assert_eq!(send.profile_level_id.level_idc, 0x1f);
    let track = video.remote_track.unwrap();
    assert_eq!(
        (track.ssrc, track.rtx_ssrc),
        (Some(2_230_345_420), Some(2_174_812_312))
    );
    assert_eq!(track.track_id, Some("1c6fda2e-4f0c-41f0-90ae-ba76c6a23005"));
    assert_eq!(
        video.extension_id("urn:ietf:params:rtp-hdrext:sdes:mid"),
        Some(4)
    );
    assert_eq!(video.extensions.len(), 3);
}

#[test]
fn offerer_and_answerer_agree() {
    let (local, caps) = (local(), caps());
    let offer: Sdp<'_> = create_offer(&local, &caps).unwrap();
    let offer_text = emit(&offer);
    let remote_offer = Sdp::parse(&offer_text).unwrap();
    assert_eq!(remote_offer, offer);
    // The remote answers with its own identity and a narrower wish: receive video only.
    let mut remote = LocalSession::new(7, "Rm0t", "rEmOtEpAsSwOrD0123456789", FINGERPRINT);
    remote.answer_setup = Setup::Passive;
    let remote_caps = Capabilities {
        video: Some(video(Direction::RecvOnly)),
        ..caps
    };
    let answer = answer_of(&remote_offer, &remote, &remote_caps);
    let answer_text = emit(&answer);
    let answer_parsed = Sdp::parse(&answer_text).unwrap();
    let ours: Negotiated<'_> = negotiate(&offer, &answer_parsed, SdpRole::Offerer).unwrap();
    let theirs: Negotiated<'_> = negotiate(&remote_offer, &answer, SdpRole::Answerer).unwrap();
    assert_eq!(ours.dtls_role, DtlsRole::Client, "answer said passive");
    assert_eq!(theirs.dtls_role, DtlsRole::Server);
    assert_eq!(ours.local_ice, theirs.remote_ice);
    assert_eq!(ours.remote_ice, theirs.local_ice);
    assert_eq!(ours.media.len(), 3);
    for (a, b) in ours.media.iter().zip(&theirs.media) {
        assert_eq!(a.mid, b.mid);
        assert_eq!(a.direction, b.direction.reversed());
        let pts = |m: &sdp_core::negotiate::NegotiatedMedia<'_, 8, 8>| {
            m.codecs
                .iter()
                .map(|c| (c.pt, c.rtx_pt))
                .collect::<Vec<_>>()
        };
        assert_eq!(pts(a), pts(b));
        assert_eq!(a.extensions, b.extensions);
    }
    assert_eq!(ours.media[1].direction, Direction::SendOnly);
    assert_eq!(
        ours.media[1]
            .codecs
            .iter()
            .map(|c| c.pt)
            .collect::<Vec<_>>(),
        [96, 102]
    );
    assert_eq!(ours.media[1].codecs[1].rtx_pt, Some(103));
    let (s1, s2) = (ours.sctp.unwrap(), theirs.sctp.unwrap());
    assert_eq!(
        (s1.local_port, s1.remote_port),
        (s2.remote_port, s2.local_port)
    );
}

/// Replace the direction attribute of every section.
fn with_direction(text: &str, d: &str) -> String {
    text.replace("a=sendrecv", d)
}

#[test]
fn directions_follow_rfc3264() {
    let cases = [
        // (offered, wanted, answered)
        ("a=sendrecv", Direction::SendRecv, Direction::SendRecv),
        ("a=sendrecv", Direction::RecvOnly, Direction::RecvOnly),
        ("a=sendrecv", Direction::SendOnly, Direction::SendOnly),
        ("a=sendonly", Direction::SendRecv, Direction::RecvOnly),
        ("a=sendonly", Direction::SendOnly, Direction::Inactive),
        ("a=recvonly", Direction::SendRecv, Direction::SendOnly),
        ("a=recvonly", Direction::RecvOnly, Direction::Inactive),
        ("a=inactive", Direction::SendRecv, Direction::Inactive),
    ];
    for (offered, wanted, expected) in cases {
        let text = with_direction(AV, offered);
        let offer = Sdp::parse(&text).unwrap();
        let caps = Capabilities {
            audio: Some(audio(wanted)),
            video: Some(video(wanted)),
            data: None,
        };
        let answer = answer_of(&offer, &local(), &caps);
        assert_eq!(
            answer.media_at(0).unwrap().direction(),
            expected,
            "{offered} / {wanted:?}"
        );
        let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
        assert_eq!(n.media[1].direction, expected);
        // We announce our track only where we send.
        assert_eq!(
            answer.media_at(0).unwrap().msid().is_some(),
            expected.sends()
        );
        // The offerer's view is the mirror image.
        let o: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Offerer).unwrap();
        assert_eq!(o.media[0].direction, expected.reversed());
    }
}

#[test]
fn unsupported_sections_are_rejected_and_leave_bundle() {
    let offer = Sdp::parse(AV).unwrap();
    // No audio support: the first (BUNDLE-tagged) section is rejected.
    let caps = Capabilities {
        audio: None,
        ..caps()
    };
    let answer = answer_of(&offer, &local(), &caps);
    let a = answer.media_at(0).unwrap();
    assert_eq!(a.desc.port, 0);
    assert_eq!(a.mid(), Some("0"));
    assert_eq!(answer.bundle().unwrap().mids.as_slice(), ["1", "2"]);
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert!(n.media[0].rejected && n.media[0].codecs.is_empty());
    assert_eq!(n.media[0].direction, Direction::Inactive);
    assert_eq!(n.bundle_tag, Some("1"));
    assert!(!n.media[1].rejected);
    // Still parses, and the offerer reaches the same conclusion.
    let back_text = emit(&answer);
    let back = Sdp::parse(&back_text).unwrap();
    let o: Negotiated<'_> = negotiate(&offer, &back, SdpRole::Offerer).unwrap();
    assert!(o.media[0].rejected);
    assert_eq!(o.media[1].codecs.len(), n.media[1].codecs.len());
}

#[test]
fn section_without_common_codec_is_rejected() {
    // Offer video with AV1 only.
    let text = AV.replace(
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 103 104 107 108 109 114 115 116 117 118 39 40 45 46 98 99 100 101 119 120 121",
        "m=video 9 UDP/TLS/RTP/SAVPF 45 46",
    );
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    assert!(answer.media_at(1).unwrap().is_rejected());
    assert_eq!(answer.bundle().unwrap().mids.as_slice(), ["0", "2"]);
}

#[test]
fn plain_rtp_profile_is_rejected() {
    let text = AV.replace("m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio 9 RTP/AVP");
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    assert!(answer.media_at(0).unwrap().is_rejected());
}

#[test]
fn static_payload_types_without_rtpmap_and_case_insensitive_names() {
    let text = AV
        .replace("a=rtpmap:0 PCMU/8000\r\n", "")
        .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 OPUS/48000/2");
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    let a = answer.media_at(0).unwrap();
    assert_eq!(a.desc.payload_types(), [111, 0, 8]);
    let pcmu = a.codecs().find(|c| c.pt == 0).unwrap();
    assert_eq!((pcmu.name, pcmu.clock_rate), ("PCMU", 8000));
}

#[test]
fn channels_and_clock_rate_must_match() {
    let text = AV.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/1");
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    assert_eq!(answer.media_at(0).unwrap().desc.payload_types(), [0, 8]);
    let text = AV.replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8/48000");
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    assert_eq!(answer.media_at(1).unwrap().desc.payload_types(), [109, 114]);
}

fn h264_answer(offered_fmtp: &str, ours: H264Params) -> Option<H264Params> {
    let text = AV.replace(
        "a=fmtp:109 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        &format!("a=fmtp:109 {offered_fmtp}"),
    );
    let offer = Sdp::parse(&text).unwrap();
    let codecs = [sdp_core::negotiate::CodecCap::h264(102, ours, None)];
    let caps = Capabilities {
        video: Some(sdp_core::negotiate::MediaCaps {
            codecs: &codecs,
            ..video(Direction::SendRecv)
        }),
        ..caps()
    };
    let answer = answer_of(&offer, &local(), &caps);
    let v = answer.media_at(1).unwrap();
    let c = v.codecs().find(|c| c.pt == 109)?;
    // Round trip through text, as the browser would see it.
    let text = emit(&answer);
    let back = Sdp::parse(&text).unwrap();
    let again = back
        .media_at(1)
        .unwrap()
        .codecs()
        .find(|c| c.pt == 109)
        .unwrap();
    assert_eq!(
        H264Params::from_params(&again.params),
        H264Params::from_params(&c.params)
    );
    H264Params::from_params(&c.params)
}

#[test]
fn h264_profile_level_negotiation_rfc6184() {
    let mut ours = H264Params::constrained_baseline(31);
    // Level asymmetry on both sides: answer with our own level.
    let a = h264_answer(
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034",
        ours,
    )
    .unwrap();
    assert_eq!(a.profile_level_id.level_idc, 31);
    // Not allowed by the offer: the lower level. Higher offered level → ours (3.1)...
    let a = h264_answer("packetization-mode=1;profile-level-id=42e034", ours).unwrap();
    assert_eq!(a.profile_level_id.level_idc, 31);
    // ... lower offered level (2.1) → the offer's.
    let a = h264_answer("packetization-mode=1;profile-level-id=42e015", ours).unwrap();
    assert_eq!(a.profile_level_id.level_idc, 21);
    // Level 1b (constraint_set3 with level_idc 11) is below 1.1 and kept as 1b.
    let a = h264_answer("packetization-mode=1;profile-level-id=42f00b", ours).unwrap();
    assert_eq!(
        (
            a.profile_level_id.level_idc,
            a.profile_level_id.profile_iop & 0x10
        ),
        (11, 0x10)
    );
    // Other constraint flags of the same profile (4d80 is constrained baseline too) match.
    assert!(h264_answer("packetization-mode=1;profile-level-id=4d801f", ours).is_some());
    // Another profile (Main) or packetization mode does not match.
    assert!(h264_answer("packetization-mode=1;profile-level-id=4d001f", ours).is_none());
    assert!(h264_answer("packetization-mode=0;profile-level-id=42e01f", ours).is_none());
    // Missing packetization-mode means 0.
    assert!(h264_answer("profile-level-id=42e01f", ours).is_none());
    ours.packetization_mode = 0;
    assert!(h264_answer("profile-level-id=42e01f", ours).is_some());
}

#[test]
fn setup_roles() {
    for (offered, answered, role) in [
        ("a=setup:actpass", Setup::Active, DtlsRole::Client),
        ("a=setup:active", Setup::Passive, DtlsRole::Server),
        ("a=setup:passive", Setup::Active, DtlsRole::Client),
    ] {
        let text = AV.replace("a=setup:actpass", offered);
        let offer = Sdp::parse(&text).unwrap();
        let answer = answer_of(&offer, &local(), &caps());
        assert_eq!(answer.media_at(0).unwrap().setup(), Some(answered));
        let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
        assert_eq!(n.dtls_role, role);
    }
    let text = AV.replace("a=setup:actpass", "a=setup:holdconn");
    let offer = Sdp::parse(&text).unwrap();
    assert_eq!(
        create_answer::<16, 512, 64>(&offer, &local(), &caps()),
        Err(NegotiationError::BadSetup)
    );
}

#[test]
fn negotiate_into_overwrites_an_earlier_result_to_the_same_value() {
    let (av, dc) = (Sdp::parse(AV).unwrap(), Sdp::parse(DC).unwrap());
    let (local, caps) = (local(), caps());
    let (av_answer, dc_answer) = (answer_of(&av, &local, &caps), answer_of(&dc, &local, &caps));
    let mut n: Negotiated<'_> = Negotiated::new(SdpRole::Offerer);
    negotiate_into(&av, &av_answer, SdpRole::Answerer, &mut n).unwrap();
    assert_eq!(n, negotiate(&av, &av_answer, SdpRole::Answerer).unwrap());
    assert_eq!(n.media.len(), 3);
    assert!(!n.media[0].codecs.is_empty());
    // Three sections with codecs and a remote track before; one data section now.
    negotiate_into(&dc, &dc_answer, SdpRole::Answerer, &mut n).unwrap();
    let fresh: Negotiated<'_> = negotiate(&dc, &dc_answer, SdpRole::Answerer).unwrap();
    assert_eq!(n, fresh);
    assert_eq!(n.media.len(), 1);
}

#[test]
fn data_channel_only_offer() {
    let offer = Sdp::parse(DC).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    let text = emit(&answer);
    assert!(text.contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
    assert!(text.contains("a=group:BUNDLE 0\r\n"));
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert_eq!(n.media.len(), 1);
    assert_eq!(n.sctp.unwrap().remote_max_message_size, 262_144);
    // Without data channel support everything is rejected: nothing to negotiate.
    let none = Capabilities {
        data: None,
        ..caps()
    };
    let answer = answer_of(&offer, &local(), &none);
    assert!(answer.bundle().is_none());
    let r: Result<Negotiated<'_>, _> = negotiate(&offer, &answer, SdpRole::Answerer);
    assert_eq!(r, Err(NegotiationError::NothingAccepted));
}

#[test]
fn candidates_go_into_the_first_accepted_section() {
    let mut local = local();
    let cands = ["1 1 udp 2122260223 198.18.0.1 50000 typ host generation 0"];
    local.candidates = &cands;
    local.end_of_candidates = true;
    let offer = Sdp::parse(AV).unwrap();
    let answer = answer_of(&offer, &local, &caps());
    let counts: Vec<_> = answer.media().map(|m| m.candidates().count()).collect();
    assert_eq!(counts, [1, 0, 0]);
    assert!(answer.media_at(0).unwrap().end_of_candidates());
    // The offerer sees them.
    let back_text = emit(&answer);
    let back = Sdp::parse(&back_text).unwrap();
    let n: Negotiated<'_> = negotiate(&offer, &back, SdpRole::Offerer).unwrap();
    assert_eq!(n.remote_candidates.as_slice(), cands);
    assert!(n.remote_end_of_candidates);
}

#[test]
fn bad_answers_are_typed_errors() {
    let (local, caps) = (local(), caps());
    let offer: Sdp<'_> = create_offer(&local, &caps).unwrap();
    let remote_offer_text = emit(&offer);
    let remote_offer = Sdp::parse(&remote_offer_text).unwrap();
    let answer = answer_of(&remote_offer, &local, &caps);
    let good = emit(&answer);
    let check = |text: &str, want: NegotiationError| {
        let a = Sdp::parse(text).unwrap();
        let r: Result<Negotiated<'_>, _> = negotiate(&offer, &a, SdpRole::Offerer);
        assert_eq!(r, Err(want), "{text}");
    };
    check(
        &good.replace("a=setup:active", "a=setup:actpass"),
        NegotiationError::BadSetup,
    );
    check(
        &good
            .replace(
                "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103",
                "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 120",
            )
            .replace(
                "a=rtpmap:96 VP8/90000",
                "a=rtpmap:120 AV1/90000\r\na=rtpmap:96 VP8/90000",
            ),
        NegotiationError::UnknownPayloadType { index: 1, pt: 120 },
    );
    check(
        &good.replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP9/90000"),
        NegotiationError::CodecMismatch { index: 1, pt: 96 },
    );
    check(
        &good.replace("a=mid:1", "a=mid:x"),
        NegotiationError::MidMismatch { index: 1 },
    );
    let cut = good.find("m=application").unwrap();
    check(
        &good[..cut],
        NegotiationError::SectionCount {
            offer: 3,
            answer: 2,
        },
    );
    check(
        &good.replace("a=ice-pwd:", "a=x-ice-pwd:"),
        NegotiationError::MissingIce { index: 0 },
    );
}

#[test]
fn rtx_needs_local_support() {
    let codecs = [sdp_core::negotiate::CodecCap::vp8(96, None)];
    let caps = Capabilities {
        video: Some(sdp_core::negotiate::MediaCaps {
            codecs: &codecs,
            ..video(Direction::SendRecv)
        }),
        ..caps()
    };
    let offer = Sdp::parse(AV).unwrap();
    let answer = answer_of(&offer, &local(), &caps);
    assert_eq!(answer.media_at(1).unwrap().desc.payload_types(), [96]);
    // No RTX: no FID group for our track either.
    assert!(answer.media_at(1).unwrap().ssrc_groups().next().is_none());
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert_eq!(n.media[1].codecs[0].rtx_pt, None);
    assert_eq!(n.media[1].codecs[0].local_params, FmtpParams::Text(""));
}

const AIORTC: &str = include_str!("fixtures/aiortc_av_offer.sdp");

#[test]
fn answer_aiortc_offer() {
    let offer = Sdp::parse(AIORTC).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    // aiortc puts opus on 96 and VP8 on 97 with RTX 98: the offerer's numbers are kept.
    assert_eq!(n.media[0].codecs[0].pt, 96);
    assert_eq!(n.media[0].codecs[0].name, "opus");
    let vp8 = n.media[1].send_codec().unwrap();
    assert_eq!((vp8.name, vp8.pt, vp8.rtx_pt), ("VP8", 97, Some(98)));
    assert_eq!(n.remote_candidates.len(), 1);
    assert!(n.remote_end_of_candidates);
    assert!(!n.remote_ice.trickle);
    assert!(
        !n.extmap_allow_mixed,
        "aiortc does not offer extmap-allow-mixed"
    );
    assert!(!answer.extmap_allow_mixed());
}

#[test]
fn into_variants_reuse_caller_storage() {
    let (local, caps) = (local(), caps());
    let mut offer: Box<Sdp<'_>> = Box::new(Sdp::parse(DC).unwrap());
    let mut answer: Box<Sdp<'_>> = Box::new(Sdp::parse(DC).unwrap());
    // Refill both with other content: nothing of the previous one survives.
    offer.parse_into(AV).unwrap();
    assert_eq!(*offer, Sdp::parse(AV).unwrap());
    sdp_core::negotiate::create_answer_into(&mut answer, &offer, &local, &caps).unwrap();
    assert_eq!(*answer, answer_of(&offer, &local, &caps));
}

#[test]
fn bundle_only_sections_are_accepted() {
    // RFC 9143 §7.2: an offerer may mark bundled sections bundle-only with port 0.
    let text = AV
        .replace("m=video 9 UDP/TLS/RTP/SAVPF", "m=video 0 UDP/TLS/RTP/SAVPF")
        .replace("a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
    let offer = Sdp::parse(&text).unwrap();
    let answer = answer_of(&offer, &local(), &caps());
    let v = answer.media_at(1).unwrap();
    assert_eq!(v.desc.port, 9);
    assert_eq!(answer.bundle().unwrap().mids.as_slice(), ["0", "1", "2"]);
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert!(!n.media[1].rejected && n.media[1].bundled);
    // A port-0 section without bundle-only is a rejection.
    let text = text.replace("a=bundle-only\r\n", "");
    let offer = Sdp::parse(&text).unwrap();
    assert!(answer_of(&offer, &local(), &caps())
        .media_at(1)
        .unwrap()
        .is_rejected());
}

/// One audio section with the given `a=setup` and `a=extmap` lines.
fn audio_with_extmaps(setup: &str, extmaps: &[&str]) -> String {
    let fp = ["AB"; 32].join(":");
    let mut s = format!(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n\
         a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n\
         a=fingerprint:sha-256 {fp}\r\na=setup:{setup}\r\na=sendrecv\r\na=rtcp-mux\r\n\
         a=rtpmap:111 opus/48000/2\r\n"
    );
    for x in extmaps {
        s.push_str(&format!("a=extmap:{x}\r\n"));
    }
    s
}

#[test]
fn extensions_need_the_offered_id_and_uri_once() {
    // Offered: id 1 twice (the first counts), a two-byte id (200), id 3.
    let offer = audio_with_extmaps("actpass", &["1 urn:a", "1 urn:d", "200 urn:b", "3 urn:c"]);
    // Answered: 1 and 200 as offered; 3 with another URI; 1 again; 7 never offered.
    let answer = audio_with_extmaps(
        "active",
        &["1 urn:a", "200 urn:b", "3 urn:x", "1 urn:a", "7 urn:e"],
    );
    let (offer, answer) = (Sdp::parse(&offer).unwrap(), Sdp::parse(&answer).unwrap());
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    let got: Vec<_> = n.media[0]
        .extensions
        .iter()
        .map(|x| (x.id, x.uri))
        .collect();
    assert_eq!(got, vec![(1, "urn:a"), (200, "urn:b")]);
}
