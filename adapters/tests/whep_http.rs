//! The WHEP endpoint's refusals over real HTTP (raw requests on a TCP socket): an oversized
//! body is 413, an offer past the session limit is 503, an offer that does not parse is 400,
//! PATCH or DELETE of an unknown session is 404 — and a good offer is 201 with an SDP answer
//! and a Location, also for WHIP. In the server-offer mode (`POST /whep/offer`, the answer by
//! `PATCH`): 201 with our offer; an answer for an unknown session is 404, one that does not
//! parse 400 (the offer still waits), a second one 409, one that does not fit the offer 400
//! and the session ends; an offer left unanswered past `ANSWER_TIMEOUT` ends its session
//! (ignored: slow).
#![cfg(feature = "whep")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use adapters::whep::{router, serve, SessionApp, WhepConfig};
use common::peer::{client, offer};
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use peer_core::PeerConfig;
use sansio::Instant;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Idle;
impl SessionApp for Idle {}

/// A client's answer to `offer` (the server's).
fn answer(offer: &str) -> String {
    let mut out = vec![0u8; 8192];
    let n = client()
        .accept_offer(Instant::ZERO, offer, &mut out)
        .unwrap();
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

/// Send one HTTP/1.1 request (`application/sdp`); the status code, headers and body of the
/// response.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    request_as(addr, method, path, "application/sdp", body).await
}

/// [`request`] with the body's `Content-Type`.
async fn request_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
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

/// The SDP body after the response's blank line.
fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").unwrap().1
}

#[tokio::test]
async fn server_offers_and_refuses_unknown_bad_and_repeated_answers() {
    let addr = start(2, 64 * 1024).await;
    let (status, text) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 201, "{text}");
    assert!(text.contains("\r\nlocation: /whep/1\r\n"), "{text}");
    assert!(
        text.contains("\r\ncontent-type: application/sdp\r\n"),
        "{text}"
    );
    let offer = body(&text);
    assert!(offer.contains("a=setup:actpass"), "an SDP offer: {offer}");
    assert!(offer.contains("m=application "), "{offer}");
    let answer = answer(offer);
    // An answer for a session that does not exist.
    let (status, _) = request(addr, "PATCH", "/whep/99", answer.as_bytes()).await;
    assert_eq!(status, 404);
    // Not SDP: refused, and the offer still waits for its answer.
    let (status, _) = request(addr, "PATCH", "/whep/1", b"v=0\r\nnot sdp\r\n").await;
    assert_eq!(status, 400);
    let (status, _) = request(addr, "PATCH", "/whep/1", &[0xff, 0xfe]).await;
    assert_eq!(status, 400);
    let (status, text) = request(addr, "PATCH", "/whep/1", answer.as_bytes()).await;
    assert_eq!(status, 204, "{text}");
    let (status, _) = request(addr, "PATCH", "/whep/1", answer.as_bytes()).await;
    assert_eq!(status, 409, "a second answer");
    // Trickle and DELETE as for any session.
    let frag = "a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\na=end-of-candidates\r\n";
    let trickle = "application/trickle-ice-sdpfrag";
    let (status, _) = request_as(addr, "PATCH", "/whep/1", trickle, frag.as_bytes()).await;
    assert_eq!(status, 204);
    let (status, _) = request(addr, "DELETE", "/whep/1", b"").await;
    assert_eq!(status, 200);
    let (status, _) = request(addr, "PATCH", "/whep/1", answer.as_bytes()).await;
    assert_eq!(status, 404, "deleted");
}

#[tokio::test]
async fn server_offers_count_against_the_limit_and_answers_fit_the_offer() {
    let addr = start(2, 64 * 1024).await;
    // A session that answered the client's offer has no offer of ours to answer.
    let (status, text) = request(addr, "POST", "/whep", offer().as_bytes()).await;
    assert_eq!(status, 201, "{text}");
    let (status, _) = request(addr, "PATCH", "/whep/1", answer(body(&text)).as_bytes()).await;
    assert_eq!(status, 409);
    let (status, text) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 201, "{text}");
    assert!(text.contains("\r\nlocation: /whep/2\r\n"), "{text}");
    let (status, _) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 503, "past the session limit");
    // An answer that parses but does not fit our offer (no DTLS fingerprint): 400, and the
    // session ends (its offer is used up), freeing its place.
    let good = answer(body(&text));
    let bad: String = good
        .lines()
        .filter(|l| !l.starts_with("a=fingerprint"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    let (status, _) = request(addr, "PATCH", "/whep/2", bad.as_bytes()).await;
    assert_eq!(status, 400);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (status, _) = request(addr, "PATCH", "/whep/2", good.as_bytes()).await;
    assert_eq!(status, 404, "the session ended");
    let (status, text) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 201, "{text}");
}

#[tokio::test]
#[ignore = "slow: waits out ANSWER_TIMEOUT (30 s)"]
async fn an_offer_left_unanswered_ends_its_session_and_frees_its_place() {
    let addr = start(1, 64 * 1024).await;
    let (status, text) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 201, "{text}");
    let late = answer(body(&text));
    let (status, _) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 503, "the unanswered session holds the only place");
    tokio::time::sleep(adapters::whep::ANSWER_TIMEOUT + std::time::Duration::from_secs(2)).await;
    let (status, _) = request(addr, "PATCH", "/whep/1", late.as_bytes()).await;
    assert_eq!(status, 404, "the session ended");
    let (status, text) = request(addr, "POST", "/whep/offer", b"").await;
    assert_eq!(status, 201, "{text}");
}
