//! `p2p turn-server` and `p2p stun-server` under abusive requests, on loopback (issue 10
//! items 4, 5, 6 and 8): a quadratic CreatePermission, log floods, settings that silently
//! break the server, and answers larger than the documented amplification bound.
//!
//! As in `abuse_tcp.rs`: small counts for CI, `ABUSE_FULL=1` for the issue's, `P2P_BIN=path`
//! to run against another build, `FIGURE` lines for `docs/reliability.md`, one test at a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::attack::{answer, binding, cpu_time, figure, request, Answer, Conn, Session};
use common::{free_port, p2p, run, wait_stun, Proc};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm};
use stun_proto::wire::Method;
use turn_proto::wire::RelayProtocol;

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn scale(small: usize, full: usize) -> usize {
    if std::env::var_os("ABUSE_FULL").is_some() {
        full
    } else {
        small
    }
}

fn turn_server(extra: &[&str]) -> (Proc, SocketAddr) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec![
        "turn-server",
        "--listen",
        &listen,
        "--relay-ip",
        "127.0.0.1",
        "--user",
        "alice:wonderland",
        "--allow-loopback-peers",
    ];
    if !extra.contains(&"--realm") {
        args.extend_from_slice(&["--realm", "test"]);
    }
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    let addr = listen.parse().unwrap();
    wait_stun(addr, Duration::from_secs(10));
    (p, addr)
}

fn stun_server(extra: &[&str]) -> (Proc, SocketAddr) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec!["stun-server", "--listen", &listen];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    let addr = listen.parse().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    (p, addr)
}

/// Item 4: authenticated CreatePermission requests of 64 KiB naming 5,400 peers each. The
/// server must refuse them (508: more peers than an allocation may hold) without a
/// quadratic scan, and keep answering others meanwhile.
#[test]
fn turn_create_permission_with_thousands_of_peers_is_cheap() {
    let _g = serial();
    let (srv, addr) = turn_server(&[]);
    let (mut s, a) = Session::allocate(Conn::tcp(addr), "alice", "wonderland");
    assert!(a.success, "{a:?}");
    let peers: Vec<Attribute<'_>> = (0..5400u32)
        .map(|i| {
            Attribute::XorPeerAddress(SocketAddr::from(([127, 1, (i >> 8) as u8, i as u8], 9)))
        })
        .collect();
    let n = scale(5, 20);
    let reqs: Vec<Vec<u8>> = (0..n)
        .map(|_| s.signed(Method::CREATE_PERMISSION, &peers))
        .collect();
    assert!(
        reqs[0].len() > 64_000 && reqs[0].len() <= 65_540,
        "{}",
        reqs[0].len()
    );
    let cpu0 = cpu_time(srv.pid());
    let t0 = Instant::now();
    for r in &reqs {
        s.conn.send(r).unwrap();
    }
    let mut udp = Conn::udp(addr);
    let binding_answered = udp
        .ask(&binding(), Duration::from_secs(20))
        .map(|_| t0.elapsed());
    let deadline = t0 + Duration::from_secs(20);
    let mut codes = Vec::new();
    while codes.len() < n {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        match s.conn.recv(left) {
            Some(b) => codes.push(answer(&b).code),
            None => break,
        }
    }
    let took = t0.elapsed();
    let cpu = cpu_time(srv.pid()).saturating_sub(cpu0);
    figure(
        &format!("TURN: {n} CreatePermission of 5,400 peers (64 KiB) answered in"),
        format!(
            "{took:?}, server CPU {cpu:?}; a UDP Binding sent meanwhile answered after \
             {binding_answered:?}"
        ),
    );
    assert_eq!(
        codes.len(),
        n,
        "answered {} of {n} in {took:?}",
        codes.len()
    );
    assert!(codes.iter().all(|c| *c == Some(508)), "{codes:?}");
    assert!(took < Duration::from_secs(3), "{n} requests took {took:?}");
    assert!(binding_answered.is_some_and(|t| t < Duration::from_secs(1)));
}

/// Count the lines of `log` containing `what`, and the suppressed counts they and the
/// summary lines for `kind` report.
fn log_lines(log: &str, what: &str, kind: &str) -> (usize, u64) {
    let suppressed = |l: &str| -> u64 {
        l.split("suppressed=")
            .nth(1)
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let written: Vec<&str> = log.lines().filter(|l| l.contains(what)).collect();
    let summaries = log
        .lines()
        .filter(|l| l.contains("similar log lines suppressed") && l.contains(kind));
    let counted =
        written.iter().map(|l| suppressed(l)).sum::<u64>() + summaries.map(suppressed).sum::<u64>();
    (written.len(), counted)
}

/// Item 5: a flood of Allocates signed with a wrong password. The log gets a few lines a
/// second, each with the user and source, and the count of those suppressed.
#[test]
fn turn_failed_logins_do_not_flood_the_log() {
    let _g = serial();
    let (srv, addr) = turn_server(&[]);
    let n = scale(5000, 100_000);
    let mut conn = Conn::udp(addr);
    let transport = [Attribute::RequestedTransport(RelayProtocol::Udp)];
    let challenge = conn
        .ask(
            &request(Method::ALLOCATE, &transport, None),
            Duration::from_secs(5),
        )
        .unwrap();
    let (realm, nonce) = (challenge.realm.unwrap(), challenge.nonce.unwrap());
    let key = IntegrityKey::long_term(b"alice", realm.as_bytes(), b"WRONG", PasswordAlgorithm::Md5);
    let attrs = [
        transport[0],
        Attribute::Username("alice"),
        Attribute::Realm(&realm),
        Attribute::Nonce(&nonce),
    ];
    let cpu0 = cpu_time(srv.pid());
    let t0 = Instant::now();
    let mut refused = 0;
    for _ in 0..n / 100 {
        for _ in 0..100 {
            conn.send(&request(Method::ALLOCATE, &attrs, Some(&key)))
                .unwrap();
        }
        for _ in 0..100 {
            match conn.recv(Duration::from_secs(2)) {
                Some(b) if answer(&b).code == Some(401) => refused += 1,
                Some(_) => {}
                None => break,
            }
        }
    }
    let took = t0.elapsed();
    let cpu = cpu_time(srv.pid()).saturating_sub(cpu0);
    std::thread::sleep(Duration::from_millis(2500)); // the summary of what was suppressed
    let log = srv.output();
    let (lines, suppressed) = log_lines(&log, "authentication failed", "auth_failed");
    let bytes: usize = log
        .lines()
        .filter(|l| l.contains("authentication failed"))
        .map(|l| l.len() + 1)
        .sum();
    figure(
        &format!("TURN: {n} wrong-password Allocates in {took:?} (server CPU {cpu:?}) wrote"),
        format!("{lines} log lines ({bytes} bytes), {suppressed} counted as suppressed"),
    );
    assert!(refused >= n * 9 / 10, "{refused} of {n} refused");
    let allowed = 10.0 * took.as_secs_f64() + 12.0;
    assert!(
        (lines as f64) <= allowed,
        "{lines} lines for {n} failures in {took:?}"
    );
    assert_eq!(
        lines as u64 + suppressed,
        refused as u64,
        "every failure is written or counted"
    );
    let line = log
        .lines()
        .find(|l| l.contains("authentication failed"))
        .unwrap();
    assert!(
        line.contains("\"alice\"") && line.contains("127.0.0.1:"),
        "{line}"
    );
}

/// Item 5: allocations refused because the relay port range is exhausted.
#[test]
fn turn_exhausted_relay_ports_do_not_flood_the_log() {
    let _g = serial();
    let port = free_port("127.0.0.1").to_string();
    let (srv, addr) = turn_server(&["--min-port", &port, "--max-port", &port]);
    let (_holder, a) = Session::allocate(Conn::udp(addr), "alice", "wonderland");
    assert!(a.success, "{a:?}");
    let n = scale(300, 3000);
    let t0 = Instant::now();
    let mut refused = 0;
    for _ in 0..n {
        let (_s, a) = Session::allocate(Conn::udp(addr), "alice", "wonderland");
        refused += usize::from(a.code == Some(508));
    }
    let took = t0.elapsed();
    std::thread::sleep(Duration::from_millis(2500));
    let (lines, suppressed) = log_lines(&srv.output(), "cannot open a relay", "relay_failed");
    figure(
        &format!("TURN: {n} Allocates with the relay ports exhausted in {took:?} wrote"),
        format!("{lines} log lines, {suppressed} counted as suppressed"),
    );
    assert_eq!(refused, n);
    assert!(
        (lines as f64) <= 10.0 * took.as_secs_f64() + 12.0,
        "{lines} lines"
    );
    assert_eq!(lines as u64 + suppressed, n as u64);
}

/// A UDP echo peer for `p2p turn`.
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

/// `p2p ARGS…` must exit 2 at once with one line `p2p: error: …`.
fn refused_at_start(args: &[&str]) {
    let out = run(p2p(), args, 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.starts_with("p2p: error: ") && err.trim_end().lines().count() == 1,
        "{args:?}: {err}"
    );
}

/// Item 6: coturn's zeros (no quota, no bandwidth cap, nonces never stale) keep the server
/// working; values that would make it useless are refused at start-up.
#[test]
fn turn_settings_follow_coturn_and_useless_values_are_refused() {
    let _g = serial();
    let zeros = [
        "--total-quota",
        "0",
        "--user-quota",
        "0",
        "--max-bps",
        "0",
        "--stale-nonce",
        "0",
    ];
    let (srv, addr) = turn_server(&zeros);
    let peer = echo_peer().to_string();
    let out = run(
        p2p(),
        &[
            "turn",
            &addr.to_string(),
            "--user",
            "alice:wonderland",
            "--peer",
            &peer,
        ],
        20,
    );
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}\n{}", srv.output());
    assert!(said.contains("echo "), "{said}");
    drop(srv);
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let long_realm = "r".repeat(33);
    for bad in [
        &["--max-allocate-lifetime", "0"][..],
        &["--channel-lifetime", "0"],
        &["--permission-lifetime", "0"],
        &["--realm", &long_realm],
        &["--max-tcp-connections", "0"],
        &["--tcp-frame-deadline", "0"],
        &["--tcp-buffer-cap", "100"],
        &["--tcp-backlog", "0"],
    ] {
        let mut args = vec!["turn-server", "--listen", &listen, "--user", "a:b"];
        args.extend_from_slice(bad);
        refused_at_start(&args);
    }
    for bad in [
        &["--max-tcp-connections", "0"][..],
        &["--tcp-frame-deadline", "0"],
        &["--tcp-idle-timeout", "0"],
        &["--tcp-buffer-cap", "100"],
        &["--realm", &long_realm, "--user", "a:b"],
    ] {
        let mut args = vec!["stun-server", "--listen", &listen];
        args.extend_from_slice(bad);
        refused_at_start(&args);
    }
}

/// One request's answer over UDP.
fn ask(addr: SocketAddr, req: &[u8]) -> Answer {
    Conn::udp(addr)
        .ask(req, Duration::from_secs(5))
        .expect("no answer")
}

/// A 24-byte Binding with one comprehension-required attribute nobody knows.
fn with_unknown_attribute() -> Vec<u8> {
    let req = request(
        Method::BINDING,
        &[Attribute::Other(AttrType(0x7F00), &[])],
        None,
    );
    assert_eq!(req.len(), 24);
    req
}

fn within(what: &str, a: &Answer, req: usize, factor: f64) {
    figure(
        what,
        format!("{} B for {req} B: {:.2}x", a.len, a.len as f64 / req as f64),
    );
    assert!(
        a.len as f64 <= factor * req as f64,
        "{what}: {} bytes for a {req}-byte request, over {factor}x",
        a.len
    );
}

/// Item 8: unauthenticated answers of `p2p stun-server` stay within the documented bound
/// (stun_proto::server's amplification table), and a realm that would break it is refused.
#[test]
fn stun_answers_stay_within_the_documented_bound() {
    let _g = serial();
    let (_open, addr) = stun_server(&[]);
    within("STUN open: Binding", &ask(addr, &binding()), 20, 2.2);
    let unknown = ask(addr, &with_unknown_attribute());
    assert_eq!(unknown.code, Some(420));
    within("STUN open: 420", &unknown, 24, 2.34);
    let (_lt, addr) = stun_server(&["--realm", "example.org", "--user", "a:b", "--sha256"]);
    let challenge = ask(addr, &binding());
    assert_eq!(challenge.code, Some(401));
    within("STUN --sha256 realm example.org: 401", &challenge, 20, 6.0);
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let long_realm = "r".repeat(127);
    refused_at_start(&[
        "stun-server",
        "--listen",
        &listen,
        "--realm",
        &long_realm,
        "--user",
        "a:b",
    ]);
}

/// Item 8: the same for `p2p turn-server`, with the longest realm it accepts.
#[test]
fn turn_answers_stay_within_the_documented_bound() {
    let _g = serial();
    let realm = "r".repeat(32);
    let (_srv, addr) = turn_server(&["--realm", &realm]);
    within("TURN: Binding", &ask(addr, &binding()), 20, 2.2);
    let unknown = ask(addr, &with_unknown_attribute());
    assert_eq!(unknown.code, Some(420));
    within("TURN: 420", &unknown, 24, 2.34);
    let challenge = ask(addr, &request(Method::REFRESH, &[], None));
    assert_eq!(challenge.code, Some(401));
    within(
        "TURN realm of 32 bytes: 401 to a 20-byte Refresh",
        &challenge,
        20,
        5.4,
    );
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let long_realm = "r".repeat(127);
    refused_at_start(&[
        "turn-server",
        "--listen",
        &listen,
        "--user",
        "a:b",
        "--realm",
        &long_realm,
    ]);
}
