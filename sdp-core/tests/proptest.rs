//! Property tests: the fuzz bodies (`sdp_core::fuzzing`) on arbitrary bytes, on mutations of
//! real offers, and on descriptions assembled from plausible lines.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use sdp_core::fuzzing::{sdp_answer, sdp_parse};

const FIXTURES: [&str; 3] = [
    include_str!("fixtures/chromium_av_offer.sdp"),
    include_str!("fixtures/chromium_dc_offer.sdp"),
    include_str!("fixtures/aiortc_av_offer.sdp"),
];

/// A real offer with some lines dropped, duplicated, swapped or bytes changed.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..FIXTURES.len(),
        prop::collection::vec((0usize..200, 0u8..5, any::<u8>(), 0usize..200), 0..6),
    )
        .prop_map(|(f, edits)| {
            let mut lines: Vec<Vec<u8>> =
                FIXTURES[f].lines().map(|l| l.as_bytes().to_vec()).collect();
            for (i, op, byte, j) in edits {
                let n = lines.len();
                if n == 0 {
                    break;
                }
                let (i, j) = (i % n, j % n);
                match op {
                    0 => drop(lines.remove(i)),
                    1 => {
                        let l = lines[i].clone();
                        lines.insert(j, l);
                    }
                    2 => lines.swap(i, j),
                    3 => {
                        let l = &mut lines[i];
                        if !l.is_empty() {
                            let k = j % l.len();
                            l[k] = byte;
                        }
                    }
                    _ => {
                        let k = j % (lines[i].len() + 1);
                        lines[i].truncate(k);
                    }
                }
            }
            lines.join(&b"\r\n"[..])
        })
}

/// Plausible lines in a plausible order, with random numbers and tokens.
fn assembled() -> impl Strategy<Value = Vec<u8>> {
    let token = "[a-zA-Z0-9+/]{1,6}";
    let attr = prop_oneof![
        (0u16..140, token).prop_map(|(pt, n)| format!("a=rtpmap:{pt} {n}/90000")),
        (
            0u16..140,
            "[a-z-]{1,5}=[0-9]{1,3}(;[a-z-]{1,5}=[0-9a-f]{1,6}){0,3}"
        )
            .prop_map(|(pt, p)| format!("a=fmtp:{pt} {p}")),
        (
            0u16..130,
            prop::sample::select(vec![
                "nack",
                "nack pli",
                "ccm fir",
                "goog-remb",
                "transport-cc",
                "x y z"
            ])
        )
            .prop_map(|(pt, f)| format!("a=rtcp-fb:{pt} {f}")),
        (0u16..20, token).prop_map(|(id, u)| format!("a=extmap:{id} urn:{u}")),
        token.prop_map(|m| format!("a=mid:{m}")),
        prop::sample::select(vec![
            "a=sendrecv",
            "a=sendonly",
            "a=recvonly",
            "a=inactive",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=setup:actpass",
            "a=setup:active",
            "a=ice-ufrag:abcd",
            "a=ice-pwd:0123456789012345678901",
            "a=fingerprint:sha-256 AA:BB",
            "a=sctp-port:5000",
            "a=max-message-size:1000",
            "a=bundle-only",
            "a=candidate:1 1 udp 1 127.0.0.1 9 typ host",
            "a=end-of-candidates",
            "a=ssrc-group:FID 1 2",
            "a=ssrc:1 cname:x",
            "a=msid:a b",
            "a=rid:h send",
            "a=simulcast:send h",
            "a=x-unknown:1 2 3"
        ])
        .prop_map(String::from),
    ];
    let media = (
        prop::sample::select(vec!["audio", "video", "application", "text"]),
        0u16..10,
        prop::sample::select(vec!["UDP/TLS/RTP/SAVPF", "RTP/AVP", "UDP/DTLS/SCTP"]),
        prop::collection::vec(0u16..130, 1..6),
        prop::collection::vec(attr.clone(), 0..12),
    )
        .prop_map(|(k, port, proto, pts, attrs)| {
            let fmts = if proto == "UDP/DTLS/SCTP" {
                "webrtc-datachannel".to_string()
            } else {
                pts.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut s = format!("m={k} {port} {proto} {fmts}\r\nc=IN IP4 0.0.0.0\r\n");
            for a in attrs {
                s.push_str(&a);
                s.push_str("\r\n");
            }
            s
        });
    (
        prop::collection::vec(token, 0..4),
        prop::collection::vec(attr, 0..4),
        prop::collection::vec(media, 0..4),
    )
        .prop_map(|(bundle, session, media)| {
            let mut s = String::from("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
            if !bundle.is_empty() {
                s.push_str(&format!("a=group:BUNDLE {}\r\n", bundle.join(" ")));
            }
            for a in session {
                s.push_str(&a);
                s.push_str("\r\n");
            }
            media.iter().for_each(|m| s.push_str(m));
            s.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
        sdp_parse(&data);
        sdp_answer(&data);
    }

    #[test]
    fn mutated_real_offers(data in mutated()) {
        sdp_parse(&data);
        sdp_answer(&data);
    }

    #[test]
    fn assembled_descriptions(data in assembled()) {
        sdp_parse(&data);
        sdp_answer(&data);
    }
}

/// Inputs the fuzzer found, kept so they stay fixed.
#[test]
fn fuzz_finds_stay_fixed() {
    // An m= line whose formats held a vertical tab inside non-ASCII text: the parser took
    // the list as empty, and the written m= line (no formats) did not parse again.
    let vt_in_formats: &[u8] = include_bytes!("regressions/vt_in_media_formats.sdp");
    sdp_parse(vt_in_formats);
    sdp_answer(vt_in_formats);
}

/// The unmutated fixtures go through both bodies (and must parse).
#[test]
fn fixtures_through_fuzz_bodies() {
    for f in FIXTURES {
        sdp_parse(f.as_bytes());
        sdp_answer(f.as_bytes());
    }
}

/// The generators must reach the writer and the answerer, not only the parser's errors.
#[test]
fn generators_produce_valid_descriptions() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    type Sdp<'a> = sdp_core::SessionDescription<'a, 8, 256, 32>;
    let local = sdp_core::negotiate::LocalSession::new(
        1,
        "abcd",
        "0123456789012345678901",
        sdp_core::Fingerprint {
            hash: "sha-256",
            value: "AA",
        },
    );
    let codecs = [sdp_core::negotiate::CodecCap::vp8(96, None)];
    let media = sdp_core::negotiate::MediaCaps {
        codecs: &codecs,
        extensions: &[],
        direction: sdp_core::Direction::SendRecv,
        track: None,
    };
    let caps = sdp_core::negotiate::Capabilities {
        audio: None,
        video: Some(media),
        data: Some(Default::default()),
    };
    let mut runner = TestRunner::deterministic();
    for (name, strategy) in [
        ("mutated", mutated().boxed()),
        ("assembled", assembled().boxed()),
    ] {
        let (mut parsed, mut answered) = (0, 0);
        for _ in 0..300 {
            let data = strategy.new_tree(&mut runner).unwrap().current();
            if let Ok(sdp) = Sdp::parse_bytes(&data) {
                parsed += 1;
                let answer = sdp_core::negotiate::create_answer(&sdp, &local, &caps);
                answered += usize::from(answer.is_ok_and(|a| a.media().any(|m| !m.is_rejected())));
            };
        }
        eprintln!("{name}: {parsed}/300 parse, {answered} answered with an accepted section");
        assert!(parsed >= 60, "{name}: only {parsed}/300 parse");
    }
}
