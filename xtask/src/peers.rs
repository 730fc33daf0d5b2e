//! Installing the real peers the interop tests run against.
//!
//! Each `ensure_*` is idempotent and quick when the peer is already there.

use crate::run::{have, root, status};

/// Debian packages the interop tests use, with a binary each provides (documentation only:
/// installation is decided by `dpkg-query`).
const APT: &[(&str, &str)] = &[
    ("coturn", "turnserver"),
    ("tshark", "tshark"),
    ("gstreamer1.0-tools", "gst-launch-1.0"),
    ("gstreamer1.0-plugins-base", "gst-launch-1.0"),
    ("gstreamer1.0-plugins-good", "gst-launch-1.0"),
    ("gstreamer1.0-plugins-ugly", "gst-launch-1.0"),
    ("gstreamer1.0-libav", "gst-launch-1.0"),
    ("chromium", "chromium"),
    // The node's page must work in Firefox too (driven by puppeteer-core over WebDriver BiDi).
    ("firefox-esr", "firefox-esr"),
    // srtp-core interop: srtpenc/srtpdec (libsrtp2).
    ("gstreamer1.0-plugins-bad", "gst-launch-1.0"),
    ("openssl", "openssl"),
    // Browser tests run Chromium and our servers in a private network namespace; the NAT
    // tests put real Linux NAT between namespaces (adapters/tests/netns_nat.rs).
    ("iproute2", "ip"),
    ("util-linux", "unshare"),
    ("nftables", "nft"),
    // examples/p2p-turn.service is checked offline by systemd-analyze (verify, security).
    ("systemd", "systemd-analyze"),
    // The TURN fleet tests share users and quotas through a Redis they start.
    ("redis-server", "redis-server"),
];

/// Python packages installed into `target/interop-venv`.
const PIP: &[&str] = &["aioice", "aiortc"];

/// Install everything; the first failure is returned after trying the rest.
pub fn ensure_all() -> Result<(), String> {
    let mut errors = Vec::new();
    if let Err(e) = ensure_apt() {
        errors.push(e);
    }
    if let Err(e) = ensure_venv() {
        errors.push(e);
    }
    if let Err(e) = ensure_npm() {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn ensure_apt() -> Result<(), String> {
    let missing: Vec<&str> = APT
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    install_apt(&missing)
}

/// `apt-get install` the packages (with sudo when not root), without prompts.
pub fn install_apt(packages: &[&str]) -> Result<(), String> {
    let sudo = if have("sudo") && !is_root() {
        vec!["sudo"]
    } else {
        vec![]
    };
    let env = vec![("DEBIAN_FRONTEND".to_string(), "noninteractive".to_string())];
    let run = |args: &[&str]| {
        let mut full: Vec<&str> = sudo.clone();
        full.extend_from_slice(args);
        status(full[0], &full[1..], &env)
    };
    // tshark asks whether non-root users may capture; answer no without a prompt.
    let _ = status(
        "sh",
        &["-c", "echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections"],
        &env,
    );
    run(&["apt-get", "update", "-qq"])?;
    let mut args = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    args.extend(packages.iter());
    run(&args)
}

fn dpkg_installed(package: &str) -> bool {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The interop venv's Python interpreter.
pub fn venv_python() -> std::path::PathBuf {
    root().join("target/interop-venv/bin/python3")
}

fn ensure_venv() -> Result<(), String> {
    if PIP.is_empty() {
        return Ok(());
    }
    let py = venv_python();
    if !py.exists() {
        let dir = root().join("target/interop-venv");
        status("python3", &["-m", "venv", &dir.to_string_lossy()], &[])?;
    }
    let py = py.to_string_lossy().to_string();
    let mut args = vec!["-m", "pip", "install", "-q"];
    args.extend(PIP.iter());
    status(&py, &args, &[])
}

/// npm packages installed into `target/interop-node` (Chromium is driven by playwright-core
/// with Debian's `/usr/bin/chromium`, Firefox by puppeteer-core with Debian's
/// `/usr/bin/firefox-esr`; no browser download).
const NPM: &[&str] = &["playwright-core", "puppeteer-core"];

/// The directory whose `node_modules` holds the npm packages.
pub fn node_dir() -> std::path::PathBuf {
    root().join("target/interop-node")
}

pub fn ensure_npm() -> Result<(), String> {
    let dir = node_dir();
    let missing: Vec<&str> = NPM
        .iter()
        .copied()
        .filter(|p| !dir.join("node_modules").join(p).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !have("npm") {
        install_apt(&["nodejs", "npm"])?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let prefix = dir.to_string_lossy().to_string();
    let mut args = vec!["install", "--no-audit", "--no-fund", "--prefix", &prefix];
    args.extend(missing.iter());
    status("npm", &args, &[])
}

/// Environment for the test run: where the interop peers live.
pub fn test_env() -> Vec<(String, String)> {
    vec![
        (
            "INTEROP_PYTHON".to_string(),
            venv_python().to_string_lossy().to_string(),
        ),
        (
            "INTEROP_NODE_DIR".to_string(),
            node_dir().to_string_lossy().to_string(),
        ),
    ]
}
