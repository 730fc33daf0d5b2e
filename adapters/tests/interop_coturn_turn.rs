//! TURN interop with coturn, both directions, on loopback.
//!
//! * coturn's `turnutils_uclient` (with `turnutils_peer` as the echo peer) against
//!   `p2p turn-server`: long-term and REST credentials, UDP and TCP, channels and Send/Data
//!   indications, with and without the RTP/RTCP allocation pair (EVEN-PORT,
//!   RESERVATION-TOKEN), and RFC 6062 TCP relays: every message echoed, none lost.
//! * `p2p turn` against coturn's `turnserver`: allocate, permission, channel (or indications),
//!   data to the echo peer and back, over UDP and TCP, long-term and REST credentials.
//! * Refusals both ways: a wrong password, expired REST credentials, a denied peer.
//!
//! `#[ignore]`d so plain `cargo test` stays fast and never counts them as passed;
//! `cargo xtask test` installs coturn and runs them. A missing peer fails the test loudly.
//! uclient waits 1–6 s (random) before sending, so its runs go in parallel.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, require, run, wait_stun, Proc};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const REALM: &str = "interop";
const SECRET: &str = "s3cr3t-interop";
/// Messages per uclient session: small, at uclient's default pace (one per 20 ms).
const MSGS: u32 = 20;
/// The address the denied-peer cases try to reach (loopback, so nothing leaves the host).
const DENIED_PEER: &str = "127.0.0.5";

/// What uclient reports at the end of a run.
#[derive(Debug, PartialEq, Eq)]
struct Totals {
    sent: u64,
    received: u64,
    sent_bytes: u64,
    received_bytes: u64,
    lost: u64,
}

/// Parse the closing lines of a uclient run (`tot_send_msgs=…`, `Total lost packets N`).
fn totals(out: &str) -> Option<Totals> {
    Some(Totals {
        sent: common::last_number_after(out, "tot_send_msgs=")?,
        received: common::last_number_after(out, "tot_recv_msgs=")?,
        sent_bytes: common::last_number_after(out, "tot_send_bytes ~")?,
        received_bytes: common::last_number_after(out, "tot_recv_bytes ~")?,
        lost: common::last_number_after(out, "Total lost packets")?,
    })
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

/// The echo peer on `ip`.
fn echo_peer(ip: &str) -> (Proc, u16) {
    let bin = require("turnutils_peer");
    let port = free_port(ip);
    let p = Proc::start(bin.to_str().unwrap(), &["-L", ip, "-p", &port.to_string()]);
    std::thread::sleep(Duration::from_millis(300));
    (p, port)
}

/// `p2p turn-server` with long-term users, a REST secret and loopback peers, denying
/// `DENIED_PEER`.
fn p2p_server() -> (Proc, u16) {
    let port = free_port("127.0.0.1");
    let listen = format!("127.0.0.1:{port}");
    let server = Proc::start(
        p2p(),
        &[
            "turn-server",
            "--listen",
            &listen,
            "--relay-ip",
            "127.0.0.1",
            "--realm",
            REALM,
            "--user",
            "user:pass",
            "--static-auth-secret",
            SECRET,
            "--allow-loopback-peers",
            "--denied-peer-ip",
            DENIED_PEER,
        ],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (server, port)
}

/// Start one uclient run in the background (bounded by `timeout`).
fn uclient(port: u16, peer: (&str, u16), creds: &[&str], flags: &[&str]) -> std::process::Child {
    let bin = require("turnutils_uclient");
    let (p, r) = (port.to_string(), peer.1.to_string());
    let mut args = vec![
        "60",
        bin.to_str().unwrap(),
        "-p",
        &p,
        "-e",
        peer.0,
        "-r",
        &r,
    ];
    args.extend_from_slice(creds);
    args.extend_from_slice(flags);
    let n = MSGS.to_string();
    args.extend_from_slice(&["-n", &n, "-m", "2", "127.0.0.1"]);
    Command::new("timeout")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
#[ignore = "interop: needs coturn (turnutils_uclient, turnutils_peer); run `cargo xtask test`"]
fn coturn_uclient_relays_every_message_through_p2p_turn_server() {
    let (server, port) = p2p_server();
    let (_peer, peer_port) = echo_peer("127.0.0.1");
    let lt: &[&str] = &["-u", "user", "-w", "pass"];
    let rest: &[&str] = &["-W", SECRET, "-u", "alice"];
    let mut runs = Vec::new();
    for (creds_name, creds) in [("long-term", lt), ("REST", rest)] {
        for tcp in [false, true] {
            for indications in [false, true] {
                for rtcp in [false, true] {
                    let mut flags = Vec::new();
                    tcp.then(|| flags.push("-t"));
                    indications.then(|| flags.push("-s"));
                    (!rtcp).then(|| flags.push("-c"));
                    let name = format!("{creds_name} {flags:?}");
                    runs.push((name, uclient(port, ("127.0.0.1", peer_port), creds, &flags)));
                }
            }
        }
    }
    // RFC 6062: TCP relays, uclient's clients connecting to each other through them.
    runs.push((
        "long-term RFC 6062 [-T]".into(),
        uclient(port, ("127.0.0.1", peer_port), lt, &["-T"]),
    ));
    let mut failures = Vec::new();
    for (name, child) in runs {
        let out = child.wait_with_output().unwrap();
        let t = text(&out);
        let expected = u64::from(2 * MSGS);
        match totals(&t) {
            Some(tot)
                if out.status.success()
                    && tot.lost == 0
                    && tot.sent == expected
                    && tot.received == expected
                    && tot.received_bytes == tot.sent_bytes
                    && tot.sent_bytes > 0 => {}
            other => failures.push(format!(
                "{name}: {other:?}, exit {:?}\n{}",
                out.status,
                tail(&t, 8)
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "uclient runs failed:\n{}\nserver log:\n{}",
        failures.join("\n"),
        tail(&server.output(), 30)
    );
    let log = server.output();
    assert!(log.contains("allocation created"), "{log}");
    assert!(
        log.contains("reason=Deleted"),
        "uclient deletes its allocations:\n{log}"
    );
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn rest_credentials(ttl: i64, name: &str) -> (String, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let user = format!("{}:{name}", now + ttl);
    let mut pass = [0u8; 28];
    let n = turn_proto::rest::password(SECRET.as_bytes(), &user, &mut pass);
    (user, String::from_utf8(pass[..n].to_vec()).unwrap())
}

#[test]
#[ignore = "interop: needs coturn (turnutils_uclient, turnutils_peer); run `cargo xtask test`"]
fn p2p_turn_server_refuses_coturn_uclient_with_bad_credentials_or_a_denied_peer() {
    let (server, port) = p2p_server();
    let (_peer, peer_port) = echo_peer("127.0.0.1");
    let (_denied, denied_port) = echo_peer(DENIED_PEER);
    let (expired_user, expired_pass) = rest_credentials(-60, "carol");
    let (fresh_user, fresh_pass) = rest_credentials(600, "dave");
    let to_peer = ("127.0.0.1", peer_port);
    let cases = [
        (
            "wrong password",
            uclient(port, to_peer, &["-u", "user", "-w", "WRONG"], &["-c"]),
            "Cannot complete Allocation",
        ),
        (
            "expired REST credentials",
            uclient(
                port,
                to_peer,
                &["-u", &expired_user, "-w", &expired_pass],
                &["-c"],
            ),
            "Cannot complete Allocation",
        ),
        (
            "denied peer",
            uclient(
                port,
                (DENIED_PEER, denied_port),
                &["-u", "user", "-w", "pass"],
                &["-c"],
            ),
            // uclient's own report of the server's refusal of the channel to that peer.
            "channel bind: error 403 (Forbidden)",
        ),
    ];
    // The same REST formula, unexpired, is accepted: the refusal above is the expiry.
    let fresh = uclient(
        port,
        to_peer,
        &["-u", &fresh_user, "-w", &fresh_pass],
        &["-c"],
    );
    for (name, child, needle) in cases {
        let out = child.wait_with_output().unwrap();
        let t = text(&out);
        assert!(!out.status.success(), "{name}: uclient succeeded:\n{t}");
        assert!(
            t.contains(needle),
            "{name}: no {needle:?} in:\n{}",
            tail(&t, 10)
        );
    }
    let out = fresh.wait_with_output().unwrap();
    let t = text(&out);
    assert_eq!(
        totals(&t).map(|x| (x.lost, x.received)),
        Some((0, u64::from(2 * MSGS))),
        "{t}"
    );
    let log = server.output();
    assert!(
        log.contains("authentication failed"),
        "auth failures are logged:\n{log}"
    );
}

/// coturn's `turnserver` with long-term credentials or a REST secret, denying `DENIED_PEER`.
fn coturn(rest: bool) -> (Proc, u16) {
    let bin = require("turnserver");
    let port = free_port("127.0.0.1");
    let dir = std::env::temp_dir().join(format!("coturn-turn-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pid = dir.join("turnserver.pid");
    let p = port.to_string();
    let secret = format!("--static-auth-secret={SECRET}");
    let denied = format!("--denied-peer-ip={DENIED_PEER}");
    let mut args = vec![
        "-n",
        "--listening-ip=127.0.0.1",
        "--listening-port",
        &p,
        "--relay-ip=127.0.0.1",
        "-r",
        REALM,
        "--fingerprint",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--allow-loopback-peers",
        &denied,
        "--log-file=stdout",
        "--simple-log",
        "--pidfile",
        pid.to_str().unwrap(),
    ];
    if rest {
        args.extend_from_slice(&["--use-auth-secret", &secret]);
    } else {
        args.extend_from_slice(&["--lt-cred-mech", "-u", "user:pass"]);
    }
    let proc = Proc::start(bin.to_str().unwrap(), &args);
    wait_stun(
        format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(10),
    );
    (proc, port)
}

fn p2p_turn(port: u16, args: &[&str]) -> (i32, String, String) {
    let server = format!("127.0.0.1:{port}");
    let mut full = vec!["turn", server.as_str(), "--timeout", "10"];
    full.extend_from_slice(args);
    let out = run(p2p(), &full, 30);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
#[ignore = "interop: needs coturn (turnserver, turnutils_peer); run `cargo xtask test`"]
fn p2p_turn_relays_through_coturn_and_is_refused_where_it_should_be() {
    let (_lt, lt_port) = coturn(false);
    let (_rest, rest_port) = coturn(true);
    let (_peer, peer_port) = echo_peer("127.0.0.1");
    let (_denied, denied_port) = echo_peer(DENIED_PEER);
    let peer = format!("127.0.0.1:{peer_port}");
    for extra in [
        &[][..],
        &["--tcp"],
        &["--send-indication"],
        &["--tcp", "--send-indication"],
    ] {
        let mut args = vec!["--user", "user:pass", "--peer", &peer, "--count", "3"];
        args.extend_from_slice(extra);
        let (code, out, err) = p2p_turn(lt_port, &args);
        assert_eq!(code, 0, "{extra:?}: {out}{err}");
        let relayed = out
            .lines()
            .find_map(|l| l.strip_prefix("relayed "))
            .unwrap_or("");
        assert!(relayed.starts_with("127.0.0.1:"), "{extra:?}: {out}");
        let via = if extra.contains(&"--send-indication") {
            "via indication"
        } else {
            "via channel 0x4"
        };
        for i in 1..=3 {
            let line = format!("echo {i}: 23 bytes from {peer} {via}");
            assert!(out.contains(&line), "{extra:?}: no {line:?} in:\n{out}");
        }
    }
    let (code, out, err) = p2p_turn(
        rest_port,
        &["--user", "bob", "--rest-secret", SECRET, "--peer", &peer],
    );
    assert_eq!(code, 0, "REST: {out}{err}");
    assert!(
        out.contains(&format!("echo 1: 23 bytes from {peer}")),
        "{out}"
    );

    // Refusals: exit code 5 and the server's reason.
    let (code, _, err) = p2p_turn(lt_port, &["--user", "user:WRONG", "--peer", &peer]);
    assert_eq!(code, 5, "wrong password: {err}");
    assert!(err.contains("allocation refused: 401"), "{err}");
    let (code, _, err) = p2p_turn(
        rest_port,
        &[
            "--user",
            "bob",
            "--rest-secret",
            SECRET,
            "--rest-ttl",
            "-60",
            "--peer",
            &peer,
        ],
    );
    assert_eq!(code, 5, "expired REST credentials: {err}");
    assert!(err.contains("allocation refused: 401"), "{err}");
    let denied = format!("{DENIED_PEER}:{denied_port}");
    let (code, _, err) = p2p_turn(lt_port, &["--user", "user:pass", "--peer", &denied]);
    assert_eq!(code, 5, "denied peer: {err}");
    assert!(
        err.contains(&format!("peer {denied} refused: 403")),
        "{err}"
    );
}

#[test]
fn uclient_totals_are_parsed() {
    let out = "5: : start_mclient: tot_send_msgs=28, tot_recv_msgs=27\n\
               5: : start_mclient: tot_send_bytes ~ 2800, tot_recv_bytes ~ 2700\n\
               5: : Total lost packets 1 (3.571429%), total send dropped 0 (0.000000%)\n";
    let t = totals(out).unwrap();
    assert_eq!(
        t,
        Totals {
            sent: 28,
            received: 27,
            sent_bytes: 2800,
            received_bytes: 2700,
            lost: 1
        }
    );
    assert!(totals("ERROR: Cannot complete Allocation").is_none());
}
