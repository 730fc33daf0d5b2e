//! Complete handshakes between two dtls-core endpoints in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use core::time::Duration;
use dtls_core::{CipherSuite, Config, Event, SrtpProfile, State};
use sansio::{Carrier, Instant};
use support::{pair, Net};

#[test]
fn handshake_connects_both_and_keys_agree() {
    let (c, s) = pair(1, Config::default(), Config::default());
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    // No retransmission was needed on a perfect link.
    assert_eq!(net.now, Instant::ZERO);
    assert_eq!(net.client.stats().retransmissions, 0);
    assert_eq!(net.server.stats().hello_verify_requests, 1);
    let Some(Event::Connected(info)) = net.client_events.first().copied() else {
        panic!("{:?}", net.client_events);
    };
    assert_eq!(info.cipher_suite, CipherSuite::EcdheEcdsaAes128GcmSha256);
    assert_eq!(info.srtp_profile, Some(SrtpProfile::AeadAes128Gcm));
    assert_eq!(info.peer_fingerprint, net.server.local_fingerprint());
    let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
    assert_eq!(
        net.client.export_srtp_keying_material(&mut a),
        Ok(SrtpProfile::AeadAes128Gcm)
    );
    net.server.export_srtp_keying_material(&mut b).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, [0; 56]);
}

#[test]
fn application_data_both_ways() {
    let (c, s) = pair(2, Config::default(), Config::default());
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    let mut out = [0u8; 1500];
    let t = net
        .client
        .send(net.now, (), b"hello server", &mut out)
        .unwrap();
    assert_eq!(t.len, 13 + 8 + 12 + 16);
    let bytes = out[..t.len].to_vec();
    net.deliver(false, &bytes);
    assert_eq!(net.server_data, [b"hello server".to_vec()]);
    // A replay of the same record is dropped.
    net.deliver(false, &bytes);
    assert_eq!(net.server_data.len(), 1);
    assert_eq!(net.server.stats().replayed, 1);
    let t = net
        .server
        .send(net.now, (), &[7u8; 1200], &mut out)
        .unwrap();
    let bytes = out[..t.len].to_vec();
    net.deliver(true, &bytes);
    assert_eq!(net.client_data, [vec![7u8; 1200]]);
}

#[test]
fn chacha20_when_preferred_by_both() {
    let mut cfg = Config::default();
    cfg.cipher_suites.reverse();
    let (c, s) = pair(3, cfg.clone(), cfg);
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    assert_eq!(
        net.client.cipher_suite(),
        Some(CipherSuite::EcdheEcdsaChacha20Poly1305Sha256)
    );
    let mut out = [0u8; 100];
    let t = net.client.send(net.now, (), b"x", &mut out).unwrap();
    assert_eq!(t.len, 13 + 1 + 16);
    let bytes = out[..t.len].to_vec();
    net.deliver(false, &bytes);
    assert_eq!(net.server_data, [b"x".to_vec()]);
}

#[test]
fn close_notify_closes_both() {
    let (c, s) = pair(4, Config::default(), Config::default());
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    net.client.close(net.now);
    net.run_until(Duration::from_secs(1), |n| {
        n.server.state() == State::Closed
    });
    assert_eq!(net.server.state(), State::Closed);
    assert_eq!(net.server_events.last(), Some(&Event::Closed));
    assert_eq!(net.client_events.last(), Some(&Event::Closed));
    // Both sent their close_notify and dropped (zeroized) their record keys.
    for ep in [&net.client, &net.server] {
        assert!(format!("{ep:?}").contains("keys: false"), "{ep:?}");
    }
}
