//! Loss, reordering, duplication, fragmentation, timeouts and hostile input between two
//! dtls-core endpoints in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use core::time::Duration;
use dtls_core::wire::{AlertDescription, Records};
use dtls_core::{Config, Event, Failure, Fingerprint, State};
use sansio::{Rejected, SansIo};
use support::{client_path, pair, Datagram, Net};

fn fast() -> Config {
    Config {
        initial_retransmit: Duration::from_millis(100),
        ..Config::default()
    }
}

#[test]
fn every_single_datagram_lost_once_is_recovered() {
    // Drop the n-th datagram of the handshake (each in turn) the first time it is sent.
    for n in 0..8 {
        let (c, s) = pair(10 + n as u64, fast(), fast());
        let mut net = Net::new(c, s);
        let mut count = 0;
        net.filter = Box::new(move |d: &Datagram| {
            count += 1;
            if count == n + 1 {
                vec![]
            } else {
                vec![d.bytes.clone()]
            }
        });
        net.start();
        assert!(
            net.run_until(Duration::from_secs(10), Net::both_connected),
            "drop #{n}: client {:?} server {:?}",
            net.client.state(),
            net.server.state()
        );
    }
}

#[test]
fn heavy_random_loss_reordering_and_duplication() {
    let mut successes = 0;
    for seed in 0..20u64 {
        let (c, s) = pair(100 + seed, fast(), fast());
        let mut net = Net::new(c, s);
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        // Held back per direction: a datagram overtaken by the next one the same way.
        let mut held: [Vec<Vec<u8>>; 2] = [vec![], vec![]];
        net.filter = Box::new(move |d: &Datagram| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = x % 100;
            let mut out = vec![];
            if r < 30 {
                // lost
            } else if r < 40 {
                out.push(d.bytes.clone());
                out.push(d.bytes.clone());
            } else if r < 55 {
                held[usize::from(d.from_client)].push(d.bytes.clone());
            } else {
                out.push(d.bytes.clone());
                out.append(&mut held[usize::from(d.from_client)]);
            }
            out
        });
        net.start();
        if net.run_until(Duration::from_secs(30), Net::both_connected) {
            successes += 1;
            let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
            net.client.export_srtp_keying_material(&mut a).unwrap();
            net.server.export_srtp_keying_material(&mut b).unwrap();
            assert_eq!(a, b);
        }
        // Whatever happened, both ended in a defined state.
        assert!(
            matches!(
                net.client.state(),
                State::Connected | State::Failed(Failure::HandshakeTimeout) | State::Handshaking
            ),
            "seed {seed}: {:?} {:?} | {:?} {:?}",
            net.client.state(),
            net.client_events,
            net.server.state(),
            net.server_events
        );
    }
    assert!(successes >= 18, "{successes}/20 handshakes under 30 % loss");
}

#[test]
fn small_mtu_fragments_every_message_and_still_connects() {
    let cfg = Config { mtu: 200, ..fast() };
    let (c, s) = pair(30, cfg.clone(), cfg);
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    assert!(net.log.iter().all(|d| d.bytes.len() <= 200));
    // The certificate (over 300 bytes) had to be split across records.
    let fragmented = net
        .log
        .iter()
        .flat_map(|d| Records::new(&d.bytes))
        .flatten()
        .any(|r| {
            r.header.epoch == 0
                && r.payload.len() > 12
                && r.payload[0] == 11
                && u32::from_be_bytes([0, r.payload[1], r.payload[2], r.payload[3]])
                    != u32::from_be_bytes([0, r.payload[9], r.payload[10], r.payload[11]])
        });
    assert!(fragmented);
}

#[test]
fn wrong_fingerprint_fails_with_a_typed_reason_and_an_alert() {
    let (mut c, s) = pair(40, fast(), fast());
    c.set_remote_fingerprint(Fingerprint([0x55; 32]));
    let mut net = Net::new(c, s);
    net.start();
    net.run_until(Duration::from_secs(5), |n| !n.server_events.is_empty());
    assert_eq!(
        net.client_events,
        [Event::Failed(Failure::FingerprintMismatch)]
    );
    assert_eq!(
        net.server_events,
        [Event::Failed(Failure::Alert(
            AlertDescription::BadCertificate
        ))]
    );
    assert!(!net.client.is_connected() && !net.server.is_connected());
}

#[test]
fn fingerprint_set_after_the_handshake_is_checked_then() {
    let (c, s) = pair(41, fast(), fast());
    let server_fp = s.local_fingerprint();
    let mut net = Net::new(c, s);
    // Forget the client's expectation: build a fresh client without one.
    let cc = support::cert(999);
    let client_fp = cc.fingerprint();
    net.client = dtls_core::Endpoint::new(
        dtls_core::DtlsRole::Client,
        fast(),
        cc,
        sansio::SeededEntropy::new(5),
    );
    net.server.set_remote_fingerprint(client_fp);
    net.start();
    net.run_until(Duration::from_secs(5), |n| n.server.is_connected());
    assert_eq!(net.client.state(), State::AwaitingFingerprint);
    assert!(net.client_events.is_empty());
    let mut out = [0u8; 100];
    assert!(sansio::Carrier::send(&mut net.client, net.now, (), b"x", &mut out).is_err());
    net.client.set_remote_fingerprint(server_fp);
    assert!(net.client.is_connected());
    net.step();
    assert!(matches!(
        net.client_events.as_slice(),
        [Event::Connected(_)]
    ));
    // And the wrong one, late, fails.
    let (c, s) = pair(42, fast(), fast());
    let mut net = Net::new(c, s);
    let cc = support::cert(998);
    net.server.set_remote_fingerprint(cc.fingerprint());
    net.client = dtls_core::Endpoint::new(
        dtls_core::DtlsRole::Client,
        fast(),
        cc,
        sansio::SeededEntropy::new(6),
    );
    net.start();
    net.run_until(Duration::from_secs(5), |n| n.server.is_connected());
    net.client.set_remote_fingerprint(Fingerprint([1; 32]));
    assert_eq!(
        net.client.state(),
        State::Failed(Failure::FingerprintMismatch)
    );
}

#[test]
fn silent_peer_times_out() {
    let (c, s) = pair(50, fast(), fast());
    let mut net = Net::new(c, s);
    net.filter = Box::new(|_| vec![]);
    net.start();
    net.run_until(Duration::from_secs(120), |n| !n.client_events.is_empty());
    assert_eq!(
        net.client_events,
        [Event::Failed(Failure::HandshakeTimeout)]
    );
    // The flight was retransmitted with a doubling timer: 100, 200, 400 ms … capped at 60 s.
    let sent = net.log.len();
    assert!((8..=16).contains(&sent), "{sent} transmissions");
    assert!(net.now >= sansio::Instant::from_secs(60));
    // The server never committed to anything.
    assert_eq!(net.server.state(), State::Listening);
}

#[test]
fn stateless_server_answers_no_bigger_and_keeps_nothing() {
    let (mut c, mut s) = pair(60, fast(), fast());
    s.start(sansio::Instant::ZERO, client_path().reversed());
    c.start(sansio::Instant::ZERO, client_path());
    let mut out = [0u8; 1500];
    let t = c.poll_transmit(sansio::Instant::ZERO, &mut out).unwrap();
    let hello = out[..t.len].to_vec();
    for i in 0..100u8 {
        // The same ClientHello from many spoofed addresses: each gets a HelloVerifyRequest no
        // bigger than itself, and the server stays listening.
        let mut path = client_path().reversed();
        path.remote.set_port(1000 + u16::from(i));
        assert_eq!(
            s.handle_datagram(sansio::Instant::ZERO, path, &hello)
                .map(|d| d.is_none()),
            Ok(true)
        );
        let r = s.poll_transmit(sansio::Instant::ZERO, &mut out).unwrap();
        assert!(r.len <= hello.len());
        assert_eq!(r.path, path);
        assert_eq!(s.state(), State::Listening);
        assert_eq!(s.poll_timeout(), None, "no timer for an unverified client");
    }
    // Truncated ClientHellos that cannot carry a cookie get nothing.
    for cut in 1..40 {
        let _ = s.handle_datagram(
            sansio::Instant::ZERO,
            client_path().reversed(),
            &hello[..cut],
        );
        assert!(
            s.poll_transmit(sansio::Instant::ZERO, &mut out).is_none(),
            "cut {cut}"
        );
    }
}

#[test]
fn garbage_and_tampering_are_dropped_without_effect() {
    let (c, s) = pair(70, fast(), fast());
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    let mut out = [0u8; 200];
    let t = sansio::Carrier::send(&mut net.client, net.now, (), b"payload", &mut out).unwrap();
    let good = out[..t.len].to_vec();
    // Flip each byte of the record in turn: never delivered, never a state change.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        let r = net
            .server
            .handle_datagram(net.now, client_path().reversed(), &bad);
        assert!(!matches!(r, Ok(Some(_))), "byte {i}");
    }
    assert_eq!(net.server.state(), State::Connected);
    assert!(net.server.stats().bad_records > 0);
    // Not DTLS at all: not for us.
    let r = net
        .server
        .handle_datagram(net.now, client_path().reversed(), &[0, 1, 0, 0]);
    assert_eq!(r.err(), Some(Rejected::NotForUs));
    // The real record still arrives.
    net.deliver(false, &good);
    assert_eq!(net.server_data, [b"payload".to_vec()]);
}

#[test]
fn several_records_in_one_datagram_are_handed_up_together() {
    let (c, s) = pair(80, fast(), fast());
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    let mut datagram = vec![];
    let mut out = [0u8; 200];
    for i in 0..3u8 {
        let t = sansio::Carrier::send(&mut net.client, net.now, (), &[i; 10], &mut out).unwrap();
        datagram.extend_from_slice(&out[..t.len]);
    }
    let data = net
        .server
        .handle_datagram(net.now, client_path().reversed(), &datagram)
        .unwrap()
        .unwrap();
    assert_eq!((data.records, data.bytes), (3, 30));
    let data = dtls_core::Dtls::received(&net.server);
    assert_eq!(data.len(), 3);
    let got: Vec<&[u8]> = data.iter().collect();
    assert_eq!(got, [&[0u8; 10][..], &[1; 10], &[2; 10]]);
}

#[test]
fn lost_final_flight_is_resent_when_the_client_retransmits() {
    let (c, s) = pair(90, fast(), fast());
    let mut net = Net::new(c, s);
    // Drop the server's first final flight (its 3rd datagram: HVR, flight 4, then CCS+Finished).
    let mut server_sent = 0;
    net.filter = Box::new(move |d: &Datagram| {
        if !d.from_client {
            server_sent += 1;
            if server_sent == 3 {
                return vec![];
            }
        }
        vec![d.bytes.clone()]
    });
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    assert!(net.server.stats().retransmissions >= 1);
    assert!(net.client.stats().retransmissions >= 1);
}
