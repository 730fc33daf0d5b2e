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
use sansio::{Carrier, Instant, SansIo};
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
    assert_eq!(
        info.cipher_suite,
        Some(CipherSuite::EcdheEcdsaAes128GcmSha256)
    );
    assert_eq!(info.srtp_profile, Some(SrtpProfile::AeadAes128Gcm));
    assert_eq!(info.peer_fingerprint, Some(net.server.local_fingerprint()));
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

/// A provider wrapping RustCrypto that counts operations: what a board plugging in its own
/// AES or P-256 implements. Each side of a handshake does one key generation, one ECDH, one
/// signature and one verification (the basis of the Cortex-M4 estimate in the README).
#[derive(Default)]
struct Counting {
    ops: std::cell::Cell<[u32; 5]>,
}

impl Counting {
    fn bump(&self, i: usize) {
        let mut o = self.ops.get();
        o[i] += 1;
        self.ops.set(o);
    }
}

impl dtls_core::crypto::CryptoProvider for Counting {
    type Aead = dtls_core::crypto::RustCryptoAead;
    fn aead(
        &self,
        suite: CipherSuite,
        key: &[u8],
    ) -> Result<Self::Aead, dtls_core::crypto::CryptoError> {
        self.bump(0);
        dtls_core::crypto::RustCrypto.aead(suite, key)
    }
    fn public_key(
        &self,
        key: &dtls_core::crypto::PrivateKey,
    ) -> Result<dtls_core::crypto::PublicKey, dtls_core::crypto::CryptoError> {
        self.bump(1);
        dtls_core::crypto::RustCrypto.public_key(key)
    }
    fn ecdh(
        &self,
        key: &dtls_core::crypto::PrivateKey,
        public: &dtls_core::crypto::PublicKey,
    ) -> Result<dtls_core::crypto::SharedSecret, dtls_core::crypto::CryptoError> {
        self.bump(2);
        dtls_core::crypto::RustCrypto.ecdh(key, public)
    }
    fn sign(
        &self,
        key: &dtls_core::crypto::PrivateKey,
        digest: &[u8; 32],
    ) -> Result<dtls_core::crypto::Signature, dtls_core::crypto::CryptoError> {
        self.bump(3);
        dtls_core::crypto::RustCrypto.sign(key, digest)
    }
    fn verify(
        &self,
        public: &dtls_core::crypto::PublicKey,
        digest: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), dtls_core::crypto::CryptoError> {
        self.bump(4);
        dtls_core::crypto::RustCrypto.verify(public, digest, signature)
    }
}

#[test]
fn a_plugged_in_provider_does_one_of_each_p256_operation_per_side() {
    let (cc, sc) = (support::cert(60), support::cert(61));
    let mut c = dtls_core::Endpoint::with_crypto(
        dtls_core::DtlsRole::Client,
        Config::default(),
        cc.clone(),
        sansio::SeededEntropy::new(1),
        Counting::default(),
    );
    let mut s = dtls_core::Endpoint::with_crypto(
        dtls_core::DtlsRole::Server,
        Config::default(),
        sc.clone(),
        sansio::SeededEntropy::new(2),
        Counting::default(),
    );
    c.set_remote_fingerprint(sc.fingerprint());
    s.set_remote_fingerprint(cc.fingerprint());
    let p = support::client_path();
    s.start(Instant::ZERO, p.reversed());
    c.start(Instant::ZERO, p);
    let mut out = [0u8; 1500];
    for _ in 0..5 {
        while let Some(t) = sansio::SansIo::poll_transmit(&mut c, Instant::ZERO, &mut out) {
            let _ =
                sansio::SansIo::handle_datagram(&mut s, Instant::ZERO, p.reversed(), &out[..t.len]);
        }
        while let Some(t) = sansio::SansIo::poll_transmit(&mut s, Instant::ZERO, &mut out) {
            let _ = sansio::SansIo::handle_datagram(&mut c, Instant::ZERO, p, &out[..t.len]);
        }
    }
    assert!(c.is_connected() && s.is_connected());
    // [AEAD keys, key generations, ECDH, signatures, verifications]
    assert_eq!(c.crypto().ops.get(), [2, 1, 1, 1, 1]);
    assert_eq!(s.crypto().ops.get(), [2, 1, 1, 1, 1]);
}

/// A server that does not request a certificate (TURN over DTLS) and a client.
fn anonymous_pair(seed: u64) -> Net {
    let cfg = Config {
        request_client_certificate: false,
        ..Config::default()
    };
    let (c, _) = support::pair(seed, Config::default(), Config::default());
    let server_cert = support::cert(seed + 2000);
    let mut client = c;
    client.set_remote_fingerprint(server_cert.fingerprint());
    let server = dtls_core::Endpoint::new(
        dtls_core::DtlsRole::Server,
        cfg,
        server_cert,
        sansio::SeededEntropy::new(seed + 3000),
    );
    Net::new(client, server)
}

/// Whether a client datagram carries a plaintext (epoch 0) handshake message of `msg_type`
/// as the first message of its first record.
fn client_sent(net: &Net, msg_type: u8) -> bool {
    net.log
        .iter()
        .filter(|d| d.from_client && d.bytes.len() > 13)
        .any(|d| d.bytes[0] == 22 && d.bytes[3..5] == [0, 0] && d.bytes[13] == msg_type)
}

#[test]
fn server_without_certificate_request_connects_a_client_that_sends_none() {
    let mut net = anonymous_pair(40);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    // The server's Connected carries no fingerprint; the client authenticated the server.
    let server_up = net
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Connected(c) => Some(*c),
            _ => None,
        })
        .expect("server connected");
    assert_eq!(server_up.peer_fingerprint, None);
    assert_eq!(net.server.peer_fingerprint(), None);
    let client_up = net.client_events.first().copied();
    assert!(
        matches!(client_up, Some(Event::Connected(c)) if c.peer_fingerprint.is_some()),
        "{client_up:?}"
    );
    // Flight 5 began with ClientKeyExchange (16), not Certificate (11): nothing was requested.
    assert!(client_sent(&net, 16));
    assert!(!client_sent(&net, 11));
    // Application data flows.
    let mut out = [0u8; 1500];
    let t = net.client.send(net.now, (), b"allocate", &mut out).unwrap();
    let bytes = out[..t.len].to_vec();
    net.deliver(false, &bytes);
    assert_eq!(net.server_data, [b"allocate".to_vec()]);
}

#[test]
fn default_server_still_requests_a_certificate() {
    let (c, s) = pair(41, Config::default(), Config::default());
    assert!(Config::default().request_client_certificate);
    let mut net = Net::new(c, s);
    net.start();
    assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    assert!(client_sent(&net, 11), "the client sent its Certificate");
    assert!(net.server.peer_fingerprint().is_some());
}

#[test]
fn anonymous_client_fails_when_a_fingerprint_was_expected() {
    let mut net = anonymous_pair(42);
    net.server
        .set_remote_fingerprint(support::cert(1).fingerprint());
    net.start();
    net.run_until(Duration::from_secs(5), Net::both_connected);
    assert!(!net.server.is_connected());
    assert!(
        matches!(
            net.server.state(),
            State::Failed(dtls_core::Failure::FingerprintMismatch)
        ),
        "{:?}",
        net.server.state()
    );
}

/// The ClientHello carrying the cookie server `a` issued, as the client sends it.
fn hello_with_cookie_of(a: &mut support::Ep, client: &mut support::Ep) -> Vec<u8> {
    let now = Instant::ZERO;
    let path = support::client_path();
    let mut out = [0u8; 2048];
    a.start(now, path.reversed());
    client.start(now, path);
    let t = client.poll_transmit(now, &mut out).unwrap();
    a.handle_datagram(now, path.reversed(), &out[..t.len])
        .unwrap();
    let t = a.poll_transmit(now, &mut out).expect("HelloVerifyRequest");
    client.handle_datagram(now, path, &out[..t.len]).unwrap();
    let t = client.poll_transmit(now, &mut out).unwrap();
    out[..t.len].to_vec()
}

#[test]
fn endpoints_sharing_a_cookie_secret_accept_each_others_cookies() {
    for (same, want) in [(true, State::Handshaking), (false, State::Listening)] {
        let (mut client, mut a) = pair(43, Config::default(), Config::default());
        let (_, mut b) = pair(44, Config::default(), Config::default());
        a.set_cookie_secret([7; 32]);
        b.set_cookie_secret(if same { [7; 32] } else { [8; 32] });
        let hello = hello_with_cookie_of(&mut a, &mut client);
        let now = Instant::ZERO;
        b.start(now, support::client_path().reversed());
        let _ = b.handle_datagram(now, support::client_path().reversed(), &hello);
        assert_eq!(b.state(), want, "same secret: {same}");
        assert_eq!(b.stats().hello_verify_requests, u64::from(!same));
    }
}

/// `Endpoint::reset` makes in place what `Endpoint::new` makes: after a complete connection,
/// both ends reset with the arguments of a fresh pair exchange the same datagrams, byte for
/// byte, as that fresh pair.
#[test]
fn a_reset_endpoint_behaves_as_a_new_one() {
    use dtls_core::cert::Certificate;
    use sansio::{DtlsRole, SeededEntropy};
    let (c, s) = pair(1, Config::default(), Config::default());
    let mut used = Net::new(c, s);
    used.start();
    assert!(used.run_until(Duration::from_secs(5), Net::both_connected));
    let sent = (&[9u8; 40], &mut [0u8; 1500]);
    used.client.send(used.now, (), sent.0, sent.1).unwrap();

    let (c, s) = pair(7, Config::default(), Config::default());
    let fresh = Net::new(c, s);
    // `pair(7, ..)`'s arguments: certificates of seeds 7 and 1007, entropy 8 and 9.
    let certs: (Certificate, Certificate) = (support::cert(7), support::cert(1007));
    let (cf, sf) = (certs.0.fingerprint(), certs.1.fingerprint());
    let (mut c, mut s) = (used.client, used.server);
    c.reset(
        DtlsRole::Client,
        Config::default(),
        certs.0,
        SeededEntropy::new(8),
    );
    s.reset(
        DtlsRole::Server,
        Config::default(),
        certs.1,
        SeededEntropy::new(9),
    );
    assert_eq!(c.state(), State::Idle);
    assert_eq!(c.stats().retransmissions, 0);
    c.set_remote_fingerprint(sf);
    s.set_remote_fingerprint(cf);
    same_handshake(fresh, Net::new(c, s));
}

/// `Endpoint::restart` is `reset` with the certificate the endpoint has: a connected pair
/// restarted with a fresh pair's entropy exchanges that pair's datagrams, byte for byte.
#[test]
fn a_restarted_endpoint_keeps_its_certificate() {
    use sansio::{DtlsRole, SeededEntropy};
    let (c, s) = pair(3, Config::default(), Config::default());
    let mut used = Net::new(c, s);
    used.start();
    assert!(used.run_until(Duration::from_secs(5), Net::both_connected));
    let (cf, sf) = (
        used.client.local_fingerprint(),
        used.server.local_fingerprint(),
    );

    let (c, s) = pair(3, Config::default(), Config::default());
    let fresh = Net::new(c, s);
    let (mut c, mut s) = (used.client, used.server);
    // `pair(3, ..)`'s entropy: 4 and 5.
    c.restart(DtlsRole::Client, Config::default(), SeededEntropy::new(4));
    s.restart(DtlsRole::Server, Config::default(), SeededEntropy::new(5));
    assert_eq!(c.state(), State::Idle);
    assert_eq!(c.local_fingerprint(), cf, "the certificate is kept");
    c.set_remote_fingerprint(sf);
    s.set_remote_fingerprint(cf);
    same_handshake(fresh, Net::new(c, s));
}

/// Both pairs connect, and exchange the same datagrams byte for byte.
fn same_handshake(mut fresh: Net, mut again: Net) {
    for net in [&mut fresh, &mut again] {
        net.start();
        assert!(net.run_until(Duration::from_secs(5), Net::both_connected));
    }
    let wire = |n: &Net| {
        n.log
            .iter()
            .map(|d| (d.from_client, d.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert!(wire(&fresh).len() >= 4);
    assert_eq!(wire(&again), wire(&fresh));
}
