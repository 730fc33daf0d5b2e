//! TURN over DTLS (`turns:` over UDP, RFC 7350) on `p2p turn-server`: coturn's
//! `turnutils_uclient -S` (DTLS: without `-t`) relays through it; a flood of ClientHellos
//! without cookies keeps no state while a real client is served; handshakes that stall after
//! their cookie are bounded, refused beyond the limit, freed in time and counted; SIGHUP
//! swaps the certificate; a key that is not P-256 stops the server with one line.
//! Our own DTLS client is dtls-core's, checking the server's certificate fingerprint.
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
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, Dtls, DtlsRole, Endpoint, Fingerprint, State};
use sansio::{Carrier, Path, SansIo, SeededEntropy};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path as FsPath, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A fresh directory for this test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("p2p-dtls-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn openssl(args: &[&str]) {
    let out = Command::new(require("openssl"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed certificate for 127.0.0.1 (`<tag>-cert.pem`, `<tag>-key.pem`) with a key
/// of `kind` (`ec` P-256 or `rsa`), and the SHA-256 fingerprint of the certificate.
fn make_cert(d: &FsPath, tag: &str, kind: &str) -> (PathBuf, PathBuf, Fingerprint) {
    let cert = d.join(format!("{tag}-cert.pem"));
    let key = d.join(format!("{tag}-key.pem"));
    let der = d.join(format!("{tag}-cert.der"));
    let (c, k, r) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        der.to_str().unwrap(),
    );
    let mut a = vec!["req", "-x509", "-newkey"];
    if kind == "ec" {
        a.extend_from_slice(&["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    } else {
        a.push("rsa:2048");
    }
    a.extend_from_slice(&["-nodes", "-keyout", k, "-out", c, "-days", "2"]);
    a.extend_from_slice(&["-subj", "/CN=127.0.0.1"]);
    openssl(&a);
    openssl(&["x509", "-in", c, "-outform", "der", "-out", r]);
    (cert, key, Fingerprint::of(&std::fs::read(&der).unwrap()))
}

struct Server {
    proc: Proc,
    /// The DTLS (and TLS) address.
    dtls: SocketAddr,
    metrics: String,
}

fn server(cert: &FsPath, key: &FsPath, extra: &[&str]) -> Server {
    let port = free_port("127.0.0.1");
    let tls_port = free_port("127.0.0.1").to_string();
    let listen = format!("127.0.0.1:{port}");
    let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec![
        "turn-server",
        "--listen",
        &listen,
        "--realm",
        "dtls",
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
    proc.wait_for("listening for DTLS", Duration::from_secs(5));
    Server {
        proc,
        dtls: format!("127.0.0.1:{tls_port}").parse().unwrap(),
        metrics,
    }
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

/// A dtls-core client on its own UDP socket, in wall-clock time.
struct Client {
    sock: UdpSocket,
    ep: Endpoint<SeededEntropy>,
    path: Path,
    start: Instant,
    /// Datagrams it sent.
    sent: usize,
}

impl Client {
    fn new(server: SocketAddr, seed: u64) -> Client {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut entropy = SeededEntropy::new(seed);
        let cert = Certificate::generate(&RustCrypto, &mut entropy, &CertParams::default());
        let ep = Endpoint::new(DtlsRole::Client, Config::default(), cert.unwrap(), entropy);
        let path = Path::udp(sock.local_addr().unwrap(), server);
        Client {
            sock,
            ep,
            path,
            start: Instant::now(),
            sent: 0,
        }
    }

    fn now(&self) -> sansio::Instant {
        sansio::Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    fn flush(&mut self) {
        let mut out = [0u8; 2048];
        while let Some(t) = self.ep.poll_transmit(self.now(), &mut out) {
            self.sock.send_to(&out[..t.len], t.path.remote).unwrap();
            self.sent += 1;
        }
    }

    /// One datagram in (or a timer), then what it answers goes out; the application data.
    fn step(&mut self) -> Vec<Vec<u8>> {
        let mut buf = [0u8; 4096];
        let mut got = vec![];
        if let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            let path = Path::udp(self.path.local, from);
            if let Ok(Some(_)) = self.ep.handle_datagram(self.now(), path, &buf[..n]) {
                got.extend(Dtls::received(&self.ep).into_iter().map(<[u8]>::to_vec));
            }
        }
        let now = self.now();
        if self.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ep.handle_timeout(now);
        }
        self.flush();
        got
    }

    /// Handshake, authenticating the server by `expected`; the state it ends in.
    fn connect(&mut self, expected: Fingerprint, limit: Duration) -> State {
        self.ep.set_remote_fingerprint(expected);
        self.ep.start(self.now(), self.path);
        self.flush();
        while self.start.elapsed() < limit
            && matches!(self.ep.state(), State::Handshaking | State::Idle)
        {
            self.step();
        }
        self.ep.state()
    }

    /// Send the ClientHello, answer the HelloVerifyRequest with the cookie, then stop.
    fn stall_after_cookie(&mut self) {
        self.ep.start(self.now(), self.path);
        self.flush();
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.sent < 2 && Instant::now() < deadline {
            self.step();
        }
        assert_eq!(self.sent, 2, "no HelloVerifyRequest came back");
    }

    /// A STUN Binding request over DTLS: the success response's transaction matches.
    fn binding(&mut self) -> bool {
        let mut req = vec![0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42];
        req.extend_from_slice(b"dtls-binding");
        let mut out = [0u8; 2048];
        let t = self.ep.send(self.now(), (), &req, &mut out).unwrap();
        self.sock.send_to(&out[..t.len], self.path.remote).unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            for m in self.step() {
                if m.len() >= 20 && m[..2] == [1, 1] && m[8..20] == req[8..20] {
                    return true;
                }
            }
        }
        false
    }
}

/// A ClientHello without a cookie, as a fresh client sends it first.
fn first_hello(seed: u64, server: SocketAddr) -> Vec<u8> {
    let mut c = Client::new(server, seed);
    c.ep.start(c.now(), c.path);
    let mut out = [0u8; 2048];
    let t = c.ep.poll_transmit(c.now(), &mut out).unwrap();
    out[..t.len].to_vec()
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn our_dtls_client_is_served_and_sees_the_configured_certificate() {
    let d = dir("client");
    let (cert, key, fp) = make_cert(&d, "a", "ec");
    let s = server(&cert, &key, &[]);
    let mut c = Client::new(s.dtls, 1);
    assert_eq!(
        c.connect(fp, Duration::from_secs(5)),
        State::Connected,
        "{}",
        s.proc.output()
    );
    assert!(c.binding(), "no Binding response over DTLS");
    assert_eq!(
        metric(&s.metrics, "turn_dtls_handshakes_total{outcome=\"ok\"}"),
        1
    );
    assert_eq!(metric(&s.metrics, "turn_dtls_sessions"), 1);
    // TLS still listens on the same port number, over TCP.
    assert!(TcpStream::connect(s.dtls).is_ok());
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn a_hello_flood_keeps_no_state_and_stalled_handshakes_are_bounded_and_freed() {
    let d = dir("flood");
    let (cert, key, fp) = make_cert(&d, "a", "ec");
    let s = server(
        &cert,
        &key,
        &[
            "--tls-handshake-timeout",
            "2",
            "--max-tls-handshakes",
            "4",
            "--max-dtls-sessions",
            "6",
        ],
    );
    // 300 cookie-less ClientHellos from 30 ports: each gets a HelloVerifyRequest, none a
    // session; a real client is served meanwhile.
    let target = s.dtls;
    let flood = std::thread::spawn(move || {
        let socks: Vec<UdpSocket> = (0..30)
            .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        let hellos: Vec<Vec<u8>> = (0..10).map(|i| first_hello(100 + i, target)).collect();
        for round in 0..10 {
            for (i, sock) in socks.iter().enumerate() {
                sock.send_to(&hellos[(i + round) % hellos.len()], target)
                    .unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut real = Client::new(s.dtls, 2);
    assert_eq!(real.connect(fp, Duration::from_secs(5)), State::Connected);
    assert!(real.binding());
    flood.join().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(metric(&s.metrics, "turn_dtls_hello_verify_requests_total") >= 300);
    assert_eq!(
        metric(&s.metrics, "turn_dtls_sessions"),
        1,
        "only the real client"
    );
    // Ten clients that answer their cookie and then stall: four take every handshake slot,
    // six are refused.
    let mut stalled: Vec<Client> = (0..10).map(|i| Client::new(s.dtls, 200 + i)).collect();
    for c in &mut stalled {
        c.stall_after_cookie();
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(metric(&s.metrics, "turn_dtls_handshakes_in_progress"), 4);
    assert_eq!(
        metric(
            &s.metrics,
            "turn_dtls_handshakes_total{outcome=\"refused\"}"
        ),
        6
    );
    assert!(s.proc.output().contains("DTLS client refused"));
    // Within the timeout (plus the sweep), every stalled handshake is freed.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        metric(
            &s.metrics,
            "turn_dtls_handshakes_total{outcome=\"timeout\"}"
        ),
        4
    );
    assert_eq!(metric(&s.metrics, "turn_dtls_handshakes_in_progress"), 0);
    assert_eq!(metric(&s.metrics, "turn_dtls_sessions"), 1);
    // A new client is served, and the first one still is.
    let mut late = Client::new(s.dtls, 3);
    assert_eq!(late.connect(fp, Duration::from_secs(5)), State::Connected);
    assert!(late.binding());
    assert!(real.binding());
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn the_session_table_is_bounded() {
    let d = dir("table");
    let (cert, key, fp) = make_cert(&d, "a", "ec");
    let s = server(&cert, &key, &["--max-dtls-sessions", "2"]);
    let mut a = Client::new(s.dtls, 1);
    let mut b = Client::new(s.dtls, 2);
    let mut c = Client::new(s.dtls, 3);
    assert_eq!(a.connect(fp, Duration::from_secs(5)), State::Connected);
    assert_eq!(b.connect(fp, Duration::from_secs(5)), State::Connected);
    assert_ne!(c.connect(fp, Duration::from_secs(2)), State::Connected);
    assert!(
        metric(
            &s.metrics,
            "turn_dtls_handshakes_total{outcome=\"refused\"}"
        ) >= 1
    );
    assert!(s.proc.output().contains("session table full"));
    assert!(a.binding() && b.binding());
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn a_silent_session_without_an_allocation_is_closed() {
    let d = dir("idle");
    let (cert, key, fp) = make_cert(&d, "a", "ec");
    let s = server(&cert, &key, &["--tcp-idle-timeout", "1"]);
    let mut c = Client::new(s.dtls, 1);
    assert_eq!(c.connect(fp, Duration::from_secs(5)), State::Connected);
    assert!(c.binding());
    assert_eq!(metric(&s.metrics, "turn_dtls_sessions"), 1);
    // Silent for the idle timeout (and a sweep): closed with close_notify, counted.
    let start = Instant::now();
    while c.ep.state() == State::Connected && start.elapsed() < Duration::from_secs(4) {
        c.step();
    }
    assert_eq!(c.ep.state(), State::Closed, "the client heard close_notify");
    assert_eq!(metric(&s.metrics, "turn_dtls_sessions"), 0);
    assert_eq!(
        metric(
            &s.metrics,
            "turn_dtls_sessions_closed_total{reason=\"idle\"}"
        ),
        1
    );
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn sighup_swaps_the_dtls_certificate() {
    let d = dir("reload");
    let (cert_a, key_a, fp_a) = make_cert(&d, "a", "ec");
    let (cert_b, key_b, fp_b) = make_cert(&d, "b", "ec");
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    std::fs::copy(&cert_a, &cert).unwrap();
    std::fs::copy(&key_a, &key).unwrap();
    let s = server(&cert, &key, &[]);
    assert_eq!(
        Client::new(s.dtls, 1).connect(fp_a, Duration::from_secs(5)),
        State::Connected
    );
    std::fs::copy(&cert_b, &cert).unwrap();
    std::fs::copy(&key_b, &key).unwrap();
    let pid = s.proc.pid().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    s.proc
        .wait_for("configuration reloaded", Duration::from_secs(5));
    assert_eq!(
        Client::new(s.dtls, 2).connect(fp_b, Duration::from_secs(5)),
        State::Connected,
        "the new certificate is presented"
    );
    let old = Client::new(s.dtls, 3).connect(fp_a, Duration::from_secs(5));
    assert!(
        matches!(old, State::Failed(_)),
        "the old one is gone: {old:?}"
    );
}

#[test]
#[ignore = "interop: needs openssl; run `cargo xtask test`"]
fn a_key_that_is_not_p256_stops_the_server_unless_no_dtls() {
    let d = dir("rsa");
    let (cert, key, _) = make_cert(&d, "r", "rsa");
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let port = free_port("127.0.0.1").to_string();
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let base = [
        "turn-server",
        "--listen",
        &listen,
        "--user",
        "a:b",
        "--cert",
        c,
        "--pkey",
        k,
        "--tls-listening-port",
        &port,
    ];
    let out = run(p2p(), &base, 10);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let line = err.lines().find(|l| l.contains("DTLS")).unwrap_or("");
    assert!(
        line.contains("P-256") && line.contains("--no-dtls"),
        "{err}"
    );
    let mut args = base.to_vec();
    args.push("--no-dtls");
    let p = Proc::start(p2p(), &args);
    p.wait_for("listening for TLS", Duration::from_secs(10));
    assert!(!p.output().contains("listening for DTLS"));
}

#[test]
#[ignore = "interop: needs coturn (turnutils_uclient, turnutils_peer) and openssl; run `cargo xtask test`"]
fn coturn_uclient_over_dtls_relays_every_message() {
    let d = dir("uclient");
    let (cert, key, _) = make_cert(&d, "a", "ec");
    let s = server(&cert, &key, &[]);
    // -S without -t: DTLS.
    relays_every_message(s.dtls.port(), Secure::Dtls, || s.proc.output());
    let log = s.proc.output();
    assert!(log.contains("transport=Dtls"), "{log}");
    assert!(metric(&s.metrics, "turn_dtls_handshakes_total{outcome=\"ok\"}") >= 2);
}
