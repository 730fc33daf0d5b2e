//! Driving an endpoint over a real UDP socket on loopback, with the wall clock, and running
//! an outside program (an interop peer) with its output collected.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as StdInstant};

use dtls_core::{Endpoint, Event};
use sansio::{Carrier, Entropy, Instant, Path, SansIo};

/// Randomness for real sessions.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .unwrap()
            .read_exact(buf)
            .unwrap();
    }
}

/// An endpoint on a socket.
pub struct Live<E: Entropy> {
    pub ep: Endpoint<E>,
    pub socket: UdpSocket,
    pub start: StdInstant,
    pub events: Vec<Event>,
    pub data: Vec<Vec<u8>>,
}

impl<E: Entropy> Live<E> {
    pub fn new(ep: Endpoint<E>, socket: UdpSocket) -> Self {
        Live {
            ep,
            socket,
            start: StdInstant::now(),
            events: vec![],
            data: vec![],
        }
    }

    pub fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    pub fn local_path(&self, remote: std::net::SocketAddr) -> Path {
        Path::udp(self.socket.local_addr().unwrap(), remote)
    }

    fn flush(&mut self) {
        let mut out = [0u8; 2048];
        let now = self.now();
        while let Some(t) = self.ep.poll_transmit(now, &mut out) {
            self.socket.send_to(&out[..t.len], t.path.remote).unwrap();
        }
        while let Some(e) = self.ep.poll_event() {
            self.events.push(e);
        }
    }

    /// Run until `done` or `limit` passes.
    pub fn run(&mut self, limit: Duration, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        let until = StdInstant::now() + limit;
        let mut buf = [0u8; 65536];
        loop {
            self.flush();
            if done(self) {
                return true;
            }
            if StdInstant::now() >= until {
                return false;
            }
            let now = self.now();
            let wait = self
                .ep
                .poll_timeout()
                .map(|t| Duration::from_micros(t.as_micros().saturating_sub(now.as_micros())))
                .unwrap_or(Duration::from_millis(50))
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            self.socket.set_read_timeout(Some(wait)).unwrap();
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let path = self.local_path(from);
                    let now = self.now();
                    if let Ok(Some(_)) = self.ep.handle_datagram(now, path, &buf[..n]) {
                        for r in dtls_core::Dtls::received(&self.ep) {
                            self.data.push(r.to_vec());
                        }
                    }
                }
                Err(_) => {
                    let now = self.now();
                    self.ep.handle_timeout(now);
                }
            }
        }
    }

    pub fn send(&mut self, data: &[u8]) {
        let mut out = [0u8; 2048];
        let now = self.now();
        let t = self.ep.send(now, (), data, &mut out).unwrap();
        self.socket.send_to(&out[..t.len], t.path.remote).unwrap();
    }
}

/// An outside program whose stdout and stderr are collected line by line.
pub struct Peer {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub output: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// Start `program args…` under `timeout 60`. Panics with `INTEROP PEER MISSING` when the
    /// program is not installed.
    pub fn spawn(program: &str, args: &[&str]) -> Peer {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            found,
            "INTEROP PEER MISSING: {program} (cargo xtask test installs it)"
        );
        let mut child = Command::new("timeout")
            .arg("60")
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    out.lock().unwrap().push(line);
                }
            });
        }
        let stdin = child.stdin.take();
        Peer {
            child,
            stdin,
            output,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    pub fn has_line(&self, needle: &str) -> bool {
        self.lines().iter().any(|l| l.contains(needle))
    }

    pub fn wait_line(&self, needle: &str, limit: Duration) -> bool {
        let until = StdInstant::now() + limit;
        while StdInstant::now() < until {
            if self.has_line(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Only the process this test started, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
