//! aiortc — an independent WebRTC stack (its own ICE, DTLS, SRTP and SCTP, in Python) —
//! against peer-core through the WHEP/WHIP lab (`examples/whep_lab.rs`) on loopback:
//! * WHEP: data channels both ways with messages of 1 B to 256 KiB intact, and our VP8 video
//!   and µ-law audio decoded by aiortc;
//! * WHIP: aiortc publishes VP8, we reassemble and count frames and keyframes, and our PLI
//!   makes aiortc encode a keyframe.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> String {
    let py = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        root()
            .join("target/interop-venv/bin/python3")
            .to_string_lossy()
            .into()
    });
    let ok = Command::new(&py)
        .args(["-c", "import aiortc"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "INTEROP PEER MISSING: aiortc is not importable by {py}. Run `cargo xtask test`, which \
         creates target/interop-venv with aiortc. This test did NOT pass."
    );
    py
}

/// A VP8 file for the lab to send (GStreamer's test pattern, encoded now).
fn vp8_file() -> String {
    common::require("gst-launch-1.0");
    let path = root().join("target/browser/aiortc.ivf");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let location = format!("location={}", path.display());
    let out = common::run(
        "gst-launch-1.0",
        &[
            "-q",
            "videotestsrc",
            "num-buffers=150",
            "pattern=ball",
            "!",
            "video/x-raw,width=320,height=240,framerate=30/1",
            "!",
            "vp8enc",
            "keyframe-max-dist=60",
            "deadline=1",
            "!",
            "avmux_ivf",
            "!",
            "filesink",
            &location,
        ],
        120,
    );
    assert!(
        out.status.success(),
        "GStreamer could not encode the VP8 file"
    );
    path.to_string_lossy().into()
}

/// Start the lab on a free loopback port, run the aiortc peer in `mode`; both outputs.
fn run(mode: &str) -> String {
    let py = python();
    let built = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "adapters", "--example", "whep_lab"])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(built.success(), "cannot build the lab");
    let file = vp8_file();
    let listen = format!("127.0.0.1:{}", common::free_port("127.0.0.1"));
    let lab_bin = root().join("target/debug/examples/whep_lab");
    let lab = common::Proc::start(lab_bin.to_str().unwrap(), &[&listen, "--vp8", &file]);
    lab.wait_for("ready", Duration::from_secs(10));
    let script = root().join("adapters/tests/browser/aiortc_peer.py");
    let out = common::run(
        &py,
        &[script.to_str().unwrap(), &format!("http://{listen}"), mode],
        90,
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string()
        + &String::from_utf8_lossy(&out.stderr)
        + "--- whep_lab:\n"
        + &lab.output();
    assert!(out.status.success(), "the aiortc peer failed:\n{text}");
    text
}

#[test]
#[ignore = "interop: needs aiortc and GStreamer (cargo xtask test installs them)"]
fn aiortc_data_channels_both_ways_and_our_video_and_audio_decoded() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let log = run("whep");
    assert!(log.contains("greeting: hello from peer-core"), "{log}");
    for size in [1, 1000, 65536, 262144] {
        for kind in ["binary", "string"] {
            let line = format!("aiortc {kind} {size} B intact");
            assert!(log.contains(&line), "missing `{line}`:\n{log}");
        }
    }
    let line = log
        .lines()
        .find(|l| l.starts_with("aiortc decoded"))
        .unwrap_or_else(|| panic!("{log}"));
    let n: u32 = line.split(' ').nth(2).unwrap().parse().unwrap();
    assert!(n >= 60, "{line}");
    assert!(line.contains("320px wide"), "{line}");
    assert!(log.contains("track 0 Video SendOnly Some(Vp8)"), "{log}");
}

#[test]
#[ignore = "interop: needs aiortc and GStreamer (cargo xtask test installs them)"]
fn aiortc_publishes_vp8_over_whip_and_our_pli_brings_a_keyframe() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let log = run("whip");
    assert!(log.contains("aiortc WHIP OK"), "{log}");
    assert!(log.contains("control: pli sent"), "{log}");
    assert!(
        log.contains("keyframe 2 ("),
        "the lab logged the second keyframe:\n{log}"
    );
}
