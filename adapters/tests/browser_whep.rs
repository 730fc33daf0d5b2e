//! Headless Chromium against peer-core through WHEP, in a private network namespace the test
//! creates (addresses 198.18.0.1/2 on a veth pair; nothing reaches a real interface).
//!
//! The page POSTs its offer to the WHEP lab (`examples/whep_lab.rs`), which answers with
//! peer-core; ICE, DTLS, SCTP and DCEP must come up with the browser, and data-channel
//! messages of every size up to 256 KiB must come back intact. A screenshot of the page is
//! saved to `target/browser/` and checked to exist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Run `page` against the lab in a fresh namespace; returns the combined output.
fn run_page(page: &str) -> String {
    common::require("chromium");
    common::require("node");
    common::require("unshare");
    let node_dir = std::env::var("INTEROP_NODE_DIR")
        .unwrap_or_else(|_| root().join("target/interop-node").to_string_lossy().into());
    assert!(
        Path::new(&node_dir)
            .join("node_modules/playwright-core")
            .exists(),
        "INTEROP PEER MISSING: playwright-core under {node_dir}; run `cargo xtask test`"
    );
    let lab = root().join("target/debug/examples/whep_lab");
    let built = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "adapters", "--example", "whep_lab"])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(built.success(), "cannot build the WHEP lab");
    let shots = root().join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join(page.replace(".html", ".png"));
    let _ = std::fs::remove_file(&shot);
    let script = root().join("adapters/tests/browser/lab.sh");
    let netns = root().join("../shared/peers/netns_run.sh");
    let out = Command::new(&netns)
        .arg(&script)
        .arg(&lab)
        .arg(page)
        .arg(&shot)
        .env("INTEROP_NODE_DIR", &node_dir)
        .output()
        .expect("run the namespace");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the page failed:\n{text}");
    assert!(shot.exists(), "no screenshot at {}", shot.display());
    text
}

#[test]
#[ignore = "interop: needs chromium, node and playwright-core (cargo xtask test installs them) and root for a network namespace"]
fn chromium_data_channels_through_whep_both_ways_up_to_256_kib() {
    let log = run_page("datachannel.html");
    assert!(log.contains("greeting: hello from peer-core"), "{log}");
    for ch in ["browser", "browser-unordered"] {
        for kind in ["binary", "string"] {
            for size in [1, 1000, 65536, 262144] {
                let line = format!("{ch} {kind} {size} B intact");
                assert!(log.contains(&line), "missing `{line}`:\n{log}");
            }
        }
    }
    assert!(log.contains("channel open ChannelId(0) server"), "{log}");
}
