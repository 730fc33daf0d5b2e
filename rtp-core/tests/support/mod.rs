//! Helpers shared by the interop tests: finding the peer, bounding and killing processes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Fail loudly when a peer binary is missing: an interop test never passes silently.
pub fn require(bin: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false);
    if !found {
        panic!("INTEROP PEER MISSING: `{bin}` not found: install it (`cargo xtask test` does) and rerun");
    }
}

/// Fail loudly when a GStreamer element is missing (its plugin package is not installed).
pub fn require_gst_elements(elements: &[&str]) {
    require("gst-inspect-1.0");
    for e in elements {
        let ok = Command::new("gst-inspect-1.0")
            .arg(e)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            panic!("INTEROP PEER MISSING: GStreamer element `{e}` not found: install its plugins (`cargo xtask test` does) and rerun");
        }
    }
}

/// Reads one of a child's output pipes to its end, so the child never blocks on a full pipe
/// (a peer that prints warnings under load would otherwise stall at 64 KiB of them).
type Drain = std::sync::mpsc::Receiver<String>;

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<Drain> {
    let mut pipe = pipe?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    Some(rx)
}

/// A spawned process killed (by PID) and reaped when dropped; its stdout and stderr are read
/// as they come.
pub struct ChildGuard(pub Child, Option<Drain>, Option<Drain>);

impl ChildGuard {
    /// Spawn `cmd` with stdout/stderr captured.
    pub fn spawn(cmd: &mut Command) -> ChildGuard {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
        let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
        ChildGuard(child, out, err)
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Wait up to `limit` for exit; kill on timeout. Returns (exit status if it exited by
    /// itself, stdout, stderr).
    pub fn wait_output(mut self, limit: Duration) -> (Option<ExitStatus>, String, String) {
        let deadline = Instant::now() + limit;
        let mut exited = None;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.0.try_wait() {
                exited = Some(st);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if exited.is_none() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
        // A grandchild still holding the pipe must not hang the test: wait a little only.
        let text = |d: Option<Drain>| {
            d.and_then(|d| d.recv_timeout(Duration::from_secs(2)).ok())
                .unwrap_or_default()
        };
        (exited, text(self.1.take()), text(self.2.take()))
    }

    /// Send SIGINT (gst-launch -e turns it into EOS, flushing decoders).
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Run a command to completion within `limit`; panics if it times out or fails.
pub fn run(cmd: &mut Command, limit: Duration) -> (String, String) {
    let desc = format!("{cmd:?}");
    let guard = ChildGuard::spawn(cmd);
    let (status, stdout, stderr) = guard.wait_output(limit);
    let status =
        status.unwrap_or_else(|| panic!("{desc} timed out after {limit:?}\nstderr: {stderr}"));
    assert!(
        status.success(),
        "{desc} failed: {status}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

/// A fresh scratch directory under the target dir's tmp (or the system temp dir).
pub fn scratch(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("rtp-core-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A free UDP port on 127.0.0.1 (bound then released).
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}
