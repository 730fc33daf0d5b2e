//! `p2p turn-server` as an operator runs it: an external IP behind a 1:1 NAT, addresses
//! that are not on the host refused at start, a log file with JSON lines naming the user who
//! failed to authenticate, SIGHUP reloading users without dropping allocations, and
//! ALTERNATE-SERVER redirection. Loopback only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::turn::HeldTurn;
use common::{free_port, p2p, run, wait_stun, Proc};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// A UDP echo peer on loopback that runs until the test process ends.
fn echo_peer() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf) {
            let _ = s.send_to(&buf[..n], from);
        }
    });
    addr
}

fn listen_addr() -> String {
    format!("127.0.0.1:{}", free_port("127.0.0.1"))
}

/// A server on a fresh port with `extra` flags; its listening address.
fn server(extra: &[&str]) -> (Proc, String) {
    let listen = listen_addr();
    let mut args = vec![
        "turn-server",
        "--listen",
        &listen,
        "--realm",
        "test",
        "--allow-loopback-peers",
    ];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (p, listen)
}

fn p2p_run(args: &[&str]) -> (i32, String, String) {
    let out = run(p2p(), args, 30);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn turn(server: &str, user: &str, peer: SocketAddr) -> (i32, String, String) {
    p2p_run(&["turn", server, "--user", user, "--peer", &peer.to_string()])
}

#[test]
fn external_ip_is_announced_and_relays_still_work() {
    let peer = echo_peer();
    for external in ["198.18.0.7", "198.18.0.7/127.0.0.1"] {
        let (_s, listen) = server(&["--user", "alice:pw", "--external-ip", external]);
        let (code, out, err) = turn(&listen, "alice:pw", peer);
        assert_eq!(code, 0, "{external}: {err}");
        let relayed = out
            .lines()
            .find_map(|l| l.strip_prefix("relayed "))
            .unwrap();
        assert!(relayed.starts_with("198.18.0.7:"), "{external}: {out}");
        assert!(out.contains("echo 1:"), "{out}");
    }
    // Without it the relay's own address is announced.
    let (_s, listen) = server(&["--user", "alice:pw"]);
    let (code, out, err) = turn(&listen, "alice:pw", peer);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("relayed 127.0.0.1:"), "{out}");
    // A mapping to a relay IP the server does not have is a usage error.
    let (code, _, err) = p2p_run(&[
        "turn-server",
        "--user",
        "a:b",
        "--external-ip",
        "198.18.0.7/127.0.0.2",
    ]);
    assert_eq!((code, err.trim().lines().count()), (2, 1), "{err}");
}

#[test]
fn addresses_not_on_this_host_are_refused_at_start() {
    // 198.18.0.0/15 is on no interface here: binding fails, nothing is sent.
    let port = free_port("127.0.0.1");
    let cases = [
        vec![
            "--listen".to_string(),
            format!("127.0.0.1:{port}"),
            "--relay-ip".into(),
            "198.18.0.1".into(),
        ],
        vec![
            "--listen".to_string(),
            "198.18.0.1:3478".into(),
            "--relay-ip".into(),
            "127.0.0.1".into(),
        ],
    ];
    for extra in cases {
        let mut args = vec!["turn-server", "--user", "a:b"];
        args.extend(extra.iter().map(String::as_str));
        let out = run(p2p(), &args, 10);
        let err = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("p2p: error:"))
            .collect();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("198.18.0.1 is not an address of this host"),
            "{err}"
        );
        assert!(!err.contains("ready"), "it must not say ready: {err}");
    }
}

#[test]
fn json_log_file_names_the_user_who_failed() {
    let dir = std::env::temp_dir().join(format!("p2p-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("turn.log");
    let _ = std::fs::remove_file(&log);
    let log_s = log.to_str().unwrap();
    let (s, listen) = server(&[
        "--user",
        "alice:pw",
        "--log-file",
        log_s,
        "--log-format",
        "json",
    ]);
    let peer = echo_peer();
    let (code, _, _) = turn(&listen, "mallory:guess", peer);
    assert_eq!(code, 5);
    let (code, _, err) = turn(&listen, "alice:pw", peer);
    assert_eq!(code, 0, "{err}");
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !s.output().contains("TURN server ready"),
        "logs went to the file only"
    );
    assert!(text.lines().count() >= 3, "{text}");
    for line in text.lines() {
        assert!(
            line.starts_with('{') && line.ends_with('}'),
            "not JSON: {line}"
        );
    }
    let failed = text
        .lines()
        .find(|l| l.contains("authentication failed"))
        .unwrap_or_else(|| panic!("no failure line in {text}"));
    assert!(failed.contains("mallory"), "{failed}");
    assert!(text.contains("\"TURN server ready\""), "{text}");
}

#[test]
fn sighup_reloads_users_and_keeps_allocations() {
    let dir = std::env::temp_dir().join(format!("p2p-hup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("turn.toml");
    let listen = listen_addr();
    let base = format!("listen = [\"{listen}\"]\nrealm = \"test\"\nallow-loopback-peers = true\n");
    std::fs::write(&cfg, format!("{base}user = [\"alice:pw\"]\n")).unwrap();
    let mut s = Proc::start(p2p(), &["turn-server", "--config", cfg.to_str().unwrap()]);
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let peer = echo_peer();
    let mut held = HeldTurn::new(listen.parse().unwrap(), "alice", "pw");
    held.allocate().unwrap();
    assert!(held.echo(peer, b"before"));
    let (code, _, _) = turn(&listen, "bob:builder", peer);
    assert_eq!(code, 5, "bob is not a user yet");

    // Alice is removed, Bob added; a broken file first (it must change nothing).
    std::fs::write(&cfg, format!("{base}user = [\"bob:builder\"]\nbogus = 1\n")).unwrap();
    hup(&s);
    s.wait_for("the running one stays", Duration::from_secs(5));
    std::fs::write(&cfg, format!("{base}user = [\"bob:builder\"]\n")).unwrap();
    hup(&s);
    s.wait_for("configuration reloaded", Duration::from_secs(5));
    assert!(s.running(), "SIGHUP must not stop the server");
    assert!(held.echo(peer, b"after"), "the allocation still relays");
    let (code, out, err) = turn(&listen, "bob:builder", peer);
    assert_eq!(code, 0, "the new user works: {err}");
    assert!(out.contains("echo 1:"), "{out}");
    let (code, _, _) = turn(&listen, "alice:pw", peer);
    assert_eq!(code, 5, "a removed user cannot allocate again");
}

fn hup(p: &Proc) {
    let ok = std::process::Command::new("kill")
        .args(["-HUP", &p.pid().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn alternate_server_redirects_our_client() {
    let (_target, target) = server(&["--user", "alice:pw"]);
    let (_drain, drained) = server(&["--user", "alice:pw", "--alternate-server", &target]);
    let mut held = HeldTurn::new(drained.parse().unwrap(), "alice", "pw");
    let code = held.allocate().unwrap_err();
    assert_eq!(code.map(|c| c.code()), Some(300));
    assert!(held.events.iter().any(|e| matches!(
        e,
        turn_proto::client::TurnEvent::TryAlternate { server } if server.to_string() == target
    )));
    let peer = echo_peer();
    let (code, out, err) = turn(&drained, "alice:pw", peer);
    assert_eq!(code, 0, "p2p turn follows the redirect: {err}");
    assert!(out.contains(&format!("redirected to {target}")), "{out}");
    assert!(out.contains("echo 1:"), "{out}");
}

/// The shipped systemd unit loads (`systemd-analyze verify`, with ExecStart pointed at the
/// binary under test) and its hardening rates "OK" or better offline (exposure ≤ 2.0 of 10).
/// systemd is not running here: the unit is analysed, not started.
#[test]
fn systemd_unit_verifies_and_is_hardened() {
    let analyze = common::require("systemd-analyze");
    let unit = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/p2p-turn.service");
    let text = std::fs::read_to_string(unit).unwrap();
    assert!(
        text.contains("ExecReload=/bin/kill -HUP $MAINPID"),
        "reload is SIGHUP"
    );
    let dir = std::env::temp_dir().join(format!("p2p-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("p2p-turn.service");
    std::fs::write(&copy, text.replace("/usr/local/bin/p2p", p2p())).unwrap();
    let out = std::process::Command::new(&analyze)
        .args(["verify", copy.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success() && said.trim().is_empty(),
        "verify: {said}"
    );
    let out = std::process::Command::new(&analyze)
        .args(["security", "--offline=true", copy.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    let line = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no rating: {report}"));
    let score: f64 = line
        .split(':')
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read {line:?}"));
    assert!(score <= 2.0, "{line}");
}

/// coturn's client follows our 300: `turnutils_uclient` sent to a draining server relays
/// every message through the alternate, which holds its allocations.
#[test]
#[ignore = "interop: needs coturn (turnutils_uclient, turnutils_peer); run `cargo xtask test`"]
fn alternate_server_redirects_coturn_uclient() {
    let uclient = common::require("turnutils_uclient");
    let peer_bin = common::require("turnutils_peer");
    let (target_proc, target) = server(&["--user", "alice:pw"]);
    let (drain_proc, drained) = server(&["--user", "alice:pw", "--alternate-server", &target]);
    let peer_port = free_port("127.0.0.1").to_string();
    let _peer = Proc::start(
        peer_bin.to_str().unwrap(),
        &["-L", "127.0.0.1", "-p", &peer_port],
    );
    std::thread::sleep(Duration::from_millis(300));
    let drained_port = drained.rsplit(':').next().unwrap();
    let out = std::process::Command::new("timeout")
        .args([
            "60",
            uclient.to_str().unwrap(),
            "-p",
            drained_port,
            "-e",
            "127.0.0.1",
            "-r",
            &peer_port,
            "-u",
            "alice",
            "-w",
            "pw",
            "-n",
            "20",
            "-m",
            "1",
            "-c",
            "127.0.0.1",
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let number = |key: &str| common::last_number_after(&text, key);
    let (sent, received) = (number("tot_send_msgs="), number("tot_recv_msgs="));
    assert!(
        out.status.success() && sent == Some(20) && received == Some(20),
        "sent {sent:?} received {received:?}\n{}",
        text.lines().rev().take(15).collect::<Vec<_>>().join("\n")
    );
    assert!(
        target_proc.output().contains("allocation created"),
        "the alternate allocated"
    );
    assert!(
        !drain_proc.output().contains("allocation created"),
        "the drained node did not"
    );
}

/// `--relay-threads 2`: clients spread over both threads (their relay ports fall in both
/// halves of the range), every one relays, TCP works (first thread), the metrics endpoint
/// sums both, a SIGHUP reaches both, and a per-user quota without Redis is refused.
#[test]
fn relay_threads_spread_clients_and_sum_metrics() {
    let dir = std::env::temp_dir().join(format!("p2p-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("turn.toml");
    let listen = listen_addr();
    let metrics = listen_addr();
    let base = format!(
        "listen = [\"{listen}\"]\nrealm = \"test\"\nallow-loopback-peers = true\n\
         relay-threads = 2\nmin-port = 50000\nmax-port = 50999\nmetrics = \"{metrics}\"\n"
    );
    std::fs::write(&cfg, format!("{base}user = [\"alice:pw\"]\n")).unwrap();
    let s = Proc::start(p2p(), &["turn-server", "--config", cfg.to_str().unwrap()]);
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    s.wait_for("relay_threads=2", Duration::from_secs(5));
    let peer = echo_peer();
    let mut held = Vec::new();
    let mut halves = [0, 0];
    for i in 0..16 {
        let mut h = HeldTurn::new(listen.parse().unwrap(), "alice", "pw");
        let relay = h.allocate().unwrap();
        halves[usize::from(relay.port() >= 50500)] += 1;
        assert!(h.echo(peer, format!("client {i}").as_bytes()), "client {i}");
        held.push(h);
    }
    assert!(
        halves[0] > 0 && halves[1] > 0,
        "both threads serve: {halves:?}"
    );
    let log = s.output();
    assert!(log.contains("shard=0") && log.contains("shard=1"), "{log}");
    let (code, _, err) = p2p_run(&[
        "turn",
        &listen,
        "--tcp",
        "--user",
        "alice:pw",
        "--peer",
        &peer.to_string(),
    ]);
    assert_eq!(code, 0, "TCP: {err}");
    std::thread::sleep(Duration::from_millis(700)); // the second thread's metrics refresh
    let allocations = common::attack::metric(&metrics, "turn_allocations");
    assert_eq!(allocations, 16, "summed over both threads");
    // A reload reaches both threads: a new user works wherever the kernel puts it.
    std::fs::write(&cfg, format!("{base}user = [\"alice:pw\", \"bob:pw2\"]\n")).unwrap();
    hup(&s);
    std::thread::sleep(Duration::from_millis(300));
    let mut bob_halves = [0, 0];
    for _ in 0..16 {
        let mut h = HeldTurn::new(listen.parse().unwrap(), "bob", "pw2");
        let relay = h.allocate().expect("bob after the reload");
        bob_halves[usize::from(relay.port() >= 50500)] += 1;
        held.push(h); // kept, so that every client has its own port
    }
    assert!(bob_halves[0] > 0 && bob_halves[1] > 0, "{bob_halves:?}");
    // A per-user quota across threads needs Redis.
    let (code, _, err) = p2p_run(&[
        "turn-server",
        "--user",
        "a:b",
        "--relay-threads",
        "2",
        "--user-quota",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--redis"), "{err}");
}
