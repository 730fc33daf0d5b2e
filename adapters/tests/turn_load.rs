//! The load generator `turn-load` (scripts/turn-load.sh) against `p2p turn-server` on
//! loopback: every message it counts as echoed crossed the server (its metrics agree), the
//! rate it was asked for is the rate it sent, and a refused allocation is an error, not a
//! silent zero.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::attack::metric;
use common::{free_port, p2p, run, wait_stun, Proc};
use std::time::{Duration, Instant};

fn server(threads: &str) -> (Proc, String, String) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let metrics = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let p = Proc::start(
        p2p(),
        &[
            "turn-server",
            "--listen",
            &listen,
            "--relay-ip",
            "127.0.0.1",
            "--realm",
            "load",
            "--user",
            "user:pass",
            "--allow-loopback-peers",
            "--relay-threads",
            threads,
            "--metrics",
            &metrics,
        ],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    (p, listen, metrics)
}

fn turn_load(args: &[&str]) -> (i32, String, String) {
    let out = run(env!("CARGO_BIN_EXE_turn-load"), args, 60);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `key=value` of a result line.
fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

fn relayed(metrics: &str, direction: &str) -> u64 {
    metric(
        metrics,
        &format!("turn_relayed_packets_total{{direction=\"{direction}\"}}"),
    )
}

#[test]
fn every_echo_counted_crossed_the_server_twice() {
    let (srv, listen, metrics) = server("2");
    let pid = srv.pid().to_string();
    let (code, out, err) = turn_load(&[
        "--server",
        &listen,
        "--user",
        "user:pass",
        "--allocations",
        "6",
        "--rates",
        "1000,3000",
        "--duration",
        "1",
        "--server-pid",
        &pid,
    ]);
    assert_eq!(code, 0, "turn-load failed: {err}\n{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("rate=")).collect();
    assert_eq!(lines.len(), 2, "one line per rate:\n{out}");
    let mut echoed_total = 0.0;
    for (line, rate) in lines.iter().zip([1000.0, 3000.0]) {
        assert_eq!(field(line, "rate"), rate);
        assert_eq!(
            field(line, "sent"),
            rate,
            "a 1 s step sends rate messages: {line}"
        );
        assert_eq!(
            field(line, "echoed"),
            rate,
            "loopback at this rate loses nothing: {line}"
        );
        assert_eq!(field(line, "lost"), 0.0);
        assert!(
            field(line, "server_cpu_s") > 0.0,
            "the server's CPU is read: {line}"
        );
        assert!(field(line, "gen_us_per_msg") > 0.0);
        echoed_total += field(line, "echoed");
    }
    // The server saw them: every echo is one datagram relayed to the peer and one back (the
    // shards' counters reach the metrics endpoint within a tick).
    let want = echoed_total as u64;
    let start = Instant::now();
    while relayed(&metrics, "to_client") < want && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(relayed(&metrics, "to_peer") >= want, "to_peer below {want}");
    assert!(
        relayed(&metrics, "to_client") >= want,
        "to_client below {want}"
    );
}

#[test]
fn a_refused_allocation_is_an_error() {
    let (_srv, listen, _) = server("1");
    let (code, out, err) = turn_load(&[
        "--server",
        &listen,
        "--user",
        "user:wrong",
        "--allocations",
        "1",
        "--duration",
        "0.2",
    ]);
    assert_eq!(code, 1, "stdout: {out}");
    assert!(err.contains("allocation refused"), "stderr: {err}");
    assert!(
        !out.contains("rate="),
        "no result line after a failed setup: {out}"
    );
}
