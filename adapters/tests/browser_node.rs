//! `p2p node` as a user meets it: headless Chromium opens the node's page (in a private
//! network namespace the test creates), and the page must show thermal frames, temperature
//! readings, audio samples from the microphone track and the selected candidate pair.
//!
//! The screenshot goes to `target/browser/node.png`; with `UPDATE_DOCS=1` also to
//! `docs/node.png`, the picture the README shows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
#[ignore = "interop: needs chromium, node and playwright-core (cargo xtask test installs them) and root for a network namespace"]
fn a_browser_watches_the_node_thermal_frames_readings_audio_and_the_pair() {
    common::require("chromium");
    common::require("node");
    let node_dir = std::env::var("INTEROP_NODE_DIR")
        .unwrap_or_else(|_| root().join("target/interop-node").to_string_lossy().into());
    assert!(
        Path::new(&node_dir)
            .join("node_modules/playwright-core")
            .exists(),
        "INTEROP PEER MISSING: playwright-core under {node_dir}; run `cargo xtask test`"
    );
    let shots = root().join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("node.png");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new(root().join("../shared/peers/netns_run.sh"))
        .arg(root().join("adapters/tests/browser/node.sh"))
        .arg(env!("CARGO_BIN_EXE_p2p"))
        .arg(&shot)
        .env("INTEROP_NODE_DIR", &node_dir)
        .output()
        .expect("run the namespace");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the page did not show everything:\n{text}"
    );
    let counted = text
        .lines()
        .find(|l| l.starts_with("{\"frames\""))
        .unwrap_or_else(|| panic!("no counts:\n{text}"));
    let number = |key: &str| -> f64 {
        let at = counted
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} in {counted}"));
        counted[at + key.len() + 3..]
            .split([',', '}'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(number("frames") >= 8.0, "{counted}");
    assert!(number("readings") >= 4.0, "{counted}");
    assert!(number("samples") > 8000.0, "{counted}");
    assert!(
        counted.contains("\"pairType\":\"") && counted.contains("host"),
        "{counted}"
    );
    assert!(text.contains("viewer connected (1 watching)"), "{text}");
    assert!(shot.exists(), "no screenshot");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::copy(&shot, root().join("docs/node.png")).unwrap();
    }
    println!("{counted}");
}
