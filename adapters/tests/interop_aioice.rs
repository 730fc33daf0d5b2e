//! ICE interop with aioice (PyPI) on loopback: our `p2p ice` and aioice exchange their ICE1
//! lines through this test, connect, and exchange a datagram each way — in both roles, with
//! both starting controlling (a role conflict), across an ICE restart, and relay-only
//! through a TURN relay (coturn's `turnserver` and `p2p turn-server`). aioice through a STUN
//! server behind a real NAT is in `netns_nat.rs`.
//!
//! `#[ignore]`d: `cargo xtask test` installs aioice into `target/interop-venv` and runs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

fn python() -> String {
    let py = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/interop-venv/bin/python3"
        )
        .to_string()
    });
    let ok = Command::new(&py)
        .args(["-c", "import aioice"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "INTEROP PEER MISSING: aioice is not importable by {py}. Run `cargo xtask test`, which \
         creates target/interop-venv with aioice. This test did NOT pass."
    );
    py
}

struct Peer {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    name: &'static str,
}

impl Peer {
    fn spawn(name: &'static str, program: &str, args: &[&str]) -> Peer {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Peer {
            child,
            lines,
            seen: Vec::new(),
            name,
        }
    }

    fn expect(&mut self, prefix: &str, limit: Duration) -> String {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "{} never printed {prefix:?}; it printed {:#?}",
            self.name, self.seen
        );
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One connection between `p2p ice` (with `ours` extra arguments) and aioice (with
/// `theirs`), then a datagram each way; returns both peers and the `connected:` line of ours.
fn connect(ours: &[&str], theirs: &[&str]) -> (Peer, Peer, String) {
    let py = python();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aioice_peer.py");
    let mut args = vec!["ice", "--host", "127.0.0.1", "--timeout", "40"];
    args.extend_from_slice(ours);
    let mut ours = Peer::spawn("p2p ice", common::p2p(), &args);
    let mut their_args = vec![script];
    their_args.extend_from_slice(theirs);
    let mut theirs = Peer::spawn("aioice", &py, &their_args);
    let t = Duration::from_secs(30);
    let our_line = ours.expect("ICE1 ", t);
    let their_line = theirs.expect("ICE1 ", t);
    ours.send(&their_line);
    theirs.send(&our_line);
    let connected = ours.expect("connected: ", t);
    theirs.expect("connected", t);
    ours.send("hello from p2p");
    assert_eq!(theirs.expect("peer: ", t), "peer: hello from p2p");
    assert_eq!(ours.expect("peer: ", t), "peer: hello from aioice");
    (ours, theirs, connected)
}

fn session(ours_controlled: bool) {
    let (their_role, ours) = if ours_controlled {
        ("controlling", &["--controlled", "--exit-after", "1"][..])
    } else {
        ("controlled", &["--exit-after", "1"][..])
    };
    let (mut ours, _theirs, connected) = connect(ours, &[their_role]);
    assert!(connected.contains("127.0.0.1"), "{connected}");
    let status = ours.child.wait().unwrap();
    assert!(status.success(), "p2p ice exited with {status}");
}

#[test]
#[ignore = "interop: needs aioice (PyPI); run `cargo xtask test`"]
fn p2p_ice_controlled_against_aioice_controlling() {
    session(true);
}

#[test]
#[ignore = "interop: needs aioice (PyPI); run `cargo xtask test`"]
fn p2p_ice_controlling_against_aioice_controlled() {
    session(false);
}

#[test]
#[ignore = "interop: needs aioice (PyPI); run `cargo xtask test`"]
fn role_conflict_both_controlling_ends_with_one_controlled_side() {
    // Both start controlling (RFC 8445 §7.3.1.1): the tie-breakers decide, and exactly one
    // side ends controlled, whichever it is.
    let (ours, theirs, _) = connect(&[], &["controlling"]);
    let their_role = theirs
        .seen
        .iter()
        .find(|l| l.starts_with("role: "))
        .cloned()
        .unwrap_or_default();
    let ours_switched = ours.seen.iter().any(|l| l == "role: controlled");
    let their_controlled = their_role == "role: controlled";
    assert!(
        ours_switched != their_controlled,
        "roles did not end up different: ours switched = {ours_switched}, aioice {their_role}; \
         p2p printed {:#?}",
        ours.seen
    );
}

#[test]
#[ignore = "interop: needs aioice (PyPI); run `cargo xtask test`"]
fn ice_restart_against_aioice_keeps_data_flowing() {
    // After a first exchange, `/restart` on our side; aioice's side of a restart is a new
    // agent with new credentials and candidates (aioice has no restart of its own). Data
    // flows on the old pair until the new one is selected, then on the new one.
    let (mut ours, mut theirs, _) = connect(&[], &["controlled", "--rounds", "2"]);
    let t = Duration::from_secs(30);
    let their_new = theirs.expect("ICE1 ", t);
    ours.send("/restart");
    let our_new = ours.expect("ICE1 ", t);
    // Before the peer's new line arrives the old pair still carries our data.
    ours.send("on the old pair");
    assert_eq!(theirs.expect("old peer: ", t), "old peer: on the old pair");
    assert_eq!(ours.expect("peer: ", t), "peer: old pair from aioice");
    theirs.send(&our_new);
    ours.send(&their_new);
    ours.expect("connected: ", t);
    theirs.expect("connected", t);
    ours.send("hello again from p2p");
    assert_eq!(theirs.expect("peer: ", t), "peer: hello again from p2p");
    assert_eq!(ours.expect("peer: ", t), "peer: hello again from aioice");
}

/// `p2p turn-server` on loopback with user `user:pass`.
fn p2p_turn_server() -> (common::Proc, String) {
    let port = common::free_port("127.0.0.1");
    let listen = format!("127.0.0.1:{port}");
    let server = common::Proc::start(
        common::p2p(),
        &[
            "turn-server",
            "--listen",
            &listen,
            "--relay-ip",
            "127.0.0.1",
            "--realm",
            "interop",
            "--user",
            "user:pass",
            "--allow-loopback-peers",
        ],
    );
    common::wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (server, listen)
}

/// coturn's `turnserver` on loopback with user `user:pass`.
fn coturn() -> (common::Proc, String) {
    let bin = common::require("turnserver");
    let port = common::free_port("127.0.0.1");
    let p = port.to_string();
    let dir = std::env::temp_dir().join(format!("coturn-aioice-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pid = dir.join("turnserver.pid");
    let server = common::Proc::start(
        bin.to_str().unwrap(),
        &[
            "-n",
            "--listening-ip=127.0.0.1",
            "--listening-port",
            &p,
            "--relay-ip=127.0.0.1",
            "--lt-cred-mech",
            "-u",
            "user:pass",
            "-r",
            "interop",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--allow-loopback-peers",
            "--log-file=stdout",
            "--simple-log",
            "--pidfile",
            pid.to_str().unwrap(),
        ],
    );
    let listen = format!("127.0.0.1:{port}");
    common::wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (server, listen)
}

/// Both agents relay-only through `server`: the selected pair is relayed on both ends,
/// and data crosses the relay both ways.
fn through_relay(server: &str) {
    let (_ours, _theirs, connected) = connect(
        &["--turn", server, "--turn-user", "user:pass", "--relay-only"],
        &[
            "controlled",
            "--turn",
            server,
            "--turn-user",
            "user",
            "--turn-pass",
            "pass",
            "--relay-only",
        ],
    );
    assert!(
        connected.contains("(Relayed) ->") && connected.ends_with("(Relayed)"),
        "not relayed on both ends: {connected}"
    );
}

#[test]
#[ignore = "interop: needs aioice (PyPI) and coturn; run `cargo xtask test`"]
fn aioice_and_p2p_ice_through_a_coturn_relay() {
    let (_server, addr) = coturn();
    through_relay(&addr);
}

#[test]
#[ignore = "interop: needs aioice (PyPI); run `cargo xtask test`"]
fn aioice_and_p2p_ice_through_a_p2p_turn_server_relay() {
    let (_server, addr) = p2p_turn_server();
    through_relay(&addr);
}
