//! `cargo xtask sensor-node`: build `examples/sensor-node`, boot it under QEMU (mps2-an386,
//! LAN9118 on a TAP device) in a private network namespace, and check it from there:
//! the page over HTTP, bad input, WHEP by hand (`check.py`), our own peer-core viewer
//! (`adapters/examples/whep_view.rs`), then headless Chromium watching it over WebRTC
//! (`adapters/tests/browser/watch.js`), directly and relay-only through `p2p turn-server`.
//! Needs root (for the namespace).

use crate::run::{have, root, status};
use std::process::Command;
use std::time::Instant;

/// What the browser must have seen (the page's counters, as `p2p node`'s browser test asks).
const MIN_FRAMES: f64 = 8.0;
const MIN_READINGS: f64 = 4.0;
const MIN_SAMPLES: f64 = 8000.0;

/// Build, boot, check; an error says which check failed, with the node's log.
pub fn sensor_node() -> Result<(), String> {
    let started = Instant::now();
    status("rustup", &["target", "add", "thumbv7em-none-eabihf"], &[])?;
    let mut apt = Vec::new();
    for (pkg, bin) in [
        ("qemu-system-arm", "qemu-system-arm"),
        // The node's P-256 (p256-cortex-m4-sys) compiles C and assembly for the M4.
        ("gcc-arm-none-eabi", "arm-none-eabi-gcc"),
        ("chromium", "chromium"),
        ("python3", "python3"),
    ] {
        if !have(bin) {
            apt.push(pkg);
        }
    }
    // ... and includes <string.h>, which newlib's headers provide.
    if !std::path::Path::new("/usr/lib/arm-none-eabi/include/string.h").exists() {
        apt.push("libnewlib-arm-none-eabi");
    }
    if !apt.is_empty() {
        crate::peers::install_apt(&apt)?;
    }
    crate::peers::ensure_npm()?;
    let fw = build()?;
    // Our own WHEP viewer (peer-core over std sockets) and `p2p turn-server` for the relay run.
    crate::run::cargo(
        &[
            "build",
            "-p",
            "adapters",
            "--bin",
            "p2p",
            "--example",
            "whep_view",
        ],
        &[],
    )?;
    let viewer = root().join("target/debug/examples/whep_view");
    let shots = root().join("target/browser");
    std::fs::create_dir_all(&shots).map_err(|e| e.to_string())?;
    let log = root().join("target/sensor-node/node.log");
    let shot = shots.join("sensor-node.png");
    let _ = std::fs::remove_file(&shot);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007);
    let dir = root().join("examples/sensor-node");
    let page = root().join("adapters/src/bin/p2p/node/page.html");
    eprintln!(
        "xtask: booting the sensor node under QEMU in a private network namespace (seed {seed})"
    );
    let check = [
        dir.join("check.sh").into_os_string(),
        "python3".into(),
        page.into_os_string(),
        shot.clone().into_os_string(),
        viewer.into_os_string(),
    ];
    let (_, node_log) = boot(
        &fw,
        &log,
        seed,
        &check,
        &shot,
        "",
        Expect {
            checks: true,
            pair: "host/host",
        },
    )?;
    let stack = node_log
        .lines()
        .filter_map(|l| {
            l.strip_prefix("stack: high-water ")?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .max();
    eprintln!("xtask: stack high-water mark (painted): {stack:?} bytes");
    relay_only(&fw, &dir, seed)?;
    eprintln!(
        "xtask: sensor node OK in {:.0} s (screenshot {})",
        started.elapsed().as_secs_f64(),
        shot.display()
    );
    Ok(())
}

/// The same node booted again, watched relay-only through `p2p turn-server` (in the
/// namespace, on the browser's side).
fn relay_only(fw: &str, dir: &std::path::Path, seed: u64) -> Result<(), String> {
    let p2p = root().join("target/debug/p2p");
    let log = root().join("target/sensor-node/node-relay.log");
    let shot = root().join("target/browser/sensor-node-relay.png");
    let _ = std::fs::remove_file(&shot);
    eprintln!("xtask: booting the sensor node again, watched relay-only through p2p turn-server");
    let check = [
        dir.join("check_relay.sh").into_os_string(),
        p2p.into_os_string(),
        shot.clone().into_os_string(),
    ];
    let (text, _) = boot(
        fw,
        &log,
        seed ^ 0x7e1a,
        &check,
        &shot,
        " (relay-only)",
        Expect {
            checks: false,
            pair: "relay/host",
        },
    )?;
    let relayed = text
        .split("relayed_to_clients=")
        .nth(1)
        .and_then(|r| r.split(' ').next()?.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if relayed < 100 {
        return Err(format!(
            "sensor node: p2p turn-server relayed only {relayed} datagrams to the browser"
        ));
    }
    eprintln!(
        "xtask: relay-only through p2p turn-server OK ({relayed} datagrams relayed to the browser)"
    );
    Ok(())
}

/// Boot the firmware `fw` once in a fresh namespace (`netns.sh`), its log in `log`, and run
/// `check` (a script and its arguments) against it; print both outputs and judge them by
/// `expect`. Returns the scripts' output and the node's log.
fn boot(
    fw: &str,
    log: &std::path::Path,
    seed: u64,
    check: &[std::ffi::OsString],
    shot: &std::path::Path,
    label: &str,
    expect: Expect<'_>,
) -> Result<(String, String), String> {
    let out = Command::new(root().join("examples/sensor-node/netns.sh"))
        .arg(fw)
        .arg(log)
        .arg(seed.to_string())
        .args(check)
        .env("INTEROP_NODE_DIR", crate::peers::node_dir())
        .output()
        .map_err(|e| format!("cannot run netns.sh: {e}"))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let node_log = std::fs::read_to_string(log).unwrap_or_default();
    eprintln!("{text}\n--- the node's log{label}:\n{node_log}");
    let seen = Seen {
        ok: out.status.success(),
        text: &text,
        node_log: &node_log,
        shot: shot.exists(),
    };
    verdict(&seen, expect)?;
    Ok((text, node_log))
}

/// Build the firmware (release: opt-level z, LTO) into `target/sensor-node`, with the
/// source paths in its panic locations trimmed.
fn build() -> Result<String, String> {
    let target = root().join("target/sensor-node");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let trim = trim_paths();
    eprintln!("xtask: $ cargo build --release --config '{trim}' (in examples/sensor-node)");
    let st = Command::new(cargo)
        .args(["build", "--release", "--config", &trim])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root().join("examples/sensor-node"))
        .status()
        .map_err(|e| format!("cannot build the sensor node: {e}"))?;
    if !st.success() {
        return Err(format!("building the sensor node failed ({st})"));
    }
    Ok(target
        .join("thumbv7em-none-eabihf/release/sensor-node")
        .to_string_lossy()
        .to_string())
}

/// A `--config` that appends to the firmware's rustflags a `--remap-path-prefix` for each
/// crate registry's sources and for the workspace, so a panic location reads
/// `smoltcp-0.14.0/src/socket/tcp.rs`, not the build machine's absolute path (2.7 KB less
/// flash, and an image that does not depend on where it was built). Cargo's `trim-paths`
/// does this, but is not stable yet.
fn trim_paths() -> String {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    let mut prefixes: Vec<std::path::PathBuf> = home
        .and_then(|h| std::fs::read_dir(h.join("registry/src")).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    prefixes.push(root());
    let flags: Vec<String> = prefixes
        .iter()
        .map(|p| format!("'--remap-path-prefix={}/='", p.display()))
        .collect();
    format!(
        "target.thumbv7em-none-eabihf.rustflags=[{}]",
        flags.join(", ")
    )
}

/// What one boot of the node showed.
struct Seen<'a> {
    /// The scripts' exit status.
    ok: bool,
    /// Their output.
    text: &'a str,
    /// The node's log.
    node_log: &'a str,
    /// Whether the screenshot exists.
    shot: bool,
}

/// What it must have shown.
struct Expect<'a> {
    /// `check.py` ran (HTTP, bad input, WHEP by hand).
    checks: bool,
    /// The browser's selected pair, `local/remote` candidate types.
    pair: &'a str,
}

/// Every check passed: the scripts' exit status, the HTTP/abuse checks, what the browser
/// counted and over which pair, what the node logged (and no `ERROR` line), the screenshot.
fn verdict(seen: &Seen<'_>, expect: Expect<'_>) -> Result<(), String> {
    let (text, node_log) = (seen.text, seen.node_log);
    let fail = |why: &str| Err(format!("sensor node: {why}"));
    if !seen.ok {
        return fail("a check in the namespace failed (see above)");
    }
    if expect.checks && !text.lines().any(|l| l == "CHECK OK") {
        return fail("check.py did not finish");
    }
    if expect.checks
        && !text
            .lines()
            .any(|l| l.starts_with("VIEWER {\"state\":\"Connected\""))
    {
        return fail("our own peer-core viewer (whep_view) did not watch the node");
    }
    if expect.checks {
        flood_reached(text, node_log)?;
    }
    if let Some(l) = node_log.lines().find(|l| l.starts_with("ERROR")) {
        return fail(&format!("the node logged an error: {l}"));
    }
    for needed in [
        "viewer: connected (DTLS up, SRTP keyed)",
        "viewer: data channels opened: true",
        "whep: answered viewer",
    ] {
        if !node_log.contains(needed) {
            return fail(&format!("the node never logged `{needed}`"));
        }
    }
    let counted = text
        .lines()
        .find(|l| l.starts_with("{\"frames\""))
        .ok_or("sensor node: the browser printed no counts")?;
    let number = |key: &str| -> f64 {
        counted
            .split(&format!("\"{key}\":"))
            .nth(1)
            .and_then(|r| r.split([',', '}']).next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1.0)
    };
    if number("frames") < MIN_FRAMES
        || number("readings") < MIN_READINGS
        || number("samples") <= MIN_SAMPLES
    {
        return fail(&format!("the browser saw too little: {counted}"));
    }
    let pair = format!("\"pairType\":\"{}\"", expect.pair);
    if !counted.contains(&pair) || !counted.contains("\"errors\":[]") {
        return fail(&format!("not {pair}, or page errors: {counted}"));
    }
    if !seen.shot {
        return fail("no screenshot");
    }
    Ok(())
}

/// The junk `flood.py` sent during the browser's session reached the node's media socket
/// and was refused there (at least a quarter of it: the rest may be dropped in the socket's
/// buffer, which is the point of a bound).
fn flood_reached(text: &str, node_log: &str) -> Result<(), String> {
    let sent = text
        .lines()
        .find_map(|l| l.strip_prefix("FLOOD {\"sent\": "))
        .and_then(|r| r.trim_end_matches('}').parse::<u64>().ok())
        .ok_or("sensor node: flood.py did not report")?;
    let refused = node_log
        .lines()
        .filter_map(|l| l.strip_prefix("media: "))
        .filter_map(|l| l.split(", ").nth(1)?.split(' ').next()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    if sent < 1000 || refused * 4 < sent {
        return Err(format!(
            "sensor node: the flood did not reach the node ({sent} sent, {refused} refused)"
        ));
    }
    eprintln!(
        "xtask: the node refused {refused} of {sent} junk datagrams while the browser watched"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{verdict, Expect, Seen};

    const GOOD: &str = "CHECK OK\nVIEWER {\"state\":\"Connected\",\"thermal\":16}\nFLOOD {\"sent\": 3750}\n{\"frames\":13,\"readings\":6,\"samples\":24000,\"pairType\":\"host/host\",\"state\":\"connected\",\"errors\":[]}";
    const LOG: &str = "whep: answered viewer 3 (1126 bytes)\nviewer: connected (DTLS up, SRTP keyed), audio\nviewer: data channels opened: true\nmedia: 2000 datagrams in, 1900 refused\nmedia: 4000 datagrams in, 3600 refused\n";
    const DIRECT: Expect<'static> = Expect {
        checks: true,
        pair: "host/host",
    };

    fn check(
        ok: bool,
        text: &str,
        node_log: &str,
        shot: bool,
        expect: Expect<'_>,
    ) -> Result<(), String> {
        verdict(
            &Seen {
                ok,
                text,
                node_log,
                shot,
            },
            expect,
        )
    }

    #[test]
    fn a_complete_run_passes() {
        assert_eq!(check(true, GOOD, LOG, true, DIRECT), Ok(()));
        let relayed = GOOD
            .replace("CHECK OK\n", "")
            .replace("host/host", "relay/host");
        assert_eq!(
            check(
                true,
                &relayed,
                LOG,
                true,
                Expect {
                    checks: false,
                    pair: "relay/host"
                }
            ),
            Ok(())
        );
    }

    #[test]
    fn every_missing_piece_fails() {
        assert!(check(false, GOOD, LOG, true, DIRECT).is_err());
        assert!(check(true, &GOOD.replace("CHECK OK", ""), LOG, true, DIRECT).is_err());
        assert!(check(true, &GOOD.replace("VIEWER", ""), LOG, true, DIRECT).is_err());
        assert!(check(
            true,
            GOOD,
            &format!("{LOG}ERROR certificate\n"),
            true,
            DIRECT
        )
        .is_err());
        assert!(check(
            true,
            GOOD,
            &LOG.replace("opened: true", "opened: false"),
            true,
            DIRECT
        )
        .is_err());
        assert!(check(
            true,
            &GOOD.replace("\"frames\":13", "\"frames\":3"),
            LOG,
            true,
            DIRECT
        )
        .is_err());
        assert!(check(
            true,
            &GOOD.replace("\"samples\":24000", "\"samples\":0"),
            LOG,
            true,
            DIRECT
        )
        .is_err());
        assert!(check(true, &GOOD.replace("[]", "[\"boom\"]"), LOG, true, DIRECT).is_err());
        assert!(check(true, GOOD, LOG, false, DIRECT).is_err());
        // The flood did not run, or did not reach the node.
        assert!(check(true, &GOOD.replace("FLOOD", "FLOD"), LOG, true, DIRECT).is_err());
        assert!(check(
            true,
            GOOD,
            &LOG.replace("3600 refused", "30 refused")
                .replace("1900 refused", "19 refused"),
            true,
            DIRECT
        )
        .is_err());
        // A direct pair where a relayed one was asked for.
        assert!(check(
            true,
            GOOD,
            LOG,
            true,
            Expect {
                checks: false,
                pair: "relay/host"
            }
        )
        .is_err());
    }
}
