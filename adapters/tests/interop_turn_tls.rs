//! `turns:` (TURN over TLS) on `p2p turn-server`: our `p2p turn --tls` and coturn's
//! `turnutils_uclient -t -S` relay through it; a wrong CA is refused; stalled handshakes are
//! closed in time and counted while a real client is served; SIGHUP swaps the certificate.
//! Certificates are made by `openssl` in the test (a CA and a leaf for 127.0.0.1).
//!
//! `#[ignore]`d: they need openssl and coturn (`cargo xtask test` installs both); a missing
//! peer fails loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::uclient::{relays_every_message, Secure};
use common::{free_port, p2p, require, run, wait_stun, Proc};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A fresh directory for this test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("p2p-tls-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn openssl(args: &[&str]) {
    let bin = require("openssl");
    let out = Command::new(bin).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<tag>-ca.pem`) and a leaf for 127.0.0.1 signed by it (`<tag>-cert.pem`,
/// `<tag>-key.pem`) in `d`.
fn make_certs(d: &Path, tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| d.join(format!("{tag}-{n}")).to_str().unwrap().to_string();
    let (ca_key, ca, key, csr, cert) = (
        p("ca-key.pem"),
        p("ca.pem"),
        p("key.pem"),
        p("csr.pem"),
        p("cert.pem"),
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509"];
    a.extend_from_slice(&ec);
    a.extend_from_slice(&[
        "-keyout",
        &ca_key,
        "-out",
        &ca,
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
    ]);
    openssl(&a);
    let mut a = vec!["req"];
    a.extend_from_slice(&ec);
    a.extend_from_slice(&["-keyout", &key, "-out", &csr, "-subj", "/CN=127.0.0.1"]);
    openssl(&a);
    let ext = d.join(format!("{tag}-ext.cnf"));
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &cert,
        "-days",
        "2",
        "-extfile",
        ext.to_str().unwrap(),
    ]);
    (PathBuf::from(ca), PathBuf::from(cert), PathBuf::from(key))
}

/// A UDP echo peer on loopback.
fn echo_peer() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf) {
            let _ = s.send_to(&buf[..n], from);
        }
    });
    addr
}

struct Server {
    proc: Proc,
    tls: String,
    metrics: String,
}

fn server(cert: &Path, key: &Path, extra: &[&str]) -> Server {
    let port = free_port("127.0.0.1");
    let tls_port = free_port("127.0.0.1").to_string();
    let listen = format!("127.0.0.1:{port}");
    let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec![
        "turn-server",
        "--listen",
        &listen,
        "--realm",
        "tls",
        "--user",
        "alice:pw",
        "--allow-loopback-peers",
        "--metrics",
        &metrics,
        "--cert",
        cert.to_str().unwrap(),
        "--pkey",
        key.to_str().unwrap(),
        "--tls-listening-port",
        &tls_port,
    ];
    args.extend_from_slice(extra);
    let proc = Proc::start(p2p(), &args);
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    proc.wait_for("listening for TLS", Duration::from_secs(5));
    Server {
        proc,
        tls: format!("127.0.0.1:{tls_port}"),
        metrics,
    }
}

fn turn_tls(server: &str, ca: &Path, peer: SocketAddr, count: &str) -> (i32, String, String) {
    let out = run(
        p2p(),
        &[
            "turn",
            server,
            "--tls",
            "--ca",
            ca.to_str().unwrap(),
            "--user",
            "alice:pw",
            "--peer",
            &peer.to_string(),
            "--count",
            count,
        ],
        30,
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn metric(addr: &str, name: &str) -> u64 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn our_client_over_tls_and_a_wrong_ca_refused() {
    let d = dir("client");
    let (ca, cert, key) = make_certs(&d, "a");
    let (other_ca, _, _) = make_certs(&d, "b");
    let s = server(&cert, &key, &[]);
    let peer = echo_peer();
    let (code, out, err) = turn_tls(&s.tls, &ca, peer, "3");
    assert_eq!(code, 0, "{err}\nserver:\n{}", s.proc.output());
    assert!(
        out.contains("echo 3:") && out.contains("via channel"),
        "{out}"
    );
    let log = s.proc.output();
    assert!(
        log.contains("allocation created") && log.contains("transport=Tls"),
        "{log}"
    );
    assert!(log.contains("reason=Deleted"), "{log}");
    let (code, out, err) = turn_tls(&format!("turns:{}", s.tls), &ca, peer, "1");
    assert_eq!(code, 0, "a turns: URL: {err}");
    assert!(out.contains("echo 1:"), "{out}");
    let (code, _, err) = turn_tls(&s.tls, &other_ca, peer, "1");
    assert_eq!(code, 4, "an untrusted certificate is refused: {err}");
    assert!(err.contains("certificate"), "{err}");
    assert!(metric(&s.metrics, "turn_tls_handshakes_total{outcome=\"ok\"}") >= 1);
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn stalled_handshakes_are_closed_in_time_and_counted() {
    let d = dir("stall");
    let (ca, cert, key) = make_certs(&d, "a");
    let s = server(
        &cert,
        &key,
        &["--tls-handshake-timeout", "1", "--max-tls-handshakes", "8"],
    );
    // Twelve connections that never say hello: eight take every handshake slot, four are
    // closed at accept.
    let stalled: Vec<TcpStream> = (0..12)
        .map(|_| TcpStream::connect(&s.tls).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert!(metric(&s.metrics, "turn_tls_handshakes_total{outcome=\"refused\"}") >= 4);
    // Every one is closed by the server within the timeout (plus slack), none lingers.
    let start = Instant::now();
    for mut c in stalled {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 16];
        let closed = matches!(c.read(&mut b), Ok(0) | Err(_));
        assert!(closed, "a stalled connection was not closed");
    }
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(metric(&s.metrics, "turn_tls_handshakes_total{outcome=\"timeout\"}") >= 8);
    assert_eq!(metric(&s.metrics, "turn_tls_handshakes_in_progress"), 0);
    // A real client is served afterwards.
    let (code, out, err) = turn_tls(&s.tls, &ca, echo_peer(), "1");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("echo 1:"), "{out}");
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn sighup_swaps_the_certificate() {
    let d = dir("reload");
    let (ca_a, cert_a, key_a) = make_certs(&d, "a");
    let (ca_b, cert_b, key_b) = make_certs(&d, "b");
    let cert = d.join("cert.pem");
    let key = d.join("key.pem");
    std::fs::copy(&cert_a, &cert).unwrap();
    std::fs::copy(&key_a, &key).unwrap();
    let s = server(&cert, &key, &[]);
    let peer = echo_peer();
    assert_eq!(turn_tls(&s.tls, &ca_a, peer, "1").0, 0);
    assert_eq!(turn_tls(&s.tls, &ca_b, peer, "1").0, 4);
    std::fs::copy(&cert_b, &cert).unwrap();
    std::fs::copy(&key_b, &key).unwrap();
    let ok = Command::new("kill")
        .args(["-HUP", &s.proc.pid().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    s.proc
        .wait_for("configuration reloaded", Duration::from_secs(5));
    let (code, out, err) = turn_tls(&s.tls, &ca_b, peer, "1");
    assert_eq!(code, 0, "the new certificate is served: {err}");
    assert!(out.contains("echo 1:"), "{out}");
    assert_eq!(
        turn_tls(&s.tls, &ca_a, peer, "1").0,
        4,
        "the old one is gone"
    );
}

#[test]
#[ignore = "interop: needs coturn (turnutils_uclient, turnutils_peer) and openssl; run `cargo xtask test`"]
fn coturn_uclient_over_tls_relays_every_message() {
    let d = dir("uclient");
    let (_ca, cert, key) = make_certs(&d, "a");
    let s = server(&cert, &key, &[]);
    let tls_port: u16 = s.tls.rsplit(':').next().unwrap().parse().unwrap();
    relays_every_message(tls_port, Secure::Tls, || s.proc.output());
    let log = s.proc.output();
    assert!(log.contains("transport=Tls"), "{log}");
    assert!(metric(&s.metrics, "turn_tls_handshakes_total{outcome=\"ok\"}") >= 2);
}
