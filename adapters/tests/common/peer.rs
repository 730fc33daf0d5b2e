//! A peer-core client as a WHEP viewer would run it, for the HTTP tests.

use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::{PeerConfig, PeerConnection};
use sansio::{DtlsRole, Instant, SeededEntropy};

/// A peer-core peer as a client would run it (data channel only), with a host candidate
/// (127.0.0.1:9) that answers nobody.
pub fn client() -> PeerConnection<SeededEntropy, Endpoint<SeededEntropy>, Box<[u8]>> {
    let cert = Certificate::generate(
        &RustCrypto,
        &mut SeededEntropy::new(7),
        &CertParams::default(),
    )
    .unwrap();
    let dtls = Endpoint::new(
        DtlsRole::Client,
        DtlsConfig::default(),
        cert,
        SeededEntropy::new(8),
    );
    let buf = || vec![0u8; 64 * 1024].into_boxed_slice();
    let mut p: PeerConnection<_, _, Box<[u8]>> = PeerConnection::new(
        PeerConfig::default(),
        SeededEntropy::new(9),
        dtls,
        buf(),
        buf(),
    );
    p.add_host(Instant::ZERO, "127.0.0.1:9".parse().unwrap())
        .unwrap();
    p.hosts_done(Instant::ZERO);
    p
}

/// A valid offer, as a browser would POST it: a [`client`] offering a data channel.
pub fn offer() -> String {
    let mut out = vec![0u8; 8192];
    let n = client().create_offer(Instant::ZERO, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}
