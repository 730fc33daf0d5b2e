//! `PeerConnection::reset` starts a connection over in place (a microcontroller keeps one in
//! a `static` and serves one viewer after another): after a full session — ICE, DTLS, SRTP,
//! SCTP, a data channel — both sides are reset and must connect again from a new offer and
//! answer, with a new channel carrying a message (one side replaces its DTLS endpoint, the
//! other starts it over in place with `reset_with`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Pair;
use dtls_core::Config as DtlsConfig;
use peer_core::data::ChannelConfig;
use peer_core::{ChannelId, MessageKind, PeerConfig, PeerEvent, PeerState};
use sansio::{DtlsRole, Instant, SeededEntropy};
use std::time::Duration;

fn opened(events: &[PeerEvent]) -> Option<ChannelId> {
    events.iter().find_map(|e| match e {
        PeerEvent::ChannelOpen(c) => Some(*c),
        _ => None,
    })
}

/// Open a channel from `a`, send a message over it, return what `b` read.
fn chat(p: &mut Pair, msg: &[u8]) -> Vec<u8> {
    let now = p.now;
    let config = ChannelConfig {
        label: "chat",
        ..Default::default()
    };
    let ch = p.a.open_channel(now, config).unwrap();
    let open = p.run(Duration::from_secs(5), |p| {
        opened(&p.events.1).is_some() && opened(&p.events.0).is_some()
    });
    assert!(open, "{:?} / {:?}", p.a, p.b);
    let now = p.now;
    p.a.send(now, ch, MessageKind::Binary, msg).unwrap();
    let mut buf = vec![0u8; 4096];
    for _ in 0..50 {
        p.run(Duration::from_millis(50), |_| false);
        if let Some(r) = p.b.poll_message(&mut buf).unwrap() {
            return buf[..r.len].to_vec();
        }
    }
    Vec::new()
}

/// The arguments `new` takes, for side `seed`.
fn reset(p: &mut common::Peer, seed: u64) {
    let dtls = common::dtls(seed);
    let buf = || vec![0u8; 256 * 1024].into_boxed_slice();
    p.reset(
        PeerConfig::default(),
        SeededEntropy::new(seed + 200),
        dtls,
        buf(),
        buf(),
    );
}

/// As [`reset`], with the DTLS endpoint started over in place (`reset_with`).
fn reset_in_place(p: &mut common::Peer, seed: u64) {
    let cert = common::cert(seed);
    let buf = || vec![0u8; 256 * 1024].into_boxed_slice();
    p.reset_with(
        PeerConfig::default(),
        SeededEntropy::new(seed + 200),
        buf(),
        buf(),
        |dtls| {
            dtls.reset(
                DtlsRole::Client,
                DtlsConfig::default(),
                cert,
                SeededEntropy::new(seed + 100),
            )
        },
    );
}

#[test]
fn a_reset_connection_serves_a_second_session() {
    let mut p = Pair::new(PeerConfig::default(), PeerConfig::default(), |s| s);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    assert_eq!(chat(&mut p, b"first"), b"first");
    let first_fingerprint = p.a.ice().local_credentials().clone();

    reset(&mut p.a, 11);
    reset_in_place(&mut p.b, 12);
    assert_eq!((p.a.state(), p.b.state()), (PeerState::New, PeerState::New));
    assert!(!p.b.dtls().is_connected());
    assert!(p.a.session().is_none() && p.a.ice().pairs().is_empty());
    assert_ne!(p.a.ice().local_credentials(), &first_fingerprint);
    p.events = (Vec::new(), Vec::new());
    // Time goes on; the reset connections start from it.
    let now = p.now;
    p.a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
    p.a.hosts_done(now);
    p.b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
    p.b.hosts_done(now);
    let mut buf = vec![0u8; 8192];
    let n = p.a.create_offer(now, &mut buf).unwrap();
    let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
    let n = p.b.accept_offer(now, &offer, &mut buf).unwrap();
    let answer = String::from_utf8(buf[..n].to_vec()).unwrap();
    p.a.accept_answer(now, &answer).unwrap();
    assert!(
        p.run(Duration::from_secs(10), Pair::connected),
        "{:?} / {:?}",
        p.a,
        p.b
    );
    assert_eq!(chat(&mut p, b"second"), b"second");
}

#[test]
fn a_reset_connection_is_as_new_before_any_input() {
    // Nothing of the first session shows: no events queued, the state new, no SCTP.
    let mut p = Pair::new(PeerConfig::default(), PeerConfig::default(), |s| s);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    reset(&mut p.b, 12);
    assert_eq!(p.b.state(), PeerState::New);
    assert_eq!(sansio::SansIo::poll_event(&mut p.b), None);
    assert_eq!(sansio::SansIo::poll_timeout(&p.b), None::<Instant>);
    assert!(p.b.session().is_none());
}
