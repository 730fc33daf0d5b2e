//! STUN interop with coturn, both directions, on loopback.
//!
//! `#[ignore]`d so plain `cargo test` stays fast and never counts them as passed;
//! `cargo xtask test` installs coturn and runs them. A missing peer fails the test loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, require, run, wait_stun, Proc};
use std::time::Duration;

/// The `UDP reflexive addr: …` lines turnutils_stunclient prints.
fn reflexive(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split("UDP reflexive addr: ").nth(1))
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
#[ignore = "interop: needs coturn (turnutils_stunclient); run `cargo xtask test`"]
fn coturn_stunclient_gets_the_right_mapped_address_from_p2p_stun_server() {
    let client = require("turnutils_stunclient");
    let port = free_port("127.0.0.1");
    let listen = format!("127.0.0.1:{port}");
    let server = Proc::start(
        p2p(),
        &["stun-server", "--listen", &listen, "--log", "debug"],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let out = run(
        client.to_str().unwrap(),
        &["-p", &port.to_string(), "127.0.0.1"],
        20,
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "turnutils_stunclient failed:\n{text}");
    let mut mapped = reflexive(&text);
    mapped.dedup(); // it prints the address once per output format
    assert_eq!(mapped.len(), 1, "expected one reflexive address:\n{text}");
    let addr: std::net::SocketAddr = mapped[0].parse().unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    // The server saw the datagram come from exactly that address.
    let log = server.output();
    assert!(
        log.contains(&format!("from={addr}")),
        "server never saw {addr}:\n{log}"
    );
}

#[test]
#[ignore = "interop: needs coturn (turnutils_stunclient); run `cargo xtask test`"]
fn coturn_stunclient_runs_rfc5780_against_p2p_stun_server() {
    let client = require("turnutils_stunclient");
    let port = free_port("127.0.0.1");
    let alt_port = free_port("127.0.0.2");
    let (listen, alt) = (format!("127.0.0.1:{port}"), format!("127.0.0.2:{alt_port}"));
    let _server = Proc::start(
        p2p(),
        &["stun-server", "--listen", &listen, "--alternate", &alt],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let out = run(
        client.to_str().unwrap(),
        &["-f", "-p", &port.to_string(), "127.0.0.1"],
        30,
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("RFC 5780 response 3"),
        "not all three RFC 5780 tests answered:\n{text}"
    );
    assert!(text.contains(&format!("Other addr: : {alt}")), "{text}");
    // Response 2 asked for change IP and port: it must come from the alternate address.
    let second = text.split("RFC 5780 response 2").nth(1).unwrap();
    assert!(
        second.contains(&format!("Response origin: : {alt}")),
        "{text}"
    );
    assert_eq!(reflexive(&text).len(), 3, "{text}");
}

fn start_coturn(port: u16, alt_port: u16) -> Proc {
    let bin = require("turnserver");
    let p = port.to_string();
    let a = alt_port.to_string();
    let dir = std::env::temp_dir().join(format!("coturn-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pid = dir.join("turnserver.pid");
    let args = [
        "-n",
        "--listening-ip=127.0.0.1",
        "--listening-ip=127.0.0.2",
        "--listening-port",
        &p,
        "--alt-listening-port",
        &a,
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--log-file=stdout",
        "--simple-log",
        "--pidfile",
        pid.to_str().unwrap(),
    ];
    let proc = Proc::start(bin.to_str().unwrap(), &args);
    wait_stun(
        format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(10),
    );
    proc
}

#[test]
#[ignore = "interop: needs coturn (turnserver); run `cargo xtask test`"]
fn p2p_stun_prints_the_right_mapped_address_from_coturn() {
    let port = free_port("127.0.0.1");
    let _coturn = start_coturn(port, free_port("127.0.0.1"));
    let server = format!("127.0.0.1:{port}");
    for tcp in [false, true] {
        let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let mut args = vec!["stun", "--local", &local, &server];
        if tcp {
            args.insert(1, "--tcp");
        }
        let out = run(p2p(), &args, 20);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "tcp={tcp}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.trim(), local, "tcp={tcp}");
    }
}

#[test]
#[ignore = "interop: needs coturn (turnserver); run `cargo xtask test`"]
fn p2p_nat_behavior_discovery_against_coturn() {
    let port = free_port("127.0.0.1");
    let _coturn = start_coturn(port, free_port("127.0.0.1"));
    let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let out = run(
        p2p(),
        &[
            "stun",
            "--nat-behavior",
            "--local",
            &local,
            &format!("127.0.0.1:{port}"),
        ],
        30,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("mapped address: {local}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("mapping behavior: endpoint-independent"),
        "{stdout}"
    );
    assert!(
        stdout.contains("filtering behavior: endpoint-independent"),
        "{stdout}"
    );
}
