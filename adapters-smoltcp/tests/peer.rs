//! Two `peer_core` connections in their small configuration (2 channels, 16 chunks in
//! flight, 16 KiB buffers) on two smoltcp hosts: SDP offer/answer in memory, then ICE, DTLS
//! and SCTP through the smoltcp stacks, and data-channel messages both ways.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use common::{run, sooner, Host};
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::data::ChannelConfig;
use peer_core::{MessageKind, PeerConfig, PeerConnection, PeerEvent, PeerState};
use sansio::{DtlsRole, SeededEntropy};

type Peer = PeerConnection<SeededEntropy, Endpoint<SeededEntropy>, &'static mut [u8], 2, 16>;

fn peer(seed: u64) -> Peer {
    let cert = Certificate::generate(
        &RustCrypto,
        &mut SeededEntropy::new(seed),
        &CertParams::default(),
    )
    .unwrap();
    let dtls = Endpoint::new(
        DtlsRole::Client,
        DtlsConfig::default(),
        cert,
        SeededEntropy::new(seed + 100),
    );
    let config = PeerConfig {
        max_message_size: 8 * 1024,
        ..PeerConfig::default()
    };
    let buf = || Vec::leak(vec![0u8; 16 * 1024]);
    PeerConnection::new(config, SeededEntropy::new(seed + 200), dtls, buf(), buf())
}

#[test]
fn a_data_channel_opens_and_carries_messages_between_two_smoltcp_hosts() {
    let (mut ha, mut hb) = (Host::new(1, 5000), Host::new(2, 6000));
    let t0 = sansio::Instant::ZERO;
    let (mut a, mut b) = (peer(1), peer(2));
    a.add_host(t0, ha.addr()).unwrap();
    a.hosts_done(t0);
    b.add_host(t0, hb.addr()).unwrap();
    b.hosts_done(t0);
    let mut sdp = vec![0u8; 8192];
    let n = a.create_offer(t0, &mut sdp).unwrap();
    let offer = String::from_utf8(sdp[..n].to_vec()).unwrap();
    let n = b.accept_offer(t0, &offer, &mut sdp).unwrap();
    let answer = String::from_utf8(sdp[..n].to_vec()).unwrap();
    a.accept_answer(t0, &answer).unwrap();

    let mut now = Instant::ZERO;
    let mut ready = false;
    let up = run(
        &mut ha,
        &mut hb,
        &mut now,
        Duration::from_secs(10),
        |now, ha, hb| {
            let ev = |e| ready |= matches!(e, PeerEvent::DataChannelsReady);
            let wa = ha.turn(now, &mut a, |_| {}, ev);
            let wb = hb.turn(now, &mut b, |_| {}, |_| {});
            let connected = a.state() == PeerState::Connected && b.state() == PeerState::Connected;
            (sooner(wa, wb), connected && ready)
        },
    );
    assert!(up, "not connected: {:?} / {:?}", a.state(), b.state());

    let ch = a
        .open_channel(
            adapters_smoltcp::from_smoltcp(now),
            ChannelConfig {
                label: "readings",
                ..Default::default()
            },
        )
        .unwrap();
    let (mut ours, mut theirs) = (None, None);
    let opened = run(
        &mut ha,
        &mut hb,
        &mut now,
        Duration::from_secs(5),
        |now, ha, hb| {
            let wa = ha.turn(
                now,
                &mut a,
                |_| {},
                |e| {
                    if let PeerEvent::ChannelOpen(c) = e {
                        ours = Some(c)
                    }
                },
            );
            let wb = hb.turn(
                now,
                &mut b,
                |_| {},
                |e| {
                    if let PeerEvent::ChannelOpen(c) = e {
                        theirs = Some(c)
                    }
                },
            );
            (sooner(wa, wb), ours.is_some() && theirs.is_some())
        },
    );
    assert!(opened);
    assert_eq!(ours, Some(ch));
    let theirs = theirs.unwrap();
    assert_eq!(b.channel_label(theirs), Some("readings"));

    let reading: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let t = adapters_smoltcp::from_smoltcp(now);
    a.send(t, ch, MessageKind::Binary, &reading).unwrap();
    b.send(t, theirs, MessageKind::String, b"ack").unwrap();
    let (mut got_b, mut got_a) = (None, None);
    let mut buf = vec![0u8; 8192];
    let delivered = run(
        &mut ha,
        &mut hb,
        &mut now,
        Duration::from_secs(5),
        |now, ha, hb| {
            let wa = ha.turn(now, &mut a, |_| {}, |_| {});
            let wb = hb.turn(now, &mut b, |_| {}, |_| {});
            if let Some(r) = b.poll_message(&mut buf).unwrap() {
                got_b = Some((r.kind, buf[..r.len].to_vec()));
            }
            if let Some(r) = a.poll_message(&mut buf).unwrap() {
                got_a = Some((r.kind, buf[..r.len].to_vec()));
            }
            (sooner(wa, wb), got_a.is_some() && got_b.is_some())
        },
    );
    assert!(delivered);
    assert_eq!(got_b, Some((MessageKind::Binary, reading)));
    assert_eq!(got_a, Some((MessageKind::String, b"ack".to_vec())));
    assert_eq!(ha.driver.stats().misrouted + hb.driver.stats().misrouted, 0);
}
