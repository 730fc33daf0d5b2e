//! A program the node reads from (`--sensor-cmd`, `--camera`, `--video-cmd`): `sh -c CMD`
//! on a thread of its own, its stdout handed to a reader, started again when it exits —
//! after 1 s, then 2, 4… up to 30 s while it keeps dying — and killed when the node stops.

use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest wait before starting the program again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The running program, so the node can stop it when it stops.
#[derive(Debug, Clone, Default)]
pub struct Running {
    child: Arc<Mutex<Option<Child>>>,
    stopped: Arc<AtomicBool>,
}

impl Running {
    /// Kill the program and do not start it again.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Ok(mut c) = self.child.lock() {
            if let Some(child) = c.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Start running `sh -c cmd` on a thread of its own (named after `what`), handing its
/// stdout to `read` until it ends; the program is started again whenever it exits.
pub fn spawn(
    what: &'static str,
    cmd: String,
    mut read: impl FnMut(ChildStdout) + Send + 'static,
) -> std::io::Result<Running> {
    let running = Running::default();
    let r = running.clone();
    std::thread::Builder::new()
        .name(format!("{what}-cmd"))
        .spawn(move || supervise(what, &cmd, &r, &mut read))?;
    Ok(running)
}

/// Run the program, restart it when it exits, until the node stops.
fn supervise(what: &str, cmd: &str, running: &Running, read: &mut impl FnMut(ChildStdout)) {
    let mut backoff = Duration::from_secs(1);
    while !running.stopped.load(Ordering::SeqCst) {
        let started = Instant::now();
        let child = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn();
        match child {
            Ok(mut child) => {
                tracing::info!(cmd, pid = child.id(), "{what} command started");
                let out = child.stdout.take();
                if let Ok(mut c) = running.child.lock() {
                    *c = Some(child);
                }
                if let Some(out) = out {
                    read(out);
                }
                reap(what, cmd, running);
            }
            Err(e) => tracing::error!(cmd, "{what} command cannot start: {e}"),
        }
        if running.stopped.load(Ordering::SeqCst) {
            return;
        }
        // A program that ran a while starts again soon; one that keeps dying, less often.
        if started.elapsed() > MAX_BACKOFF {
            backoff = Duration::from_secs(1);
        }
        tracing::info!(cmd, ?backoff, "{what} command: starting again");
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Wait for the program to exit after its stdout closed; log how it ended.
fn reap(what: &str, cmd: &str, running: &Running) {
    loop {
        let status = match running.child.lock() {
            Ok(mut c) => match c.as_mut().map(Child::try_wait) {
                Some(Ok(None)) => None,
                Some(Ok(Some(status))) => Some(Ok(status)),
                Some(Err(e)) => Some(Err(e)),
                None => return,
            },
            Err(_) => return,
        };
        match status {
            None => std::thread::sleep(Duration::from_millis(50)),
            Some(Ok(status)) => {
                tracing::warn!(cmd, %status, "{what} command exited");
                break;
            }
            Some(Err(e)) => {
                tracing::warn!(cmd, "{what} command: cannot wait: {e}");
                break;
            }
        }
    }
    if let Ok(mut c) = running.child.lock() {
        *c = None;
    }
}
