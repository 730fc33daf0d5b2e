//! ICE interop with aioice (PyPI), in both roles, on loopback: our `p2p ice` and aioice
//! exchange their ICE1 lines through this test, connect, and exchange a datagram each way.
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

fn session(ours_controlled: bool) {
    let py = python();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aioice_peer.py");
    let their_role = if ours_controlled {
        "controlling"
    } else {
        "controlled"
    };
    let mut args = vec![
        "ice",
        "--host",
        "127.0.0.1",
        "--exit-after",
        "1",
        "--timeout",
        "30",
    ];
    if ours_controlled {
        args.push("--controlled");
    }
    let mut ours = Peer::spawn("p2p ice", common::p2p(), &args);
    let mut theirs = Peer::spawn("aioice", &py, &[script, their_role]);
    let t = Duration::from_secs(20);
    let our_line = ours.expect("ICE1 ", t);
    let their_line = theirs.expect("ICE1 ", t);
    ours.send(&their_line);
    theirs.send(&our_line);
    let connected = ours.expect("connected: ", t);
    assert!(connected.contains("127.0.0.1"), "{connected}");
    theirs.expect("connected", t);
    ours.send("hello from p2p");
    assert_eq!(theirs.expect("peer: ", t), "peer: hello from p2p");
    assert_eq!(ours.expect("peer: ", t), "peer: hello from aioice");
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
