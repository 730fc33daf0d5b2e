//! `p2p turn-server` and `p2p turn` end to end on loopback, with no outside peer: an echo
//! peer in this process, our client through our server over UDP and TCP, channels and
//! indications; refusals and their exit codes; the metrics endpoint; the config file;
//! `--help`; a clean exit on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, wait_stun, Proc};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

/// A UDP echo peer on `ip` that runs until the test process ends.
fn echo_peer(ip: &str) -> SocketAddr {
    let s = UdpSocket::bind((ip, 0)).unwrap();
    let addr = s.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf) {
            let _ = s.send_to(&buf[..n], from);
        }
    });
    addr
}

fn server(extra: &[&str]) -> (Proc, String, String) {
    let port = free_port("127.0.0.1");
    let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec![
        "turn-server",
        "--listen",
        &listen,
        "--relay-ip",
        "127.0.0.1",
        "--realm",
        "test",
        "--user",
        "alice:wonderland",
        "--static-auth-secret",
        "sekrit",
        "--allow-loopback-peers",
        "--denied-peer-ip",
        "127.0.0.9",
        "--metrics",
        &metrics,
    ];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (p, listen, metrics)
}

fn turn(args: &[&str]) -> (i32, String, String) {
    let out = run(p2p(), args, 30);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn scrape(metrics: &str) -> String {
    let mut s = TcpStream::connect(metrics).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.starts_with("HTTP/1.0 200 OK"), "{body}");
    body
}

fn metric(body: &str, name: &str) -> u64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name:?} in:\n{body}"))
}

#[test]
fn our_client_through_our_server_in_every_mode() {
    let (srv, listen, metrics) = server(&[]);
    let peer = echo_peer("127.0.0.1").to_string();
    let modes: [&[&str]; 4] = [
        &[],
        &["--tcp"],
        &["--send-indication"],
        &["--tcp", "--send-indication"],
    ];
    for mode in modes {
        let mut args = vec![
            "turn",
            &listen,
            "--user",
            "alice:wonderland",
            "--peer",
            &peer,
            "--count",
            "3",
        ];
        args.extend_from_slice(mode);
        let (code, out, err) = turn(&args);
        assert_eq!(code, 0, "{mode:?}: {out}{err}\n{}", srv.output());
        assert!(out.starts_with("relayed 127.0.0.1:"), "{out}");
        assert_eq!(out.matches("echo ").count(), 3, "{mode:?}: {out}");
        let via = if mode.contains(&"--send-indication") {
            "via indication"
        } else {
            "via channel 0x4000"
        };
        assert!(out.contains(via), "{mode:?}: {out}");
    }
    let (code, out, err) = turn(&[
        "turn",
        &listen,
        "--user",
        "bob",
        "--rest-secret",
        "sekrit",
        "--peer",
        &peer,
    ]);
    assert_eq!(code, 0, "REST: {out}{err}");
    let body = scrape(&metrics);
    assert_eq!(
        metric(&body, "turn_relayed_packets_total{direction=\"to_peer\"}"),
        13
    );
    assert_eq!(
        metric(&body, "turn_relayed_packets_total{direction=\"to_client\"}"),
        13
    );
    assert_eq!(
        metric(&body, "turn_relayed_bytes_total{direction=\"to_peer\"}"),
        13 * 23
    );
    assert_eq!(metric(&body, "turn_allocations_created_total"), 5);
    assert_eq!(
        metric(&body, "turn_allocations"),
        0,
        "every client deleted its allocation"
    );
    assert_eq!(metric(&body, "turn_auth_failures_total"), 0);
    let log = srv.output();
    assert!(
        log.contains("allocation created") && log.contains(":bob"),
        "{log}"
    );
}

#[test]
fn refusals_have_their_exit_codes_and_are_counted() {
    let (srv, listen, metrics) = server(&[]);
    let peer = echo_peer("127.0.0.1").to_string();
    let (code, _, err) = turn(&["turn", &listen, "--user", "alice:WRONG", "--peer", &peer]);
    assert_eq!((code, err.contains("401")), (5, true), "{err}");
    let (code, _, err) = turn(&[
        "turn",
        &listen,
        "--user",
        "bob",
        "--rest-secret",
        "sekrit",
        "--rest-ttl",
        "-5",
        "--peer",
        &peer,
    ]);
    assert_eq!(
        (code, err.contains("401")),
        (5, true),
        "expired REST: {err}"
    );
    let (code, _, err) = turn(&[
        "turn",
        &listen,
        "--user",
        "bob",
        "--rest-secret",
        "other",
        "--peer",
        &peer,
    ]);
    assert_eq!(
        (code, err.contains("401")),
        (5, true),
        "wrong REST secret: {err}"
    );
    for denied in ["127.0.0.9:4000", "10.0.0.1:4000"] {
        let (code, _, err) = turn(&[
            "turn",
            &listen,
            "--user",
            "alice:wonderland",
            "--peer",
            denied,
        ]);
        assert_eq!((code, err.contains("403")), (5, true), "{denied}: {err}");
    }
    let body = scrape(&metrics);
    assert!(metric(&body, "turn_auth_failures_total") >= 3, "{body}");
    assert_eq!(metric(&body, "turn_peers_denied_total"), 2, "{body}");
    // Refused after allocating: the client deleted its allocations on the way out.
    assert_eq!(metric(&body, "turn_allocations"), 0, "{body}");
    assert_eq!(
        srv.output().matches("reason=Deleted").count(),
        2,
        "{}",
        srv.output()
    );
    // Nobody listening: a network error, exit 4 (TCP) or no answer, exit 3 (UDP).
    let dead = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let (code, _, _) = turn(&["turn", &dead, "--tcp", "--user", "a:b", "--peer", &peer]);
    assert_eq!(code, 4);
}

#[test]
fn config_file_and_usage_errors() {
    let dir = std::env::temp_dir().join(format!("p2p-turn-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port("127.0.0.1");
    let cfg = dir.join("turn.toml");
    std::fs::write(
        &cfg,
        format!(
            "listen = [\"127.0.0.1:{port}\"]\nrelay-ip = [\"127.0.0.1\"]\nrealm = \"file\"\n\
             user = [\"carol:pw\"]\nallow-loopback-peers = true\nmin-port = 45000\nmax-port = 45999\n"
        ),
    )
    .unwrap();
    let _srv = Proc::start(p2p(), &["turn-server", "--config", cfg.to_str().unwrap()]);
    let listen = format!("127.0.0.1:{port}");
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let peer = echo_peer("127.0.0.1").to_string();
    let (code, out, err) = turn(&["turn", &listen, "--user", "carol:pw", "--peer", &peer]);
    assert_eq!(code, 0, "{out}{err}");
    let relayed: SocketAddr = out
        .lines()
        .next()
        .unwrap()
        .strip_prefix("relayed ")
        .unwrap()
        .parse()
        .unwrap();
    assert!((45000..=45999).contains(&relayed.port()), "{relayed}");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "user = [\"a:b\"]\nno-such-key = 1\n").unwrap();
    let (code, _, err) = turn(&["turn-server", "--config", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such-key"), "{err}");
    let (code, _, err) = turn(&["turn-server"]);
    assert_eq!(code, 2, "no credentials: {err}");
    let (code, _, err) = turn(&["turn-server", "--user", "x:y", "--listen", &listen]);
    assert_eq!(code, 4, "port in use: {err}");
}

#[test]
fn help_documents_every_option() {
    let (code, out, _) = turn(&["turn-server", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--listen",
        "--relay-ip",
        "--realm",
        "--user",
        "--static-auth-secret",
        "--allow-loopback-peers",
        "--metrics",
        "--config",
        "--min-port",
        "--max-port",
        "--total-quota",
        "--user-quota",
        "--max-bps",
        "--allowed-peer-ip",
        "--denied-peer-ip",
        "--no-tcp",
        "--no-udp",
        "--no-tcp-relay",
        "--stale-nonce",
        "--channel-lifetime",
        "--permission-lifetime",
        "--max-allocate-lifetime",
        "--max-tcp-connections",
        "--socket-buffer",
        "--no-software-attribute",
        "--no-gso",
        "--tcp-frame-deadline",
        "--tcp-idle-timeout",
        "--tcp-buffer-cap",
        "--tcp-buffer-total",
        "--tcp-backlog",
        "--log-rate",
        "--external-ip",
        "--alternate-server",
        "--log-file",
        "--log-format",
        "--cert",
        "--pkey",
        "--tls-listening-port",
        "--tls-handshake-timeout",
        "--max-tls-handshakes",
        "--redis",
        "--redis-sync-interval",
        "--redis-max-users",
        "--server-name",
        "--relay-threads",
    ] {
        let line = out.lines().find(|l| l.trim_start().starts_with(flag));
        let documented = line.is_some_and(|l| l.len() > flag.len() + 12);
        assert!(documented, "{flag} is not documented in:\n{out}");
    }
    // Every option is a key of the example config file, with a comment above it.
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/turn.toml"
    ))
    .unwrap();
    let lines: Vec<&str> = example.lines().collect();
    let flags: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--"))
        .filter_map(|l| l.split([' ', '=', '<']).next())
        // Logging flags belong to `p2p` itself (set before the file is read).
        .filter(|f| !["config", "help", "log", "log-file", "log-format"].contains(f))
        .collect();
    assert!(flags.len() >= 30, "{flags:?}");
    for flag in flags {
        let at = lines.iter().position(|l| {
            let l = l.trim_start_matches("# ");
            l.starts_with(&format!("{flag} ="))
        });
        let at = at.unwrap_or_else(|| panic!("--{flag} is not in examples/turn.toml"));
        let commented = lines[..at]
            .iter()
            .rev()
            .take_while(|l| !l.is_empty())
            .any(|l| l.starts_with("# ") && !l.contains(" = "));
        assert!(commented, "{flag} has no comment in examples/turn.toml");
    }
    let (code, out, _) = turn(&["turn", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--user",
        "--peer",
        "--tcp",
        "--send-indication",
        "--rest-secret",
        "--count",
    ] {
        assert!(out.contains(flag), "{flag}:\n{out}");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let port = free_port("127.0.0.1");
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(p2p())
        .args(["turn-server", "--listen", &listen, "--user", "a:b"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("turn-server ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status}: {err}");
    assert!(err.contains("shutting down"), "{err}");
}
