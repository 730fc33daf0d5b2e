//! Endpoint configuration.

use crate::types::{CipherSuite, SrtpProfile};
use core::time::Duration;

/// How an endpoint behaves; [`Config::default`] suits WebRTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Largest datagram we send (IP and UDP headers excluded). Handshake messages are
    /// fragmented to fit. Default 1200, what WebRTC stacks use.
    pub mtu: usize,
    /// Cipher suites in order of preference (a server picks by its own order).
    pub cipher_suites: heapless::Vec<CipherSuite, 2>,
    /// SRTP protection profiles offered or accepted (RFC 5764), in order of preference; empty:
    /// no `use_srtp`.
    pub srtp_profiles: heapless::Vec<SrtpProfile, 4>,
    /// Fail the handshake when no SRTP profile is agreed (a media-only endpoint).
    pub require_srtp: bool,
    /// Server: send a CertificateRequest, so the client must present a certificate (WebRTC
    /// authenticates both ends by fingerprint; the default). Off for a server whose clients
    /// authenticate otherwise, as TURN over DTLS (RFC 7350) does with STUN credentials: RFC
    /// 5246 §7.4.4 lets a server skip the request, the client then sends neither Certificate
    /// nor CertificateVerify, and the connection is up with no peer fingerprint (unless one
    /// was set with `set_remote_fingerprint` before the handshake completed: nothing can
    /// match it, the connection fails).
    pub request_client_certificate: bool,
    /// Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest, keeping no
    /// state until the client proves it receives at its address (RFC 6347 §4.2.1).
    pub cookie_exchange: bool,
    /// First retransmission timeout of a flight: 1 s in RFC 6347 §4.2.4.1; RFC 9147 §5.8.2
    /// allows shorter (100 ms) on paths known to be fast.
    pub initial_retransmit: Duration,
    /// Ceiling of the doubling retransmission timeout (60 s in RFC 6347).
    pub max_retransmit: Duration,
    /// The handshake fails with [`Failure::HandshakeTimeout`](crate::Failure::HandshakeTimeout)
    /// when it has not completed this long after it started.
    pub handshake_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        let mut cipher_suites = heapless::Vec::new();
        let _ = cipher_suites.push(CipherSuite::EcdheEcdsaAes128GcmSha256);
        #[cfg(feature = "chacha20")]
        let _ = cipher_suites.push(CipherSuite::EcdheEcdsaChacha20Poly1305Sha256);
        let mut srtp_profiles = heapless::Vec::new();
        for p in [SrtpProfile::AeadAes128Gcm, SrtpProfile::Aes128CmHmacSha1_80] {
            let _ = srtp_profiles.push(p);
        }
        Config {
            mtu: 1200,
            cipher_suites,
            srtp_profiles,
            require_srtp: false,
            request_client_certificate: true,
            cookie_exchange: true,
            initial_retransmit: Duration::from_secs(1),
            max_retransmit: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(60),
        }
    }
}
