//! The `p2p` program end to end on loopback: its own client against its own server, and the
//! error paths scripts rely on (exit codes, one-line errors).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, wait_stun, Proc};
use std::time::Duration;

fn stun(args: &[&str]) -> (i32, String, String) {
    let out = run(p2p(), args, 30);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

#[test]
fn client_against_server_udp_tcp_and_rfc5780() {
    let port = free_port("127.0.0.1");
    let alt = free_port("127.0.0.2");
    let listen = format!("127.0.0.1:{port}");
    let _s = Proc::start(
        p2p(),
        &[
            "stun-server",
            "--listen",
            &listen,
            "--alternate",
            &format!("127.0.0.2:{alt}"),
        ],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    for tcp in [false, true] {
        let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let mut args = vec!["stun", "--local", &local, &listen];
        if tcp {
            args.push("--tcp");
        }
        let (code, out, err) = stun(&args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, local);
    }
    let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let (code, out, err) = stun(&["stun", "--nat-behavior", "--local", &local, &listen]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("mapping behavior: endpoint-independent (no NAT"),
        "{out}"
    );
    assert!(
        out.contains("filtering behavior: endpoint-independent"),
        "{out}"
    );
}

#[test]
fn long_term_credentials_accepted_and_refused() {
    let port = free_port("127.0.0.1");
    let listen = format!("127.0.0.1:{port}");
    let _s = Proc::start(
        p2p(),
        &[
            "stun-server",
            "--listen",
            &listen,
            "--realm",
            "example.org",
            "--user",
            "alice:pw",
            "--sha256",
        ],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let (code, out, err) = stun(&["stun", "--user", "alice:pw", &listen]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("127.0.0.1:"), "{out}");
    let (code, _, err) = stun(&["stun", "--user", "alice:nope", &listen]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("401"), "{err}");
    let (code, _, err) = stun(&["stun", &listen]);
    assert_eq!((code, err.lines().count()), (5, 1), "{err}");
}

#[test]
fn exit_codes_for_refused_timeout_and_usage() {
    // Nothing listens: ICMP port unreachable on loopback -> network error.
    let port = free_port("127.0.0.1");
    let (code, _, err) = stun(&["stun", &format!("127.0.0.1:{port}")]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.starts_with("p2p: error:") && err.lines().count() == 1,
        "{err}"
    );
    // A socket that swallows datagrams: timeout.
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sink.local_addr().unwrap().to_string();
    let (code, _, err) = stun(&["stun", "--timeout", "1", &addr]);
    assert_eq!(code, 3, "{err}");
    let (code, _, _) = stun(&["stun", "--bogus-flag", &addr]);
    assert_eq!(code, 2);
    let (code, _, err) = stun(&["stun", "no-such-host.invalid"]);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn stun_server_help_documents_its_limits() {
    let (code, out, _) = stun(&["stun-server", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--max-tcp-connections",
        "--tcp-idle-timeout",
        "--tcp-frame-deadline",
        "--tcp-buffer-cap",
        "--tcp-buffer-total",
        "--tcp-backlog",
        "--log-rate",
        "--realm",
    ] {
        let line = out.lines().find(|l| l.trim_start().starts_with(flag));
        assert!(line.is_some(), "{flag} is not in:\n{out}");
    }
    assert!(out.contains("[default: 4096]"), "{out}");
}

/// Every usage error, whether clap or the command found it, is one line `p2p: error: …` on
/// stderr with exit 2 (clap alone prints 4 to 6 lines); a malformed address is a usage error.
#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let cases: &[&[&str]] = &[
        &["stun", "--bogus-flag", "127.0.0.1:3478"],
        &["no-such-command"],
        &["stun"],
        &["turn-server", "--listen", "not-an-address"],
        &["turn-server", "--min-port", "70000"],
        &["turn", "127.0.0.1:3478", "--user", "a:b", "--peer", "nope"],
        &["turn-server", "--user", "no-colon"],
        &["stun", "127.0.0.1:99999"],
        &["stun", "[::1]:3478x"],
        &["stun", "exa mple.org:3478"],
        &["stun", "a..b:3478"],
        &[
            "turn",
            "127.0.0.1:0x10",
            "--user",
            "a:b",
            "--peer",
            "127.0.0.1:9",
        ],
    ];
    for args in cases {
        let (code, out, err) = stun(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
        assert!(
            err.starts_with("p2p: error: ") && err.lines().count() == 1,
            "{args:?} did not give one error line:\n{err}"
        );
    }
    // The line names the culprit.
    let (_, _, err) = stun(&["stun", "--bogus-flag", "127.0.0.1:3478"]);
    assert!(err.contains("--bogus-flag"), "{err}");
    let (_, _, err) = stun(&["stun"]);
    assert!(err.contains("<SERVER>"), "{err}");
    let (_, _, err) = stun(&["stun", "127.0.0.1:99999"]);
    assert!(err.contains("127.0.0.1:99999"), "{err}");
    // Help and version are not errors.
    let (code, out, _) = stun(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.lines().count() > 5, "{out}");
    let (code, out, _) = stun(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("p2p "), "{out}");
}
