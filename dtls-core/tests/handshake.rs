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
    assert_eq!(
        info.cipher_suite,
        Some(CipherSuite::EcdheEcdsaAes128GcmSha256)
    );
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
