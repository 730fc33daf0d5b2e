//! Two `p2p turn-server`s sharing one `redis-server` (started here, on loopback): a user
//! added in Redis (coturn's layout) works on both, a user quota of 2 holds across both, REST
//! secrets come from Redis, usage is published, garbage is skipped and counted, and a Redis
//! restart is survived (the users loaded last keep working, unknown ones are never let in).
//!
//! `#[ignore]`d: needs `redis-server` and `redis-cli` (Debian package redis-server, which
//! `cargo xtask test` installs); a missing peer fails loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::turn::HeldTurn;
use common::{free_port, p2p, require, run, wait_stun, Proc};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REALM: &str = "fleet";

struct Redis {
    port: u16,
    proc: Option<Proc>,
}

impl Redis {
    fn start(port: u16, dir: PathBuf) -> Redis {
        let bin = require("redis-server");
        let proc = Proc::start(
            bin.to_str().unwrap(),
            &[
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.to_str().unwrap(),
            ],
        );
        let r = Redis {
            port,
            proc: Some(proc),
        };
        let start = Instant::now();
        while r.cli(&["PING"]) != "PONG" {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    fn cli(&self, args: &[&str]) -> String {
        let bin = require("redis-cli");
        let mut full = vec!["-p".to_string(), self.port.to_string()];
        full.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let out = run(bin.to_str().unwrap(), &refs, 10);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Save to disk and stop, as an operator's restart does.
    fn stop(&mut self) {
        self.cli(&["SHUTDOWN", "SAVE"]);
        let mut p = self.proc.take().unwrap();
        let start = Instant::now();
        while p.running() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn key_hex(user: &str, pass: &str) -> String {
    let k = stun_proto::auth::long_term_key_md5(user.as_bytes(), REALM.as_bytes(), pass.as_bytes());
    k.iter().map(|b| format!("{b:02x}")).collect()
}

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

struct Node {
    proc: Proc,
    listen: String,
    metrics: String,
}

fn node(name: &str, redis_port: u16) -> Node {
    node_with(name, redis_port, "1")
}

/// A node with `threads` relay threads (each a fleet member of its own).
fn node_with(name: &str, redis_port: u16, threads: &str) -> Node {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let url = format!("redis://127.0.0.1:{redis_port}/0");
    let proc = Proc::start(
        p2p(),
        &[
            "turn-server",
            "--listen",
            &listen,
            "--realm",
            REALM,
            "--redis",
            &url,
            "--server-name",
            name,
            "--user-quota",
            "2",
            "--allow-loopback-peers",
            "--metrics",
            &metrics,
            "--redis-sync-interval",
            "1",
            "--relay-threads",
            threads,
        ],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    proc.wait_for("Redis reachable", Duration::from_secs(10));
    Node {
        proc,
        listen,
        metrics,
    }
}

fn metric(addr: &str, name: &str) -> u64 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body.lines()
        .find(|l| l.starts_with(name) && l.as_bytes().get(name.len()) == Some(&b' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

/// Wait until `metric` on every node is `want`.
fn wait_metric(nodes: &[&Node], name: &str, want: u64) {
    let start = Instant::now();
    while nodes.iter().any(|n| metric(&n.metrics, name) != want) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name} never reached {want}: {:?}",
            nodes
                .iter()
                .map(|n| metric(&n.metrics, name))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn turn(node: &Node, extra: &[&str], peer: SocketAddr) -> i32 {
    let mut args = vec!["turn", &node.listen, "--peer"];
    let p = peer.to_string();
    args.push(&p);
    args.extend_from_slice(extra);
    let out = run(p2p(), &args, 30);
    out.status.code().unwrap_or(-1)
}

#[test]
#[ignore = "interop: needs redis-server and redis-cli; run `cargo xtask test`"]
fn two_servers_share_users_quotas_and_survive_a_redis_restart() {
    let dir = std::env::temp_dir().join(format!("p2p-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port("127.0.0.1");
    let mut redis = Redis::start(port, dir.clone());
    // b runs two relay threads: three fleet members in all.
    let (a, b) = (node("a", port), node_with("b", port, "2"));
    let peer = echo_peer();
    let carol = ["--user", "carol:pw"];

    // A user added in Redis works on both; before, on neither.
    assert_eq!(turn(&a, &carol, peer), 5);
    redis.cli(&[
        "SET",
        &format!("turn/realm/{REALM}/user/carol/key"),
        &key_hex("carol", "pw"),
    ]);
    redis.cli(&[
        "SET",
        &format!("turn/realm/{REALM}/user/mallory/key"),
        "not-hex",
    ]);
    wait_metric(&[&a, &b], "turn_fleet_users", 1);
    assert_eq!(turn(&a, &carol, peer), 0);
    assert_eq!(turn(&b, &carol, peer), 0);
    assert!(
        metric(&a.metrics, "turn_fleet_bad_entries_total") >= 1,
        "garbage counted"
    );
    assert_eq!(
        turn(&a, &["--user", "mallory:x"], peer),
        5,
        "garbage admits nobody"
    );

    // A quota of 2 across both servers.
    let mut held: Vec<HeldTurn> = Vec::new();
    for n in [&a, &b] {
        let mut h = HeldTurn::new(n.listen.parse().unwrap(), "carol", "pw");
        h.allocate().unwrap();
        held.push(h);
    }
    for n in [&a, &b] {
        let mut h = HeldTurn::new(n.listen.parse().unwrap(), "carol", "pw");
        let code = h.allocate().unwrap_err().map(|c| c.code());
        assert_eq!(
            code,
            Some(486),
            "the third allocation is refused on {}",
            n.listen
        );
    }
    assert!(metric(&a.metrics, "turn_fleet_quota_total{outcome=\"refused\"}") >= 1);
    assert!(held[0].delete());
    std::thread::sleep(Duration::from_millis(1500)); // a sync publishes the lower count
    let mut h = HeldTurn::new(b.listen.parse().unwrap(), "carol", "pw");
    h.allocate()
        .expect("room again after a delete on the other server");
    assert!(h.echo(peer, b"fleet"));
    held.push(h);

    // REST secrets (several) from Redis; usage published.
    redis.cli(&[
        "SADD",
        &format!("turn/realm/{REALM}/secret"),
        "old-secret",
        "new-secret",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    for n in [&a, &b] {
        assert_eq!(
            turn(n, &["--user", "rest", "--rest-secret", "new-secret"], peer),
            0
        );
        assert_eq!(
            turn(n, &["--user", "rest", "--rest-secret", "old-secret"], peer),
            0
        );
        assert_eq!(
            turn(n, &["--user", "rest", "--rest-secret", "wrong"], peer),
            5
        );
    }
    let usage = redis.cli(&["HGETALL", "p2p/turn/usage/a"]);
    assert!(
        usage.contains("allocations") && usage.contains("bytes_to_peers"),
        "{usage}"
    );
    let quota = redis.cli(&["HGETALL", &format!("p2p/turn/quota/{REALM}/carol")]);
    assert!(
        quota.contains('b'),
        "per-user allocations per server: {quota}"
    );

    // Redis goes away: the users loaded last keep working, nobody new gets in. (Carol keeps
    // one allocation on b; each server's own quota still holds.)
    assert!(held[2].delete());
    redis.stop();
    wait_metric(&[&a, &b], "turn_fleet_redis_up", 0);
    assert!(
        a.proc.output().contains("Redis unreachable"),
        "{}",
        a.proc.output()
    );
    for n in [&a, &b] {
        assert_eq!(
            turn(n, &carol, peer),
            0,
            "carol still works while Redis is down"
        );
        assert_eq!(
            turn(n, &["--user", "dave:pw"], peer),
            5,
            "an unknown user stays out"
        );
    }
    assert!(held[1].echo(peer, b"still relaying"));
    assert!(held[1].delete(), "deleted while Redis is down");
    std::thread::sleep(Duration::from_millis(2500)); // syncs fail meanwhile

    // Redis is back (with its data): new users work again on both.
    let redis = Redis::start(port, dir);
    wait_metric(&[&a, &b], "turn_fleet_redis_up", 1);
    // The allocation deleted during the outage no longer counts against carol's quota: the
    // first sync after the restart cleared b's field (before carol does anything else).
    std::thread::sleep(Duration::from_millis(1500));
    let counts = redis.cli(&["HVALS", &format!("p2p/turn/quota/{REALM}/carol")]);
    assert!(
        counts.lines().all(|c| c.trim() == "0"),
        "carol holds nothing now: {counts:?}"
    );
    redis.cli(&[
        "SET",
        &format!("turn/realm/{REALM}/user/erin/key"),
        &key_hex("erin", "pw2"),
    ]);
    wait_metric(&[&a, &b], "turn_fleet_users", 2);
    assert_eq!(turn(&a, &["--user", "erin:pw2"], peer), 0);
    assert_eq!(turn(&b, &["--user", "erin:pw2"], peer), 0);
    assert_eq!(
        turn(&b, &carol, peer),
        0,
        "carol survived the restart in Redis too"
    );
}

/// A "Redis" that never answers, and one that answers garbage: the server starts, serves
/// its configured users at once, says Redis is down (log and metric) and admits no unknown
/// user. No redis-server needed.
#[test]
fn a_redis_answering_garbage_or_nothing_changes_nothing() {
    use std::net::TcpListener;
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let garbage = TcpListener::bind("127.0.0.1:0").unwrap();
    let urls = [
        format!("redis://{}/0", silent.local_addr().unwrap()),
        format!("redis://{}/0", garbage.local_addr().unwrap()),
    ];
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s); // accepted, never answered
        }
    });
    std::thread::spawn(move || {
        for mut s in garbage.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let junk = b"*-7\r\n$99999999999\r\n+\xff\xfe garbage %\r\n:not-a-number\r\n";
                while s.read(&mut buf).is_ok_and(|n| n > 0) {
                    if s.write_all(junk).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let peer = echo_peer();
    for url in &urls {
        let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let proc = Proc::start(
            p2p(),
            &[
                "turn-server",
                "--listen",
                &listen,
                "--realm",
                REALM,
                "--redis",
                url,
                "--user",
                "alice:pw",
                "--user-quota",
                "1",
                "--allow-loopback-peers",
                "--metrics",
                &metrics,
            ],
        );
        wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
        let n = Node {
            proc,
            listen,
            metrics,
        };
        let start = Instant::now();
        assert_eq!(
            turn(&n, &["--user", "alice:pw"], peer),
            0,
            "{url}: {}",
            n.proc.output()
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{url}: {:?}",
            start.elapsed()
        );
        assert_eq!(turn(&n, &["--user", "dave:pw"], peer), 5, "{url}");
        std::thread::sleep(Duration::from_secs(5));
        assert_eq!(metric(&n.metrics, "turn_fleet_redis_up"), 0, "{url}");
        assert!(
            metric(&n.metrics, "turn_fleet_syncs_total{outcome=\"failed\"}") >= 1,
            "{url}"
        );
        assert_eq!(metric(&n.metrics, "turn_fleet_users"), 0, "{url}");
        assert!(
            n.proc.output().contains("Redis unreachable"),
            "{url}: {}",
            n.proc.output()
        );
        assert_eq!(
            turn(&n, &["--user", "alice:pw"], peer),
            0,
            "{url}: still served"
        );
    }
}

/// A Redis that stops answering mid-connection (SIGSTOP): an Allocate waits for the quota
/// check at most its 2 s deadline, then goes on under the server's own quota (counted as
/// unchecked); after SIGCONT the fleet is back.
#[test]
#[ignore = "interop: needs redis-server and redis-cli; run `cargo xtask test`"]
fn a_frozen_redis_delays_an_allocate_by_its_deadline_only() {
    let dir = std::env::temp_dir().join(format!("p2p-fleet-stop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port("127.0.0.1");
    let redis = Redis::start(port, dir);
    redis.cli(&[
        "SET",
        &format!("turn/realm/{REALM}/user/carol/key"),
        &key_hex("carol", "pw"),
    ]);
    let a = node("frozen", port);
    wait_metric(&[&a], "turn_fleet_users", 1);
    let peer = echo_peer();
    let pid = redis.proc.as_ref().unwrap().pid().to_string();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    signal("-STOP");
    let start = Instant::now();
    assert_eq!(
        turn(&a, &["--user", "carol:pw"], peer),
        0,
        "{}",
        a.proc.output()
    );
    let took = start.elapsed();
    signal("-CONT");
    assert!(
        took < Duration::from_secs(5),
        "the Allocate waited {took:?}"
    );
    assert!(metric(&a.metrics, "turn_fleet_quota_total{outcome=\"unchecked\"}") >= 1);
    wait_metric(&[&a], "turn_fleet_redis_up", 1);
    assert_eq!(turn(&a, &["--user", "carol:pw"], peer), 0);
}

/// `redis-cli HGET key field` as a number (0 when absent).
fn hget(redis: &Redis, key: &str, field: &str) -> u64 {
    redis.cli(&["HGET", key, field]).parse().unwrap_or(0)
}

/// Wait until `HGET key field` is `want`.
fn wait_hget(redis: &Redis, key: &str, field: &str, want: u64) {
    let start = Instant::now();
    while hget(redis, key, field) != want {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{key} {field} never reached {want}: {}",
            redis.cli(&["HGETALL", key])
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "interop: needs redis-server and redis-cli; run `cargo xtask test`"]
fn usage_per_user_reaches_redis_and_metrics_without_double_counting() {
    let dir = std::env::temp_dir().join(format!("p2p-fleet-usage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port("127.0.0.1");
    let redis = Redis::start(port, dir);
    // b runs two relay threads: its usage is summed over both.
    let (a, b) = (node("a", port), node_with("b", port, "2"));
    for user in ["carol", "dave"] {
        redis.cli(&[
            "SET",
            &format!("turn/realm/{REALM}/user/{user}/key"),
            &key_hex(user, "pw"),
        ]);
    }
    wait_metric(&[&a, &b], "turn_fleet_users", 2);
    let peer = echo_peer();
    // carol: 10 × 100 bytes each way on a, 5 × 100 on b; dave: 3 × 50 on a.
    let mut on_a = HeldTurn::new(a.listen.parse().unwrap(), "carol", "pw");
    on_a.allocate().unwrap();
    let mut on_b = HeldTurn::new(b.listen.parse().unwrap(), "carol", "pw");
    on_b.allocate().unwrap();
    let mut dave = HeldTurn::new(a.listen.parse().unwrap(), "dave", "pw");
    dave.allocate().unwrap();
    for i in 0..10u8 {
        assert!(on_a.echo(peer, &[i; 100]));
    }
    for i in 0..5u8 {
        assert!(on_b.echo(peer, &[i; 100]));
    }
    for i in 0..3u8 {
        assert!(dave.echo(peer, &[i; 50]));
    }
    let carol = format!("p2p/turn/user-usage/{REALM}/carol");
    wait_hget(&redis, &carol, "bytes_to_peers", 1500);
    wait_hget(&redis, &carol, "bytes_to_clients", 1500);
    assert_eq!(hget(&redis, &carol, "packets_to_peers"), 15);
    wait_hget(
        &redis,
        &format!("p2p/turn/user-usage/{REALM}/dave"),
        "bytes_to_clients",
        150,
    );
    // One coturn-style traffic key per allocation of carol.
    let keys = redis.cli(&[
        "KEYS",
        &format!("turn/realm/{REALM}/user/carol/allocation/*/traffic"),
    ]);
    let keys: Vec<&str> = keys.lines().collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let mut sent: Vec<u64> = keys.iter().map(|k| hget(&redis, k, "sentb")).collect();
    sent.sort_unstable();
    assert_eq!(sent, [500, 1000]);
    assert!(keys.iter().all(|k| hget(&redis, k, "rcvp") > 0));
    // Prometheus, per user, on each server (b's two threads summed).
    let series =
        |dir: &str| format!("turn_user_relayed_bytes{{user=\"carol\",direction=\"{dir}\"}}");
    assert_eq!(metric(&a.metrics, &series("to_peer")), 1000);
    assert_eq!(metric(&a.metrics, &series("to_client")), 1000);
    assert_eq!(metric(&b.metrics, &series("to_client")), 500);
    assert_eq!(
        metric(
            &a.metrics,
            "turn_user_relayed_bytes{user=\"dave\",direction=\"to_peer\"}"
        ),
        150
    );
    // Syncs go on, an allocation ends: nothing is counted twice; later traffic adds up.
    assert!(on_a.delete());
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(hget(&redis, &carol, "bytes_to_peers"), 1500);
    assert!(on_b.echo(peer, &[9; 200]));
    wait_hget(&redis, &carol, "bytes_to_peers", 1700);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(hget(&redis, &carol, "bytes_to_clients"), 1700);
    assert!(
        a.proc.output().contains("bytes_to_peers=1000"),
        "closing log line"
    );
}
