//! Interop with aiortc (PyPI, in the interop venv at `$INTEROP_PYTHON`): its offers are
//! parsed, round-tripped and answered by us and it accepts our answers; it answers our offer
//! and we apply its answer; its own SDP parser reads our offer the way we wrote it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use sdp_core::negotiate::{create_answer, create_offer, negotiate, Negotiated, SdpRole};
use sdp_core::{DtlsRole, SessionDescription};
use support::peer::{isolated, workspace, Peer};
use support::*;

type Sdp<'a> = SessionDescription<'a>;

fn aiortc() -> Peer {
    let py = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        workspace()
            .join("target/interop-venv/bin/python3")
            .to_string_lossy()
            .into_owned()
    });
    let ok = std::process::Command::new(&py)
        .args(["-c", "import aiortc"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "INTEROP PEER MISSING: aiortc in {py} (cargo xtask test installs it into target/interop-venv)"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/aiortc_peer.py");
    Peer::spawn("aiortc", isolated(&py, &[script]))
}

/// Per transceiver: (mid, direction, negotiated payload types, header extension ids).
fn transceivers(summary: &str) -> Vec<(String, String, Vec<u8>, Vec<u16>)> {
    summary
        .lines()
        .filter_map(|l| l.strip_prefix("m "))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let list = |prefix: &str| -> Vec<u16> {
                f.iter()
                    .find_map(|x| x.strip_prefix(prefix))
                    .unwrap()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect()
            };
            let pts = list("send=").into_iter().map(|p| p as u8).collect();
            (f[0].to_string(), f[1].to_string(), pts, list("ext="))
        })
        .collect()
}

/// (port, max-message-size) of the application section as aiortc's parser reads it.
fn sctp(summary: &str) -> Option<(u16, u64)> {
    summary.lines().find_map(|l| {
        let mut f = l.strip_prefix("sctp ")?.split(' ');
        Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
    })
}

/// Our negotiated payload types in aiortc's order: each codec followed by its RTX.
fn with_rtx(m: &sdp_core::negotiate::NegotiatedMedia<'_, 8, 8>) -> Vec<u8> {
    m.codecs
        .iter()
        .flat_map(|c| std::iter::once(c.pt).chain(c.rtx_pt))
        .collect()
}

fn sorted(mut v: Vec<u16>) -> Vec<u16> {
    v.sort_unstable();
    v
}

fn answer_aiortc_offer(kind: &str) {
    let mut peer = aiortc();
    let offer_text = peer.call("offer", Some(kind)).unwrap();
    eprintln!("{} offer ({kind}):\n{offer_text}", peer.banner);
    let offer = Sdp::parse(&offer_text).unwrap();
    assert_eq!(offer.to_string(), offer_text, "aiortc offer round trip");
    let (local, caps) = (local(), caps());
    let answer: Sdp<'_> = create_answer(&offer, &local, &caps).unwrap();
    let answer_text = emit(&answer);
    eprintln!("our answer:\n{answer_text}");
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    let summary = peer
        .call("accept", Some(&answer_text))
        .unwrap_or_else(|e| panic!("aiortc rejected our answer: {e}"));
    eprintln!("aiortc view:\n{summary}");
    let seen = transceivers(&summary);
    let rtp: Vec<_> = n.media.iter().filter(|m| !m.codecs.is_empty()).collect();
    assert_eq!(seen.len(), rtp.len());
    for (m, (mid, dir, pts, ext)) in rtp.iter().zip(&seen) {
        assert_eq!(m.mid, Some(mid.as_str()));
        assert_eq!(dir, m.direction.reversed().as_str(), "mid {mid}");
        assert_eq!(&with_rtx(m), pts, "mid {mid}");
        let ours = m.extensions.iter().map(|e| e.id).collect();
        assert_eq!(sorted(ours), sorted(ext.clone()), "mid {mid}");
    }
    let s = n.sctp.expect("data section");
    assert_eq!(
        sctp(&summary),
        Some((s.local_port, s.local_max_message_size))
    );
    assert_eq!(n.dtls_role, DtlsRole::Client);
}

#[test]
#[ignore = "interop: needs aiortc (cargo xtask test installs it)"]
fn aiortc_accepts_our_answer_audio_video_data() {
    answer_aiortc_offer("av");
}

#[test]
#[ignore = "interop: needs aiortc (cargo xtask test installs it)"]
fn aiortc_accepts_our_answer_data_only() {
    answer_aiortc_offer("dc");
}

#[test]
#[ignore = "interop: needs aiortc (cargo xtask test installs it)"]
fn aiortc_answers_our_offer() {
    let mut peer = aiortc();
    let (local, caps) = (local(), caps());
    let offer: Sdp<'_> = create_offer(&local, &caps).unwrap();
    let offer_text = emit(&offer);

    // aiortc's own parser reads our offer; what it writes back means the same to us.
    let reparsed_text = peer.call("parse", Some(&offer_text)).unwrap();
    let reparsed = Sdp::parse(&reparsed_text).unwrap();
    assert_eq!(reparsed.media_count(), offer.media_count());
    for (a, b) in offer.media().zip(reparsed.media()) {
        assert_eq!(a.mid(), b.mid());
        assert_eq!(a.desc.kind, b.desc.kind);
        // (`PCMU/8000/1` may come back as `PCMU/8000`: one channel either way.)
        let key = |c: sdp_core::Codec<'_>| {
            (
                c.pt,
                c.name.to_string(),
                c.clock_rate,
                c.channel_count(),
                c.params.to_string(),
                c.rtcp_fb,
            )
        };
        assert_eq!(
            a.codecs().map(key).collect::<Vec<_>>(),
            b.codecs().map(key).collect::<Vec<_>>()
        );
        assert_eq!(a.ice_ufrag(), b.ice_ufrag());
        assert_eq!(a.sctp_port(), b.sctp_port());
    }

    let answer_text = peer
        .call("answer", Some(&offer_text))
        .unwrap_or_else(|e| panic!("aiortc rejected our offer: {e}\n{offer_text}"));
    eprintln!("aiortc answer:\n{answer_text}");
    let answer = Sdp::parse(&answer_text).unwrap();
    assert_eq!(answer.to_string(), answer_text, "aiortc answer round trip");
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Offerer).unwrap();
    assert_eq!(n.media.len(), 3);
    assert!(
        !n.remote_candidates.is_empty(),
        "aiortc puts its candidates in the SDP"
    );
    let summary = peer.call("summary2", None).unwrap();
    eprintln!("aiortc view:\n{summary}");
    for (m, (mid, dir, pts, ext)) in n.media.iter().zip(transceivers(&summary)) {
        assert_eq!(m.mid, Some(mid.as_str()));
        assert_eq!(dir, m.direction.reversed().as_str());
        assert_eq!(with_rtx(m), pts, "mid {mid}");
        let ours = m.extensions.iter().map(|e| e.id).collect();
        assert_eq!(sorted(ours), sorted(ext), "mid {mid}");
    }
    let s = n.sctp.unwrap();
    assert_eq!(Some(s.remote_port), answer.media_at(2).unwrap().sctp_port());
    // aiortc takes the active role when answering actpass.
    assert_eq!(n.dtls_role, DtlsRole::Server);
}
