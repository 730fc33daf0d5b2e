//! The node's terminal view: plain status lines per viewer (state, pair type, bitrate) when
//! stdout is not a terminal, live indicatif lines when it is (under `script`, which gives it
//! a pseudo-terminal), and a summary on Ctrl-C.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, Proc};
use std::process::Command;
use std::time::Duration;

fn interrupt(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn plain_status_lines_per_viewer_and_a_summary_on_ctrl_c() {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let node = Proc::start(p2p(), &["node", "--listen", &listen, "--status-every", "1"]);
    node.wait_for("node ready", Duration::from_secs(20));
    let url = format!("http://{listen}/whep");
    let out = run(p2p(), &["view", &url, "--duration", "4", "--quiet"], 30);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log = node.output();
    let rates: Vec<f64> = log
        .lines()
        .filter(|l| l.starts_with("p2p node: viewer 1: connected    pair host/host"))
        .filter_map(|l| l.split_whitespace().rev().nth(1)?.parse().ok())
        .collect();
    assert!(rates.len() >= 2, "{log}");
    // PCMU alone is 64 kbit/s; thermal frames and readings come on top.
    assert!(
        rates.iter().any(|r| *r > 64.0 && *r < 1000.0),
        "{rates:?}\n{log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no terminal codes in a file: {log}"
    );
    interrupt(node.pid());
    node.wait_for("p2p node: stopped after", Duration::from_secs(10));
    let log = node.output();
    assert!(log.contains("1 viewers served, at most 1 at once"), "{log}");
    let kb: u64 = log
        .split("at once, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{log}"));
    assert!(kb > 30, "4 s of audio alone is 32 kB: {log}");
}

#[test]
fn on_a_terminal_the_lines_are_live() {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let dir = std::env::temp_dir().join(format!("node-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let typescript = dir.join("tty.log");
    let cmd = format!("{} node --listen {listen}", p2p());
    let node = Proc::start("script", &["-qfc", &cmd, typescript.to_str().unwrap()]);
    let read =
        || String::from_utf8_lossy(&std::fs::read(&typescript).unwrap_or_default()).to_string();
    let start = std::time::Instant::now();
    while !read().contains("node ready") {
        assert!(start.elapsed() < Duration::from_secs(20), "{}", read());
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = format!("http://{listen}/whep");
    let out = run(p2p(), &["view", &url, "--duration", "3", "--quiet"], 30);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    std::thread::sleep(Duration::from_millis(1500));
    let tty = read();
    drop(node);
    assert!(
        tty.contains("viewer 1: connected    pair host/host"),
        "{tty}"
    );
    assert!(tty.contains("kbit/s"), "{tty}");
    // indicatif redraws its lines in place: erase-line codes, not a new line a second.
    assert!(tty.contains("\u{1b}[2K"), "{tty}");
    assert!(!tty.contains("p2p node: viewer 1: connected"), "{tty}");
}
