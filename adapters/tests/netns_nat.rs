//! Across real Linux NAT: network namespaces this test creates (see `netns/mod.rs`), nftables
//! `masquerade` (port-preserving), `masquerade random`, and `masquerade` with a forwarded
//! port, with STUN and TURN servers on the lab's "internet".
//!
//! * `p2p stun --nat-behavior` names each kernel NAT's mapping and filtering behaviour, within
//!   its default 10 s timeout.
//! * Two `p2p ice` agents behind two NATs: a direct pair where both NATs keep ports, a
//!   relayed pair where both pick random ports; data both ways.
//! * aioice behind one NAT, `p2p ice` behind the other, both learning server-reflexive
//!   candidates from `p2p stun-server`: connected, data both ways.
//!
//! Needs root (namespaces) and nftables: `#[ignore]`d so plain `cargo test` stays fast,
//! `cargo xtask test` installs nftables and runs them; without them they fail with
//! `INTEROP PEER MISSING`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod netns;

use netns::{Lab, LinePeer, Nat};
use std::process::Child;
use std::time::{Duration, Instant};

/// The lab's STUN server (RFC 5780: 198.18.0.1:3478 and 198.18.0.2:3479) and TURN server
/// (198.18.0.2:3490, user `user:pass`), started in its internet namespace.
struct Servers {
    children: Vec<Child>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn servers(lab: &Lab, turn: bool) -> Servers {
    let quiet = |mut c: std::process::Command| {
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // Held in `Servers` at once, so that a panic below still kills them.
    let mut servers = Servers {
        children: Vec::new(),
    };
    servers.children.push(quiet(Lab::command(
        &lab.internet,
        common::p2p(),
        &[
            "stun-server",
            "--listen",
            "198.18.0.1:3478",
            "--alternate",
            "198.18.0.2:3479",
        ],
    )));
    if turn {
        servers.children.push(quiet(Lab::command(
            &lab.internet,
            common::p2p(),
            &[
                "turn-server",
                "--listen",
                "198.18.0.2:3490",
                "--relay-ip",
                "198.18.0.2",
                "--realm",
                "lab",
                "--user",
                "user:pass",
                // The lab's public addresses are in 198.18.0.0/15, a special-purpose range
                // the peer filter denies by default.
                "--allowed-peer-ip",
                "198.18.0.0/15",
            ],
        )));
    }
    // Wait until the servers answer Binding requests from inside the lab.
    let deadline = Instant::now() + Duration::from_secs(10);
    let addrs: &[&str] = if turn {
        &["198.18.0.1:3478", "198.18.0.2:3490"]
    } else {
        &["198.18.0.1:3478"]
    };
    for addr in addrs {
        loop {
            let out = Lab::run(
                &lab.internet,
                common::p2p(),
                &["stun", addr, "--timeout", "1"],
                5,
            );
            if out.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{addr} never answered in the lab"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    servers
}

/// `p2p stun --nat-behavior` from behind `nat`: the three lines it prints and how long it took.
fn nat_behavior(nat: Nat) -> (Vec<String>, Duration) {
    let mut lab = Lab::new();
    let site = lab.add_site(1, nat);
    let _servers = servers(&lab, false);
    let local = format!("{}:40000", site.host);
    let start = Instant::now();
    // The default --timeout (10 s): the verdict must come within it.
    let out = Lab::run(
        &site.lan,
        common::p2p(),
        &[
            "stun",
            "--nat-behavior",
            "--local",
            &local,
            "198.18.0.1:3478",
        ],
        30,
    );
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{nat:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (stdout.lines().map(str::to_string).collect(), took)
}

#[test]
#[ignore = "interop: needs root and nftables (cargo xtask test installs nftables)"]
fn nat_behavior_names_linux_masquerade() {
    let (lines, took) = nat_behavior(Nat::Masquerade);
    assert_eq!(
        lines,
        [
            "mapped address: 198.18.1.2:40000",
            "mapping behavior: endpoint-independent",
            "filtering behavior: address-and-port-dependent",
        ],
        "port-preserving masquerade, conntrack filtering"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
#[ignore = "interop: needs root and nftables (cargo xtask test installs nftables)"]
fn nat_behavior_names_linux_masquerade_random() {
    let (lines, took) = nat_behavior(Nat::MasqueradeRandom);
    assert!(
        lines[0].starts_with("mapped address: 198.18.1.2:"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1..],
        [
            "mapping behavior: address-and-port-dependent",
            "filtering behavior: address-and-port-dependent",
        ],
        "a random port per destination"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
#[ignore = "interop: needs root and nftables (cargo xtask test installs nftables)"]
fn nat_behavior_names_a_forwarded_port_as_endpoint_independent_filtering() {
    let (lines, _) = nat_behavior(Nat::MasqueradeForwarding(40000));
    assert_eq!(
        lines,
        [
            "mapped address: 198.18.1.2:40000",
            "mapping behavior: endpoint-independent",
            "filtering behavior: endpoint-independent",
        ]
    );
}

/// `p2p ice` in `lan` with the lab's STUN and TURN servers.
fn p2p_ice(lan: &str, host: std::net::IpAddr, extra: &[&str]) -> LinePeer {
    let host = host.to_string();
    let mut args = vec![
        "ice",
        "--host",
        &host,
        "--stun",
        "198.18.0.1:3478",
        "--turn",
        "198.18.0.2:3490",
        "--turn-user",
        "user:pass",
        "--timeout",
        "30",
    ];
    args.extend_from_slice(extra);
    LinePeer::spawn("p2p ice", Lab::command(lan, common::p2p(), &args))
}

/// Exchange the two ICE1 lines, wait for both `connected:` lines, then a message each way;
/// returns the `connected:` line of `a`.
fn connect_and_talk(a: &mut LinePeer, b: &mut LinePeer, b_greets: &str) -> String {
    let t = Duration::from_secs(30);
    let (la, lb) = (a.expect("ICE1 ", t), b.expect("ICE1 ", t));
    a.send(&lb);
    b.send(&la);
    let connected = a.expect("connected: ", t);
    b.expect("connected", t);
    a.send("hello across the NATs");
    assert_eq!(b.expect("peer: ", t), "peer: hello across the NATs");
    if b.name == "p2p ice" {
        b.send(b_greets);
    }
    assert_eq!(a.expect("peer: ", t), format!("peer: {b_greets}"));
    connected
}

fn across_two_nats(nat: Nat) -> String {
    let mut lab = Lab::new();
    let (sa, sb) = (lab.add_site(1, nat), lab.add_site(2, nat));
    let _servers = servers(&lab, true);
    let mut a = p2p_ice(&sa.lan, sa.host, &[]);
    let mut b = p2p_ice(&sb.lan, sb.host, &["--controlled"]);
    connect_and_talk(&mut a, &mut b, "hello back")
}

#[test]
#[ignore = "interop: needs root and nftables (cargo xtask test installs nftables)"]
fn p2p_ice_goes_direct_across_two_port_preserving_linux_nats() {
    let connected = across_two_nats(Nat::Masquerade);
    // Both NATs keep ports and conntrack admits the peer once we have sent to it: hole
    // punching works, so the pair is direct (no relay on either end).
    assert!(!connected.contains("Relayed"), "{connected}");
    assert!(connected.contains("198.18.2.2:"), "to B's NAT: {connected}");
}

#[test]
#[ignore = "interop: needs root and nftables (cargo xtask test installs nftables)"]
fn p2p_ice_relays_across_two_random_port_linux_nats() {
    let connected = across_two_nats(Nat::MasqueradeRandom);
    // Each NAT picks a new port per destination and filters by address and port: no direct
    // pair can work, one end is the TURN relay.
    assert!(connected.contains("Relayed"), "{connected}");
}

#[test]
#[ignore = "interop: needs root, nftables and aioice (cargo xtask test installs them)"]
fn aioice_behind_linux_nat_with_stun_against_p2p_ice_behind_another() {
    let py = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/interop-venv/bin/python3"
        )
        .to_string()
    });
    let ok = std::process::Command::new(&py)
        .args(["-c", "import aioice"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "INTEROP PEER MISSING: aioice is not importable by {py}. Run `cargo xtask test`. \
         This test did NOT pass."
    );
    let mut lab = Lab::new();
    let (sa, sb) = (
        lab.add_site(1, Nat::Masquerade),
        lab.add_site(2, Nat::Masquerade),
    );
    let _servers = servers(&lab, false);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aioice_peer.py");
    let host = sb.host.to_string();
    let mut theirs = LinePeer::spawn(
        "aioice",
        Lab::command(
            &sb.lan,
            &py,
            &[
                script,
                "controlled",
                "--host",
                &host,
                "--stun",
                "198.18.0.1:3478",
            ],
        ),
    );
    let ours_host = sa.host.to_string();
    let mut ours = LinePeer::spawn(
        "p2p ice",
        Lab::command(
            &sa.lan,
            common::p2p(),
            &[
                "ice",
                "--host",
                &ours_host,
                "--stun",
                "198.18.0.1:3478",
                "--timeout",
                "30",
            ],
        ),
    );
    // aioice offers its server-reflexive candidate (its NAT's address).
    let t = Duration::from_secs(30);
    let their_line = theirs.expect("ICE1 ", t);
    let blob = their_line.trim_start_matches("ICE1 ");
    let text = String::from_utf8(base64_decode(blob)).unwrap();
    assert!(
        text.contains("198.18.2.2") && text.contains("typ srflx"),
        "aioice gathered no server-reflexive candidate: {text}"
    );
    let our_line = ours.expect("ICE1 ", t);
    ours.send(&their_line);
    theirs.send(&our_line);
    let connected = ours.expect("connected: ", t);
    theirs.expect("connected", t);
    assert!(
        connected.contains("198.18.2.2:"),
        "to aioice's NAT: {connected}"
    );
    ours.send("hello from p2p");
    assert_eq!(theirs.expect("peer: ", t), "peer: hello from p2p");
    assert_eq!(ours.expect("peer: ", t), "peer: hello from aioice");
}

/// Standard base64 (the ICE1 line's encoding), decoded without a dependency.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            n |= u32::from(*v) << (18 - 6 * i);
        }
        let take = chunk.len() * 6 / 8;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    out
}

#[test]
fn base64_decoding_matches_the_standard() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
