//! The WHEP endpoint's refusals over real HTTP (raw requests on a TCP socket): an oversized
//! body is 413, an offer past the session limit is 503, an offer that does not parse is 400,
//! PATCH or DELETE of an unknown session is 404 — and a good offer is 201 with an SDP answer
//! and a Location, also for WHIP.
#![cfg(feature = "whep")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use adapters::whep::{router, serve, SessionApp, WhepConfig};
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config as DtlsConfig, Endpoint};
use peer_core::{PeerConfig, PeerConnection};
use sansio::{DtlsRole, Instant, SeededEntropy};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Idle;
impl SessionApp for Idle {}

/// An offer as a browser would POST it: a peer-core offerer with a data channel.
fn offer() -> String {
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
    let mut out = vec![0u8; 8192];
    let n = p.create_offer(Instant::ZERO, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

async fn start(max_sessions: usize, max_body: usize) -> SocketAddr {
    let cert = Certificate::generate(
        &RustCrypto,
        &mut adapters::OsEntropy,
        &CertParams::default(),
    )
    .unwrap();
    let config = WhepConfig {
        bind_ip: "127.0.0.1".parse().unwrap(),
        peer: PeerConfig::default(),
        max_sessions,
        max_body,
        sctp_buffer: 64 * 1024,
        certificate: cert,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(config, || Box::new(Idle));
    tokio::spawn(serve(listener, app, std::future::pending()));
    addr
}

/// Send one HTTP/1.1 request; the status code, headers and body of the response.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // The server may answer (413) before reading the whole body and close: ignore errors.
    let _ = s.write_all(body).await;
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp).await;
    let text = String::from_utf8_lossy(&resp).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let addr = start(4, 8 * 1024).await;
    let huge = vec![b'v'; 100 * 1024];
    let (status, _) = request(addr, "POST", "/whep", &huge).await;
    assert_eq!(status, 413);
    let (status, _) = request(addr, "POST", "/whip", &huge).await;
    assert_eq!(status, 413);
    let (status, _) = request(addr, "PATCH", "/whep/1", &huge).await;
    assert_eq!(status, 413);
    // Still serving.
    let (status, text) = request(addr, "POST", "/whep", offer().as_bytes()).await;
    assert_eq!(status, 201, "{text}");
}

#[tokio::test]
async fn sessions_past_the_limit_are_refused_with_503_and_bad_offers_with_400() {
    let addr = start(2, 64 * 1024).await;
    let offer = offer();
    let (status, text) = request(addr, "POST", "/whep", offer.as_bytes()).await;
    assert_eq!(status, 201, "{text}");
    assert!(text.contains("\r\nlocation: /whep/1\r\n"), "{text}");
    assert!(
        text.contains("a=fingerprint:sha-256"),
        "an SDP answer: {text}"
    );
    let (status, text) = request(addr, "POST", "/whip", offer.as_bytes()).await;
    assert_eq!(status, 201, "{text}");
    assert!(text.contains("\r\nlocation: /whip/2\r\n"), "{text}");
    let (status, _) = request(addr, "POST", "/whep", offer.as_bytes()).await;
    assert_eq!(status, 503);
    // Ending one frees a place.
    let (status, _) = request(addr, "DELETE", "/whep/1", b"").await;
    assert_eq!(status, 200);
    let (status, _) = request(addr, "POST", "/whep", b"v=0\r\nnot sdp\r\n").await;
    assert_eq!(status, 400);
    let (status, _) = request(addr, "POST", "/whep", &[0xff, 0xfe, 0]).await;
    assert_eq!(status, 400);
    let (status, text) = request(addr, "POST", "/whep", offer.as_bytes()).await;
    assert_eq!(status, 201, "{text}");
    // Unknown sessions.
    let (status, _) = request(addr, "PATCH", "/whep/99", b"a=end-of-candidates\r\n").await;
    assert_eq!(status, 404);
    let (status, _) = request(addr, "DELETE", "/whep/99", b"").await;
    assert_eq!(status, 404);
}
