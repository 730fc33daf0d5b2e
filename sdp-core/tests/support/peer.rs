//! A real peer as a child process speaking a line protocol: we write `<command> [<hex>]`,
//! it answers `ok <hex>` or `err <message>`. The child runs in a private network namespace
//! (loopback only) when this process may create one, so nothing reaches a real interface.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

pub fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(h: &str) -> String {
    let bytes: Vec<u8> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex from peer"))
        .collect();
    String::from_utf8(bytes).expect("utf-8 from peer")
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn can_unshare() -> bool {
    Command::new("unshare")
        .args(["--net", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `program args…`, inside `unshare --net` with only loopback up when possible.
pub fn isolated(program: &str, args: &[&str]) -> Command {
    if can_unshare() {
        let mut c = Command::new("unshare");
        c.args([
            "--net",
            "sh",
            "-c",
            "ip link set lo up 2>/dev/null; exec \"$0\" \"$@\"",
            program,
        ]);
        c.args(args);
        c
    } else {
        eprintln!("note: cannot create a network namespace; running {program} with loopback-only configuration");
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

pub struct Peer {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    pub banner: String,
}

impl Peer {
    /// Start the peer and wait for its `ready …` line.
    pub fn spawn(name: &'static str, mut cmd: Command) -> Peer {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("INTEROP PEER MISSING: cannot start {name}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut peer = Peer {
            name,
            child,
            stdin,
            lines,
            banner: String::new(),
        };
        let first = peer.line(Duration::from_secs(90));
        match first.strip_prefix("ready") {
            Some(b) => peer.banner = b.trim().to_string(),
            None => panic!("INTEROP PEER MISSING: {name} did not start: {first}"),
        }
        peer
    }

    fn line(&mut self, timeout: Duration) -> String {
        self.lines
            .recv_timeout(timeout)
            .unwrap_or_else(|e| panic!("{}: no answer ({e})", self.name))
    }

    /// Send a command (its argument hex-encoded); the decoded `ok` payload or the error.
    pub fn call(&mut self, cmd: &str, arg: Option<&str>) -> Result<String, String> {
        let line = match arg {
            Some(a) => format!("{cmd} {}\n", hex(a)),
            None => format!("{cmd}\n"),
        };
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        let reply = self.line(Duration::from_secs(60));
        if let Some(h) = reply.strip_prefix("ok ") {
            Ok(unhex(h.trim()))
        } else if reply == "ok" {
            Ok(String::new())
        } else {
            Err(reply)
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"quit\n");
        let _ = self.stdin.flush();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
