//! `cargo xtask <command>`: project automation without shell-script sprawl.
//!
//! * `cargo xtask test` — install every interop peer the tests need when missing (Debian
//!   packages, a Python venv, npm packages), then run the whole test suite, interop tests
//!   included, the doctests (`cargo test --doc`, which `--all-targets` leaves out) and
//!   peer-core's sender-only build (without `rtp-receive`).
//! * `cargo xtask peers` — only install the peers.
//! * `cargo xtask nostd` — build every core crate for `thumbv7em-none-eabihf` without `alloc`.
//! * `cargo xtask fuzz-smoke [SECONDS]` — build every fuzz target and run each for SECONDS.
//! * `cargo xtask firmware` — build `examples/firmware` for a Cortex-M4 and run it under QEMU
//!   (`mps2-an386`): the STUN and ICE cores must work there with no allocator.
//! * `cargo xtask sensor-node` — build `examples/sensor-node`, boot it under QEMU with its
//!   LAN9118 on a TAP device in a private network namespace (root), check HTTP and bad
//!   input from there, then headless Chromium watches it over WebRTC.
//!
//! Interop tests are `#[ignore]`d so plain `cargo test` stays fast and never counts them as
//! passed; `cargo xtask test` runs them with `--include-ignored`, and each one fails loudly when
//! its peer is missing.

mod peers;
mod run;
mod sensor;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => cmd_test(&args[1..]),
        Some("peers") => peers::ensure_all(),
        Some("nostd") => run::nostd(),
        Some("fuzz-smoke") => run::fuzz_smoke(args.get(1).map(String::as_str).unwrap_or("30")),
        Some("firmware") => run::firmware(),
        Some("sensor-node") => sensor::sensor_node(),
        _ => {
            eprintln!(
                "usage: cargo xtask test|peers|nostd|fuzz-smoke [SECONDS]|firmware|sensor-node"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cmd_test(extra: &[String]) -> Result<(), String> {
    // A missing peer is not fatal here: the tests that need it fail loudly and say why.
    if let Err(e) = peers::ensure_all() {
        eprintln!("xtask: WARNING: could not install every interop peer: {e}");
        eprintln!("xtask: WARNING: the interop tests that need it will FAIL");
    }
    let env = peers::test_env();
    // `--no-fail-fast`: one failing test binary must not hide the results of the others.
    let mut args: Vec<&str> = vec!["test", "--workspace", "--all-targets", "--no-fail-fast"];
    args.extend(extra.iter().map(String::as_str));
    args.extend(["--", "--include-ignored"]);
    let all_targets = run::cargo(&args, &env);
    // `--all-targets` leaves the doctests out: run them too, even when the first run failed,
    // so one report shows both.
    let mut doc: Vec<&str> = vec!["test", "--workspace", "--doc"];
    doc.extend(extra.iter().map(String::as_str));
    let doctests = run::cargo(&doc, &env);
    // The workspace run builds peer-core and dtls-core with every default feature; builds
    // without one have tests of their own: a sender-only connection (without `rtp-receive`),
    // and a DTLS client-only one (without dtls-core's `server`), both in peer-core and in
    // dtls-core (against dimpl's server); ice-core's own tests without `std` and `ipv6`.
    let feature_builds: [&[&str]; 4] = [
        &[
            "-p",
            "peer-core",
            "--no-default-features",
            "--features",
            "std,dtls-server",
            "--test",
            "send_only",
        ],
        &[
            "-p",
            "peer-core",
            "--no-default-features",
            "--features",
            "std",
            "--test",
            "client_only",
        ],
        &[
            "-p",
            "dtls-core",
            "--no-default-features",
            "--features",
            "dimpl",
            "--test",
            "client_only",
        ],
        &["-p", "ice-core", "--no-default-features", "--lib"],
    ];
    let mut features = Ok(());
    for build in feature_builds {
        let mut a = vec!["test"];
        a.extend_from_slice(build);
        features = features.and(run::cargo(&a, &env));
    }
    all_targets.and(doctests).and(features)
}
