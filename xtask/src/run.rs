//! Running commands.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Run a command in the workspace root; an error when it fails.
pub fn status(program: &str, args: &[&str], env: &[(String, String)]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let st = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({st})", args.join(" ")))
    }
}

/// Run cargo with `args`.
pub fn cargo(args: &[&str], env: &[(String, String)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    status(&cargo, args, env)
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The core crates that must build without `std` or `alloc` for a Cortex-M4F.
pub const NO_STD_CRATES: &[&str] = &[
    "sansio",
    "stun-proto",
    "turn-proto",
    "ice-core",
    "rtp-core",
    "sdp-core",
    "srtp-core",
    "dtls-core",
    "sctp-core",
    "peer-core",
    "adapters-smoltcp",
    "machine-sim",
];

/// Crates that need one feature to build at all (embassy-net needs a medium), built for the
/// Cortex-M4F with only that feature.
pub const NO_STD_WITH_FEATURE: &[(&str, &str)] = &[("adapters-embassy", "medium-ethernet")];

/// Build every core crate for `thumbv7em-none-eabihf` with no default features.
pub fn nostd() -> Result<(), String> {
    status("rustup", &["target", "add", "thumbv7em-none-eabihf"], &[])?;
    let plain = NO_STD_CRATES.iter().map(|k| (*k, None));
    let featured = NO_STD_WITH_FEATURE.iter().map(|(k, f)| (*k, Some(*f)));
    for (krate, feature) in plain.chain(featured) {
        if root().join(krate).exists() {
            let mut args = vec!["build", "-p", krate, "--no-default-features"];
            if let Some(f) = feature {
                args.extend(["--features", f]);
            }
            args.extend(["--target", "thumbv7em-none-eabihf"]);
            cargo(&args, &[])?;
        }
    }
    Ok(())
}

/// Build every fuzz target and run each for `secs` seconds. Fails when `cargo fuzz list`
/// fails or lists nothing, when a file in `fuzz/fuzz_targets/` is not a registered target,
/// and when any target fails to build or to run.
pub fn fuzz_smoke(secs: &str) -> Result<(), String> {
    if !have("cargo-fuzz") {
        cargo(&["install", "cargo-fuzz", "--locked"], &[])?;
    }
    let fuzz_dir = root().join("fuzz");
    let targets = fuzz_targets(&fuzz_dir)?;
    let env = vec![("RUSTC_BOOTSTRAP".to_string(), "1".to_string())];
    let dir = fuzz_dir.to_string_lossy().to_string();
    // Build all first: a target that does not compile fails the smoke test before any runs.
    for t in &targets {
        cargo(
            &["fuzz", "build", "--fuzz-dir", &dir, "-s", "none", t],
            &env,
        )
        .map_err(|e| format!("fuzz target {t} does not build: {e}"))?;
    }
    for t in &targets {
        let time = format!("-max_total_time={secs}");
        // New inputs go to a scratch corpus; the committed seeds are read-only input.
        let scratch = root().join("target/fuzz-corpus").join(t);
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let scratch = scratch.to_string_lossy().to_string();
        let seeds = fuzz_dir.join("seeds").join(t);
        let seeds = seeds.exists().then(|| seeds.to_string_lossy().to_string());
        let mut args = vec!["fuzz", "run", "--fuzz-dir", &dir, "-s", "none", t, &scratch];
        if let Some(s) = seeds.as_deref() {
            args.push(s);
        }
        args.extend(["--", &time]);
        cargo(&args, &env)?;
    }
    eprintln!("xtask: {} fuzz targets built and run", targets.len());
    Ok(())
}

/// The targets `cargo fuzz list` reports, checked against the files in `fuzz_targets/`.
fn fuzz_targets(fuzz_dir: &std::path::Path) -> Result<Vec<String>, String> {
    let list = Command::new("cargo")
        .args(["fuzz", "list", "--fuzz-dir", &fuzz_dir.to_string_lossy()])
        .current_dir(fuzz_dir)
        .output()
        .map_err(|e| format!("cannot run cargo fuzz list: {e}"))?;
    if !list.status.success() {
        return Err(format!(
            "`cargo fuzz list` failed ({}): {}",
            list.status,
            String::from_utf8_lossy(&list.stderr)
        ));
    }
    let listed = parse_fuzz_list(&String::from_utf8_lossy(&list.stdout));
    let files = std::fs::read_dir(fuzz_dir.join("fuzz_targets"))
        .map_err(|e| format!("fuzz/fuzz_targets: {e}"))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect::<Vec<_>>();
    check_fuzz_targets(listed, &files)
}

/// Target names, one a line (cargo-fuzz may colour or indent them).
fn parse_fuzz_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// An empty list, or a target file that is not registered, is an error.
fn check_fuzz_targets(mut listed: Vec<String>, files: &[String]) -> Result<Vec<String>, String> {
    if listed.is_empty() {
        return Err("`cargo fuzz list` lists no fuzz targets: nothing would be fuzzed".into());
    }
    let unregistered: Vec<&String> = files.iter().filter(|f| !listed.contains(f)).collect();
    if !unregistered.is_empty() {
        return Err(format!(
            "fuzz/fuzz_targets has targets missing from fuzz/Cargo.toml: {unregistered:?}"
        ));
    }
    listed.sort();
    Ok(listed)
}

/// Build the bare-metal example and run it under QEMU; it exits 0 only if the STUN
/// transaction and the ICE connection worked on the Cortex-M4.
pub fn firmware() -> Result<(), String> {
    status("rustup", &["target", "add", "thumbv7em-none-eabihf"], &[])?;
    if !have("qemu-system-arm") {
        crate::peers::install_apt(&["qemu-system-arm"])?;
    }
    let dir = root().join("examples/firmware");
    let target = root().join("target/firmware").to_string_lossy().to_string();
    eprintln!("xtask: $ cargo run --release (in examples/firmware, QEMU mps2-an386)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["run", "--release"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cannot run the firmware: {e}"))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    eprintln!("{text}");
    if out.status.success() && text.contains("FIRMWARE OK") {
        Ok(())
    } else {
        Err(format!("the firmware failed under QEMU ({})", out.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_target_list_fails_the_smoke_test() {
        assert!(check_fuzz_targets(parse_fuzz_list(""), &[]).is_err());
        assert!(check_fuzz_targets(parse_fuzz_list("\n  \n"), &[]).is_err());
    }

    #[test]
    fn an_unregistered_target_file_fails_the_smoke_test() {
        let files = ["a".to_string(), "b".to_string()];
        let err = check_fuzz_targets(parse_fuzz_list("a\n"), &files).unwrap_err();
        assert!(err.contains("\"b\""), "{err}");
        assert_eq!(
            check_fuzz_targets(parse_fuzz_list("b\na\n"), &files),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
    }
}
