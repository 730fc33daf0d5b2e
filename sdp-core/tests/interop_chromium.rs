//! Interop with headless Chromium (Debian `chromium`, driven by `playwright-core` from npm):
//! offers generated now by the browser are parsed, round-tripped and answered by us, and the
//! browser must accept our answer; the browser answers our offer and we apply its answer.
//!
//! `cargo xtask test` installs the peer (apt `chromium`, npm `playwright-core` into
//! `target/interop-node`); the tests run Chromium in a loopback-only network namespace.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use sdp_core::negotiate::{create_answer, create_offer, negotiate, Negotiated, SdpRole};
use sdp_core::{DtlsRole, SessionDescription};
use std::path::PathBuf;
use std::process::Command;
use support::peer::{isolated, workspace, Peer};
use support::*;

type Sdp<'a> = SessionDescription<'a>;

fn node_modules() -> PathBuf {
    std::env::var_os("INTEROP_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/interop-node"))
        .join("node_modules")
}

fn chromium() -> Peer {
    let exe = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&exe).exists(),
        "INTEROP PEER MISSING: {exe} (apt-get install chromium; cargo xtask test installs it)"
    );
    let modules = node_modules();
    assert!(
        modules.join("playwright-core").exists(),
        "INTEROP PEER MISSING: playwright-core in {} (cargo xtask test runs npm install)",
        modules.display()
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/chromium_peer.js"
    );
    let mut cmd: Command = isolated("node", &[script]);
    cmd.env("NODE_PATH", &modules).env("CHROMIUM", &exe);
    Peer::spawn("chromium", cmd)
}

/// One summary line per transceiver: (mid, direction, send payload types, header extension
/// ids, receive payload types).
type Seen = (String, String, Vec<u8>, Vec<u16>, Vec<u8>);

fn transceivers(summary: &str) -> Vec<Seen> {
    summary
        .lines()
        .filter_map(|l| l.strip_prefix("m "))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let list = |prefix: &str| -> Vec<String> {
                f.iter()
                    .find_map(|x| x.strip_prefix(prefix))
                    .unwrap()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            };
            (
                f[0].to_string(),
                f[1].to_string(),
                list("send=").iter().map(|s| s.parse().unwrap()).collect(),
                list("ext=").iter().map(|s| s.parse().unwrap()).collect(),
                list("recv=").iter().map(|s| s.parse().unwrap()).collect(),
            )
        })
        .collect()
}

fn sctp_max(summary: &str) -> Option<u64> {
    summary
        .lines()
        .find_map(|l| l.strip_prefix("sctp ")?.parse().ok())
}

/// Chromium offers, we answer, Chromium accepts; the browser's negotiated view matches ours.
fn answer_browser_offer(kind: &str) {
    answer_browser_offer_with(kind, caps());
}

fn answer_browser_offer_with(kind: &str, caps: sdp_core::negotiate::Capabilities<'static>) {
    let mut chrome = chromium();
    let offer_text = chrome.call("offer", Some(kind)).unwrap();
    eprintln!("Chromium {} offer ({kind}):\n{offer_text}", chrome.banner);
    let offer = Sdp::parse(&offer_text).unwrap();
    // Every line comes back as the browser wrote it (typed and untyped alike).
    assert_eq!(offer.to_string(), offer_text);

    let mut local = local();
    let cands = ["1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0"];
    local.candidates = &cands;
    let answer: Sdp<'_> = create_answer(&offer, &local, &caps).unwrap();
    let answer_text = emit(&answer);
    eprintln!("our answer:\n{answer_text}");
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    assert_eq!(n.dtls_role, DtlsRole::Client);

    let summary = chrome
        .call("accept", Some(&answer_text))
        .unwrap_or_else(|e| panic!("Chromium rejected our answer: {e}\n{answer_text}"));
    eprintln!("browser view:\n{summary}");
    let seen = transceivers(&summary);
    // A rejected section stops its transceiver: the browser drops it or reports it stopped.
    for m in n.media.iter().filter(|m| m.rejected) {
        let mid = m.mid.unwrap();
        assert!(
            seen.iter().all(|s| s.0 != mid || s.1 == "stopped"),
            "mid {mid} still live"
        );
    }
    let seen: Vec<_> = seen.into_iter().filter(|s| s.1 != "stopped").collect();
    let rtp: Vec<_> = n.media.iter().filter(|m| !m.codecs.is_empty()).collect();
    assert_eq!(seen.len(), rtp.len());
    for (m, (mid, dir, send_pts, ext_ids, _)) in rtp.iter().zip(&seen) {
        assert_eq!(m.mid, Some(mid.as_str()));
        // The browser's direction is the mirror of ours.
        assert_eq!(dir, m.direction.reversed().as_str(), "mid {mid}");
        // It sends with the codec we put first, and knows every codec we negotiated.
        assert_eq!(send_pts.first(), Some(&m.codecs[0].pt), "mid {mid}");
        for c in &m.codecs {
            assert!(
                send_pts.contains(&c.pt),
                "mid {mid}: browser lacks pt {}",
                c.pt
            );
            if let Some(rtx) = c.rtx_pt {
                assert!(
                    send_pts.contains(&rtx),
                    "mid {mid}: browser lacks rtx {rtx}"
                );
            }
        }
        let mut ours: Vec<u16> = m.extensions.iter().map(|e| e.id).collect();
        let mut theirs = ext_ids.clone();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "mid {mid}: header extensions");
    }
    let sctp = n.sctp.expect("data section accepted");
    assert_eq!(sctp_max(&summary), Some(sctp.local_max_message_size));
}

#[test]
#[ignore = "interop: needs chromium + playwright-core (cargo xtask test installs it)"]
fn chromium_accepts_our_answer_audio_video_data() {
    answer_browser_offer("av");
}

/// Without audio support we reject the BUNDLE-tagged audio section (port 0, out of the
/// group) and only receive video: Chromium accepts that too.
#[test]
#[ignore = "interop: needs chromium + playwright-core (cargo xtask test installs it)"]
fn chromium_accepts_rejection_and_recvonly() {
    let caps = sdp_core::negotiate::Capabilities {
        audio: None,
        video: Some(video(sdp_core::Direction::RecvOnly)),
        ..caps()
    };
    answer_browser_offer_with("av", caps);
}

#[test]
#[ignore = "interop: needs chromium + playwright-core (cargo xtask test installs it)"]
fn chromium_accepts_our_answer_data_only() {
    answer_browser_offer("dc");
}

/// We offer, Chromium answers; we parse and apply its answer and agree with its view.
#[test]
#[ignore = "interop: needs chromium + playwright-core (cargo xtask test installs it)"]
fn chromium_answers_our_offer() {
    let mut chrome = chromium();
    let (local, caps) = (local(), caps());
    let offer: Sdp<'_> = create_offer(&local, &caps).unwrap();
    let offer_text = emit(&offer);
    let answer_text = chrome
        .call("answer", Some(&offer_text))
        .unwrap_or_else(|e| panic!("Chromium rejected our offer: {e}\n{offer_text}"));
    eprintln!("Chromium answer:\n{answer_text}");
    let answer = Sdp::parse(&answer_text).unwrap();
    assert_eq!(answer.to_string(), answer_text);
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Offerer).unwrap();
    // Chromium answers actpass with active: we are the DTLS server.
    assert_eq!(n.dtls_role, DtlsRole::Server);
    assert_eq!(n.media.len(), 3);
    assert!(n.media.iter().all(|m| !m.rejected && m.bundled));
    let summary = chrome.call("summary2", None).unwrap();
    let seen = transceivers(&summary);
    for (m, (mid, dir, _, _, recv_pts)) in n.media.iter().zip(&seen) {
        assert_eq!(m.mid, Some(mid.as_str()));
        assert_eq!(dir, m.direction.reversed().as_str());
        // What the browser receives is what we send: the same codecs, in the same order.
        let ours: Vec<u8> = m.codecs.iter().map(|c| c.pt).collect();
        let theirs: Vec<u8> = recv_pts
            .iter()
            .copied()
            .filter(|pt| m.codecs.iter().all(|c| c.rtx_pt != Some(*pt)))
            .collect();
        assert_eq!(ours, theirs, "mid {mid}");
    }
    // Chromium has no track to send: it answers recvonly, so we only send.
    assert!(n.media[..2]
        .iter()
        .all(|m| m.direction == sdp_core::Direction::SendOnly));
    let sctp = n.sctp.unwrap();
    assert_eq!(sctp.remote_max_message_size, 262_144);
}
