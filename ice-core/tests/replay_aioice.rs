//! Our ICE agent's session with aioice, captured once and replayed byte for byte (issue 8,
//! "Replayable machines").
//!
//! * `agent_replays_aioice_capture` (plain `cargo test`, no peer): feeds aioice's captured
//!   checks, responses and data into a fresh agent at the captured times, with the captured
//!   entropy ([`sansio::ScriptedEntropy`]: the same ufrag, pwd, tie-breaker and transaction
//!   IDs), and checks every check, response, data datagram, event and result is the captured
//!   one.
//! * `capture_agent_against_aioice` (`#[ignore]`, needs aioice in `target/interop-venv`):
//!   runs the agent (controlling) against aioice (controlled) on loopback, records, and
//!   replays the fresh capture. `REPLAY_WRITE_FIXTURES=1` also writes it to `tests/fixtures/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../../turn-proto/tests/replay_common/mod.rs"]
mod replay_common;

use ice_core::{IceAgent, IceConfig, IceCredentials, IceEvent, IceRole, IceState};
use netsim::replay::{hex, unhex, Capture, Datagrams, Recorder, RecordingEntropy, Step};
use replay_common::UdpDriver;
use sansio::{Carrier as _, Entropy, Instant, ScriptCursor, ScriptedEntropy, SeededEntropy};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const FIXTURE: &str = "tests/fixtures/ice_agent_aioice.txt";

type Agent<E> = IceAgent<E>;

fn agent<E: Entropy + Clone>(entropy: E) -> Agent<E> {
    IceAgent::new(IceConfig::default(), IceRole::Controlling, entropy)
}

/// The commands of the capture, applied the same way when capturing and replaying.
fn apply<E: Entropy + Clone>(
    a: &mut Agent<E>,
    now: Instant,
    cmd: &str,
    sent: &mut Datagrams,
) -> String {
    let (verb, rest) = cmd.split_once(' ').unwrap_or((cmd, ""));
    match verb {
        "host" => format!("{:?}", a.add_host(now, rest.parse().unwrap(), 65535)),
        "hosts_done" => format!("{:?}", a.hosts_done(now)),
        "remote_credentials" => {
            let (u, p) = rest.split_once(' ').unwrap();
            let creds = IceCredentials::new(u, p).unwrap();
            format!("{:?}", a.set_remote_credentials(now, creds, false))
        }
        "remote_candidate" => format!("{:?}", a.add_remote_candidate_line(now, rest)),
        "end_of_candidates" => format!("{:?}", a.end_of_remote_candidates(now)),
        "send" => {
            let mut out = [0u8; 1500];
            let r = a.send(now, (), &unhex(rest).unwrap(), &mut out);
            if let Ok(t) = r {
                sent.push((t.path, out[..t.len].to_vec()));
            }
            format!("{r:?}")
        }
        _ => panic!("unknown command {cmd:?}"),
    }
}

fn replay(cap: &Capture) {
    let cursor = ScriptCursor::new();
    let entropy = ScriptedEntropy::new(&cap.entropy, &cursor);
    let rec = cap
        .replay(agent(entropy), apply)
        .unwrap_or_else(|e| panic!("replay diverged from the capture: {e}"));
    assert_eq!(
        cursor.overrun(),
        0,
        "the agent drew more entropy than captured"
    );
    assert_eq!(
        entropy.remaining(),
        0,
        "the agent drew less entropy than captured"
    );
    assert_eq!(rec.machine().state(), IceState::Connected);
}

#[test]
fn agent_replays_aioice_capture() {
    let cap = Capture::parse(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    replay(&cap);
    let events: Vec<&str> = cap.events().collect();
    for want in ["Selected", "StateChanged(Connected)"] {
        assert!(events.iter().any(|e| e.starts_with(want)), "{events:?}");
    }
    // aioice's answer came up as data.
    let answer = format!("Ok(Some({:?}))", b"hello from aioice");
    assert!(
        cap.steps
            .iter()
            .any(|s| matches!(s, Step::Ret(_, r) if *r == answer)),
        "aioice's answer is not in the capture"
    );
}

fn python() -> String {
    let py = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/interop-venv/bin/python3"
    );
    let ok = Command::new(py)
        .args(["-c", "import aioice"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "INTEROP PEER MISSING: aioice is not importable by {py}. Run `cargo xtask test`, which \
         creates target/interop-venv with aioice. This test did NOT pass."
    );
    py.to_string()
}

fn lines(out: std::process::ChildStdout) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// Step the driver until aioice prints a line starting with `prefix`.
fn until_line<E: Entropy + Clone>(
    d: &mut UdpDriver,
    rec: &mut Recorder<Agent<E>>,
    rx: &Receiver<String>,
    prefix: &str,
) -> String {
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < end {
        d.step(rec);
        if let Ok(l) = rx.try_recv() {
            if l.starts_with(prefix) {
                return l;
            }
        }
    }
    panic!("aioice never printed {prefix:?}");
}

#[test]
#[ignore = "interop: needs aioice (PyPI) in target/interop-venv; run `cargo xtask test`"]
fn capture_agent_against_aioice() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aioice_lines.py");
    let mut child = Command::new("timeout")
        .args(["60", &python(), script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines(child.stdout.take().unwrap());
    let mut theirs = Vec::new();
    loop {
        let l = rx.recv_timeout(Duration::from_secs(20)).unwrap();
        if l == "end" {
            break;
        }
        theirs.push(l);
    }

    let mut d = UdpDriver::new();
    let entropy = RecordingEntropy::new(SeededEntropy::new(d.seed()));
    let mut rec = Recorder::new(agent(entropy.clone()));
    d.command(&mut rec, &format!("host {}", d.local()), apply);
    d.command(&mut rec, "hosts_done", apply);
    let c = rec.machine().local_credentials().clone();
    let mut ours = format!("ufrag {}\npwd {}\n", c.ufrag, c.pwd);
    for cand in rec.machine().local_candidates() {
        ours.push_str(&format!("{cand}\n"));
    }
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "{ours}end").unwrap();
    stdin.flush().unwrap();

    let get = |k: &str| {
        theirs
            .iter()
            .find_map(|l| l.strip_prefix(k))
            .unwrap()
            .to_string()
    };
    let creds = format!("remote_credentials {} {}", get("ufrag "), get("pwd "));
    d.command(&mut rec, &creds, apply);
    for l in theirs.iter().filter(|l| l.starts_with("candidate:")) {
        d.command(&mut rec, &format!("remote_candidate {l}"), apply);
    }
    d.command(&mut rec, "end_of_candidates", apply);
    d.until(&mut rec, Duration::from_secs(20), |e| {
        matches!(e, IceEvent::StateChanged(IceState::Connected))
    });
    until_line(&mut d, &mut rec, &rx, "connected");
    // aioice answers as soon as it has printed the line below: the answer may arrive (and be
    // handled) while we still wait for that line, so it is looked for from here on.
    let from = rec.steps().len();
    d.command(
        &mut rec,
        &format!("send {}", hex(b"hello from ice-core")),
        apply,
    );
    until_line(&mut d, &mut rec, &rx, "peer: hello from ice-core");
    d.until_ret_since(&mut rec, from, Duration::from_secs(10), "Ok(Some(");
    assert!(child.wait().unwrap().success(), "aioice failed");

    let version = Command::new(python())
        .args(["-c", "import aioice; print(aioice.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cap = rec.into_capture(
        entropy.drawn(),
        vec![
            "Our IceAgent (ice-core, controlling, one loopback UDP socket) against".into(),
            format!(
                "aioice {version} (controlled; tests/peers/aioice_lines.py), host candidates only."
            ),
        ],
    );
    replay_common::finish(
        FIXTURE,
        cap,
        "-p ice-core --test replay_aioice -- --ignored capture_agent_against_aioice",
        replay,
    );
}
