//! coturn's `turnutils_uclient` against our TURN server, captured once and replayed byte for
//! byte (issue 8, "Replayable machines").
//!
//! * `server_replays_uclient_capture` (plain `cargo test`, no peer): feeds uclient's and the
//!   echo peer's captured datagrams into a fresh server at the captured times, with the
//!   captured entropy ([`sansio::ScriptedEntropy`]: the same table seeds and nonce secret, so
//!   the same NONCE at the same virtual times), and checks every response, relayed datagram,
//!   event and result is the captured one.
//! * `capture_uclient_against_server` (`#[ignore]`, needs coturn's tools): runs the server
//!   on loopback sockets against `turnutils_uclient` and `turnutils_peer`, records, and replays
//!   the fresh capture. `REPLAY_WRITE_FIXTURES=1` also writes it to `tests/fixtures/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod replay_common;

use core::time::Duration;
use netsim::replay::{Capture, Datagrams, Recorder, RecordingEntropy, Step};
use replay_common::{require, Proc, UdpDriver};
use sansio::{Entropy, Instant, ScriptCursor, ScriptedEntropy, SeededEntropy};
use stun_proto::auth::UserTable;
use turn_proto::server::{
    HeapTables, PeerFilter, RelayRequestId, ServerEvent, TurnAuth, TurnConfig, TurnServer,
};

const FIXTURE: &str = "tests/fixtures/turn_server_uclient.txt";
const REALM: &str = "interop";

type Server<E> = TurnServer<UserTable, E, HeapTables>;

/// The server of the capture; draws its auth secret, then its table seeds, from `entropy`.
fn server<E: Entropy>(mut entropy: E) -> Server<E> {
    let users = UserTable::with_users(REALM, [("user", "pass")]);
    let auth = TurnAuth::new(REALM, users, Duration::from_secs(600), &mut entropy).unwrap();
    let config = TurnConfig {
        peer_filter: PeerFilter::new().allow_loopback().unwrap(),
        ..TurnConfig::default()
    };
    TurnServer::new(config, auth, entropy)
}

/// The one command: `relay ID ADDR`, the relay socket the driver opened for request `ID`.
fn apply<E: Entropy>(s: &mut Server<E>, now: Instant, cmd: &str, _: &mut Datagrams) -> String {
    let mut w = cmd.split(' ');
    match (w.next(), w.next(), w.next()) {
        (Some("relay"), Some(id), Some(addr)) => {
            let id = RelayRequestId(id.parse().unwrap());
            format!(
                "{}",
                s.relay_allocated(now, id, addr.parse().unwrap(), None)
            )
        }
        _ => panic!("unknown command {cmd:?}"),
    }
}

fn replay(cap: &Capture) {
    let cursor = ScriptCursor::new();
    let entropy = ScriptedEntropy::new(&cap.entropy, &cursor);
    cap.replay(server(entropy), apply)
        .unwrap_or_else(|e| panic!("replay diverged from the capture: {e}"));
    assert_eq!(
        cursor.overrun(),
        0,
        "the server drew more entropy than captured"
    );
    assert_eq!(
        entropy.remaining(),
        0,
        "the server drew less entropy than captured"
    );
}

#[test]
fn server_replays_uclient_capture() {
    let cap = Capture::parse(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    replay(&cap);
    let events: Vec<&str> = cap.events().collect();
    for want in ["AllocateRelay", "AllocationCreated"] {
        assert!(events.iter().any(|e| e.starts_with(want)), "{events:?}");
    }
    // uclient's messages reached its echo peer through the relay and came back: datagrams
    // out of the relay socket, and the echoes into it.
    let relays: Vec<std::net::SocketAddr> = cap
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Cmd(_, c) => c.split(' ').nth(2).map(|a| a.parse().unwrap()),
            _ => None,
        })
        .collect();
    assert!(!relays.is_empty(), "no relay was granted");
    let to_peer = cap
        .sent()
        .filter(|(p, _)| relays.contains(&p.local))
        .count();
    let from_peer = cap
        .steps
        .iter()
        .filter(|s| matches!(s, Step::In(_, p, _) if relays.contains(&p.local)))
        .count();
    assert!(
        to_peer >= 5 && from_peer >= 5,
        "{to_peer} out, {from_peer} back"
    );
}

#[test]
#[ignore = "needs coturn's turnutils_uclient and turnutils_peer (cargo xtask test installs them)"]
fn capture_uclient_against_server() {
    let uclient = require("turnutils_uclient");
    let peer_bin = require("turnutils_peer");
    let peer_port = replay_common::free_udp_port().to_string();
    let _peer = Proc::start(
        peer_bin.to_str().unwrap(),
        &["-L", "127.0.0.1", "-p", &peer_port],
    );

    let mut d = UdpDriver::new();
    let listen = d.local();
    let entropy = RecordingEntropy::new(SeededEntropy::new(d.seed()));
    let mut rec = Recorder::new(server(entropy.clone()));
    let port = listen.port().to_string();
    let args = [
        "-c",
        "-n",
        "5",
        "-m",
        "1",
        "-l",
        "100",
        "-z",
        "5",
        "-u",
        "user",
        "-w",
        "pass",
        "-e",
        "127.0.0.1",
        "-r",
        &peer_port,
        "-p",
        &port,
        "127.0.0.1",
    ];
    let mut client = std::process::Command::new("timeout")
        .arg("30")
        .arg(uclient.to_str().unwrap())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(30);
    while client.try_wait().unwrap().is_none() && std::time::Instant::now() < end {
        for ev in d.step(&mut rec) {
            if let ServerEvent::AllocateRelay(r) = ev {
                let relay = d.bind();
                d.command(&mut rec, &format!("relay {} {relay}", r.id.0), apply);
            }
        }
    }
    let out = client.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "uclient failed:\n{text}");
    assert!(
        text.contains("Total lost packets 0"),
        "uclient lost packets:\n{text}"
    );

    let version = replay_common::package_version("coturn");
    let cap = rec.into_capture(
        entropy.drawn(),
        vec![
            "Our TurnServer (turn-proto, sans-IO, over loopback UDP sockets of the test) against"
                .into(),
            format!(
                "coturn {version}: turnutils_uclient {} (peer: turnutils_peer).",
                args.join(" ")
            ),
        ],
    );
    replay_common::finish(
        FIXTURE,
        cap,
        "-p turn-proto --test replay_uclient -- --ignored capture_uclient_against_server",
        replay,
    );
}
