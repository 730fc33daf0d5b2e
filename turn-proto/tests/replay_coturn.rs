//! Our TURN client's exchange with coturn's `turnserver`, captured once and replayed byte for
//! byte (issue 8, "Replayable machines").
//!
//! * `client_replays_coturn_capture` (plain `cargo test`, no peer): feeds coturn's captured
//!   datagrams into a fresh client at the captured times, with the captured entropy
//!   ([`sansio::ScriptedEntropy`]) so it draws the same transaction IDs, and checks that every
//!   datagram, event and result is the captured one.
//! * `capture_client_against_coturn` (`#[ignore]`, needs coturn): runs the client against a
//!   real `turnserver` on loopback, records the exchange, and replays the fresh capture.
//!   `REPLAY_WRITE_FIXTURES=1` also writes it to `tests/fixtures/` (see the README there).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod replay_common;

use netsim::replay::{hex, unhex, Capture, Datagrams, Recorder, RecordingEntropy};
use replay_common::{require, Proc, UdpDriver};
use sansio::{Carrier as _, Entropy, Instant, Path, ScriptCursor, ScriptedEntropy, SeededEntropy};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};

const FIXTURE: &str = "tests/fixtures/turn_client_coturn.txt";
const USER: &str = "user";
const PASS: &str = "pass";

type Client<E> = TurnClient<E, 4>;

fn client<E: Entropy>(server: Path, entropy: E) -> Client<E> {
    TurnClient::new(TurnClientConfig::new(server), USER, PASS, entropy).unwrap()
}

/// The commands of the capture, applied the same way when capturing and replaying.
fn apply<E: Entropy>(c: &mut Client<E>, now: Instant, cmd: &str, sent: &mut Datagrams) -> String {
    let mut words = cmd.split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some("allocate"), None, None) => format!("{:?}", c.allocate(now)),
        (Some("permission"), Some(ip), None) => {
            format!("{:?}", c.create_permission(now, ip.parse().unwrap()))
        }
        (Some("channel"), Some(peer), None) => {
            format!("{:?}", c.bind_channel(now, peer.parse().unwrap()))
        }
        (Some("refresh"), None, None) => format!("{:?}", c.refresh(now)),
        (Some("delete"), None, None) => format!("{:?}", c.delete(now)),
        (Some("send"), Some(peer), Some(data)) => {
            let mut out = [0u8; 1500];
            let r = c.send(now, peer.parse().unwrap(), &unhex(data).unwrap(), &mut out);
            if let Ok(t) = r {
                sent.push((t.path, out[..t.len].to_vec()));
            }
            format!("{r:?}")
        }
        _ => panic!("unknown command {cmd:?}"),
    }
}

/// Replay `cap` on a fresh client; panics with the first differing line.
fn replay(cap: &Capture) -> Vec<String> {
    let server = cap.sent().next().expect("the capture sent nothing").0;
    let cursor = ScriptCursor::new();
    let entropy = ScriptedEntropy::new(&cap.entropy, &cursor);
    let rec = cap
        .replay(client(*server, entropy), apply)
        .unwrap_or_else(|e| panic!("replay diverged from the capture: {e}"));
    assert_eq!(
        cursor.overrun(),
        0,
        "the client drew more entropy than captured"
    );
    assert_eq!(
        entropy.remaining(),
        0,
        "the client drew less entropy than captured"
    );
    assert!(
        rec.machine().relayed_address().is_none(),
        "deleted at the end"
    );
    cap.events().map(str::to_string).collect()
}

#[test]
fn client_replays_coturn_capture() {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let cap = Capture::parse(&text).unwrap();
    let events = replay(&cap);
    // The capture covers the whole life of an allocation.
    for want in [
        "Allocated",
        "PermissionCreated",
        "ChannelBound",
        "Refreshed",
        "Deleted",
    ] {
        assert!(
            events.iter().any(|e| e.starts_with(want)),
            "no {want} in {events:?}"
        );
    }
    // coturn's 401 and the data both ways are in it: the data came back as PeerData.
    let rets: Vec<&str> = cap
        .steps
        .iter()
        .filter_map(|s| match s {
            netsim::replay::Step::Ret(_, r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        rets.iter()
            .filter(|r| r.starts_with("Ok(Some(PeerData"))
            .count(),
        2,
        "{rets:?}"
    );
}

/// Run until an event matching `want` or fail after five seconds.
fn until<E: Entropy>(
    d: &mut UdpDriver,
    rec: &mut Recorder<Client<E>>,
    want: &str,
) -> Vec<TurnEvent> {
    d.until(rec, Duration::from_secs(5), |e: &TurnEvent| {
        format!("{e:?}").starts_with(want)
    })
}

#[test]
#[ignore = "needs coturn's turnserver (cargo xtask test installs it)"]
fn capture_client_against_coturn() {
    let bin = require("turnserver");
    let port = replay_common::free_udp_port();
    let p = port.to_string();
    let _coturn = Proc::start(
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
            "--fingerprint",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--allow-loopback-peers",
            "--log-file=stdout",
            "--simple-log",
        ],
    );
    let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    replay_common::wait_stun(server);

    // A peer that echoes what reaches it through the relay.
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer_addr = peer.local_addr().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        for _ in 0..2 {
            let (n, from) = peer.recv_from(&mut buf).unwrap();
            peer.send_to(&buf[..n], from).unwrap();
        }
    });

    let mut d = UdpDriver::new();
    let path = Path::udp(d.local(), server);
    let entropy = RecordingEntropy::new(SeededEntropy::new(d.seed()));
    let mut rec = Recorder::new(client(path, entropy.clone()));
    let peer_ip = peer_addr.ip();
    d.command(&mut rec, "allocate", apply);
    until(&mut d, &mut rec, "Allocated");
    d.command(&mut rec, &format!("permission {peer_ip}"), apply);
    until(&mut d, &mut rec, "PermissionCreated");
    d.command(
        &mut rec,
        &format!("send {peer_addr} {}", hex(b"via send")),
        apply,
    );
    d.until_ret(&mut rec, Duration::from_secs(5), "Ok(Some(PeerData");
    d.command(&mut rec, &format!("channel {peer_addr}"), apply);
    until(&mut d, &mut rec, "ChannelBound");
    d.command(
        &mut rec,
        &format!("send {peer_addr} {}", hex(b"via channel")),
        apply,
    );
    d.until_ret(&mut rec, Duration::from_secs(5), "Ok(Some(PeerData");
    d.command(&mut rec, "refresh", apply);
    until(&mut d, &mut rec, "Refreshed");
    d.command(&mut rec, "delete", apply);
    until(&mut d, &mut rec, "Deleted");
    echo.join().unwrap();

    let version = replay_common::package_version("coturn");
    let cap = rec.into_capture(
        entropy.drawn(),
        vec![
            "Our TurnClient (turn-proto) against coturn's turnserver on loopback, UDP,".into(),
            format!(
                "coturn {version}: turnserver --lt-cred-mech -u user:pass -r interop --fingerprint"
            ),
            "--allow-loopback-peers; the peer is a UDP echo socket of the test.".into(),
        ],
    );
    replay_common::finish(
        FIXTURE,
        cap,
        "-p turn-proto --test replay_coturn -- --ignored capture_client_against_coturn",
        |c| {
            replay(c);
        },
    );
}
