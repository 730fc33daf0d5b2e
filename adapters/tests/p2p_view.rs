//! `p2p view` against `p2p node` on loopback, no browser: the viewer connects over WHEP and
//! receives readings, thermal frames and audio packets; the error paths have their exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, run, Proc};
use std::time::Duration;

/// A node on a free loopback port, ready; its URL.
fn node(extra: &[&str]) -> (Proc, String) {
    let listen = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let mut args = vec!["node", "--listen", &listen];
    args.extend_from_slice(extra);
    let p = Proc::start(p2p(), &args);
    p.wait_for("node ready", Duration::from_secs(20));
    (p, format!("http://{listen}/whep"))
}

/// A number of the viewer's summary line.
fn number(summary: &str, key: &str) -> u64 {
    let at = summary
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {summary}"));
    summary[at + key.len() + 3..]
        .split([',', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {summary}: {e}"))
}

fn view(args: &[&str], limit: u32) -> (i32, String, String) {
    let out = run(p2p(), args, limit);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_viewer_without_a_browser_receives_readings_frames_and_audio() {
    let (node, url) = node(&["--thermal-fps", "10"]);
    let (code, out, err) = view(&["view", &url, "--frames", "20", "--duration", "20"], 30);
    assert_eq!(code, 0, "{out}\n{err}\nnode:\n{}", node.output());
    let summary = out.lines().last().unwrap();
    assert_eq!(number(summary, "thermal_frames"), 20, "{summary}");
    assert_eq!(number(summary, "bad_thermal_frames"), 0, "{summary}");
    // 20 frames at 10 per second take about 2 s: 2 readings a second, 50 audio packets.
    assert!(number(summary, "readings") >= 2, "{summary}");
    assert!(number(summary, "audio_packets") >= 50, "{summary}");
    assert_eq!(
        number(summary, "audio_bytes"),
        160 * number(summary, "audio_packets"),
        "PCMU, 20 ms a packet: {summary}"
    );
    assert!(summary.contains("\"pair\":\"host/host\""), "{summary}");
    assert!(out.contains("channel thermal open"), "{out}");
    assert!(out.contains("channel readings open"), "{out}");
    let reading = out
        .lines()
        .find(|l| l.starts_with("reading {"))
        .unwrap_or_else(|| panic!("no reading printed:\n{out}"));
    assert!(reading.contains("\"bearing_c\":"), "{reading}");
    let frame = out
        .lines()
        .find(|l| l.starts_with("thermal #"))
        .unwrap_or_else(|| panic!("no frame printed:\n{out}"));
    assert!(frame.contains("32x24"), "{frame}");
    // The viewer DELETEs its session on the way out; the node sees it go.
    node.wait_for("viewer left (closed; 0 watching)", Duration::from_secs(10));
    assert!(node.output().contains("viewer connected (1 watching)"));
}

#[test]
fn a_duration_ends_the_viewer_with_success_and_quiet_prints_only_the_summary() {
    let (_node, url) = node(&[]);
    let (code, out, err) = view(&["view", &url, "--duration", "2", "--quiet"], 30);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("reading {"), "{out}");
    let summary = out.lines().last().unwrap();
    assert!(number(summary, "readings") >= 2, "{summary}");
    assert!(number(summary, "thermal_frames") >= 4, "{summary}");
}

#[test]
fn error_paths_have_their_exit_codes() {
    // Nobody listens: network error, 4.
    let port = free_port("127.0.0.1");
    let (code, _, err) = view(&["view", &format!("http://127.0.0.1:{port}/whep")], 30);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("p2p: error:"), "{err}");
    // Not a URL we speak: usage, 2.
    let (code, _, err) = view(&["view", "https://127.0.0.1:1/whep"], 30);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = view(&["view", "http://127.0.0.1:1/", "--duration", "-1"], 30);
    assert_eq!(code, 2, "{err}");
    // The node refuses (a page, not a WHEP endpoint, answers 405): the server said no, 5.
    let (_node, url) = node(&[]);
    let wrong = url.replace("/whep", "/nothing");
    let (code, _, err) = view(&["view", &wrong], 30);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("HTTP 404") || err.contains("HTTP 405"),
        "{err}"
    );
}
