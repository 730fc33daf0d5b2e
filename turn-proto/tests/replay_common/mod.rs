//! Capturing a machine's exchange with a real peer over a loopback UDP socket (shared by the
//! replay tests of turn-proto and ice-core; the replay itself is `netsim::replay`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::fmt::Debug;
use netsim::replay::{Capture, Datagrams, Output, Recorder, Step};
use sansio::{Instant, Path, SansIo};
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Fail loudly when a peer is missing: the test is never counted as passed.
pub fn require(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "INTEROP PEER MISSING: `{program}` is not installed. Run `cargo xtask test`, \
                 which installs it. This test did NOT pass."
            )
        })
}

/// A child process killed (by its PID) when dropped; output to the test's stderr log file.
pub struct Proc(Child);

impl Proc {
    /// Start `program args…`.
    pub fn start(program: &str, args: &[&str]) -> Proc {
        let log = std::env::temp_dir().join(format!("replay-{}.log", std::process::id()));
        let file = std::fs::File::create(log).unwrap();
        let child = Command::new("timeout")
            .arg("120")
            .arg(program)
            .args(args)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        Proc(child)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // `timeout` passes the signal on to the peer.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// A loopback UDP port free right now.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Wait until a STUN server answers a Binding request on `addr`.
pub fn wait_stun(addr: SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let req = [
        0u8, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];
    let mut buf = [0u8; 512];
    for _ in 0..100 {
        let _ = s.send_to(&req, addr);
        if s.recv_from(&mut buf).is_ok() {
            return;
        }
    }
    panic!("no STUN server answered on {addr}");
}

/// The installed version of a Debian package (for the fixture notes).
pub fn package_version(package: &str) -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "(version unknown)".into())
}

/// The end of every capture test: note how the capture was made (`cargo test ARGS`), check
/// that its text form parses back, replay it at once with `replay`, and write it to `fixture`
/// (relative to the crate) when `REPLAY_WRITE_FIXTURES=1`.
pub fn finish(fixture: &str, mut cap: Capture, args: &str, replay: impl Fn(&Capture)) {
    cap.notes.push(format!(
        "Made by: REPLAY_WRITE_FIXTURES=1 cargo test {args}"
    ));
    let parsed = Capture::parse(&cap.to_text()).unwrap();
    assert!(parsed == cap, "the text form does not parse back");
    replay(&parsed);
    if std::env::var("REPLAY_WRITE_FIXTURES").as_deref() == Ok("1") {
        std::fs::write(fixture, cap.to_text()).unwrap();
        eprintln!("wrote {fixture}");
    }
}

/// Drives a [`Recorder`] over loopback UDP sockets in real time: `now` is the time since
/// the driver started. Datagrams go out of the socket bound to their `path.local`.
pub struct UdpDriver {
    socks: Vec<UdpSocket>,
    start: std::time::Instant,
}

impl Default for UdpDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl UdpDriver {
    /// One socket on 127.0.0.1, any port.
    pub fn new() -> Self {
        let mut d = UdpDriver {
            socks: Vec::new(),
            start: std::time::Instant::now(),
        };
        d.bind();
        d
    }

    /// Another socket on 127.0.0.1 (a TURN server's relay); its address.
    pub fn bind(&mut self) -> SocketAddr {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        let a = s.local_addr().unwrap();
        self.socks.push(s);
        a
    }

    /// The first socket's address.
    pub fn local(&self) -> SocketAddr {
        self.socks[0].local_addr().unwrap()
    }

    /// A seed that differs between runs (the capture records what was drawn).
    pub fn seed(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    }

    /// Virtual time.
    pub fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    fn send(&self, sent: &Datagrams) {
        for (p, b) in sent {
            let sock = self
                .socks
                .iter()
                .find(|s| s.local_addr().unwrap() == p.local)
                .unwrap_or_else(|| panic!("no socket bound to {}", p.local));
            sock.send_to(b, p.remote).unwrap();
        }
    }

    fn recv(&self, buf: &mut [u8]) -> Option<(Path, usize)> {
        self.socks.iter().find_map(|s| {
            let (n, from) = s.recv_from(buf).ok()?;
            Some((Path::udp(s.local_addr().unwrap(), from), n))
        })
    }

    /// A command, its datagrams sent.
    pub fn command<M>(
        &mut self,
        rec: &mut Recorder<M>,
        text: &str,
        apply: impl FnMut(&mut M, Instant, &str, &mut Datagrams) -> String,
    ) -> Vec<M::Event>
    where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let out = rec.command(self.now(), text, apply);
        self.send(&out.sent);
        out.events
    }

    /// One round: a timeout when due, else a datagram from any socket, else a short sleep.
    pub fn step<M>(&mut self, rec: &mut Recorder<M>) -> Vec<M::Event>
    where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let now = self.now();
        let due = rec.machine().poll_timeout();
        let mut buf = [0u8; 2048];
        let out: Output<M::Event> = if due.is_some_and(|t| t <= now) {
            rec.timeout(now)
        } else if let Some((path, n)) = self.recv(&mut buf) {
            rec.datagram(self.now(), path, &buf[..n])
        } else {
            std::thread::sleep(Duration::from_micros(200));
            return Vec::new();
        };
        self.send(&out.sent);
        out.events
    }

    /// Run until an event matches `want`; returns the events seen. Panics after `limit`.
    pub fn until<M>(
        &mut self,
        rec: &mut Recorder<M>,
        limit: Duration,
        want: impl Fn(&M::Event) -> bool,
    ) -> Vec<M::Event>
    where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let end = std::time::Instant::now() + limit;
        let mut seen = Vec::new();
        while std::time::Instant::now() < end {
            let evs = self.step(rec);
            let hit = evs.iter().any(&want);
            seen.extend(evs);
            if hit {
                return seen;
            }
        }
        panic!("no wanted event within {limit:?}; saw {seen:?}");
    }

    /// Run until a datagram's result starts with `prefix`. Panics after `limit`.
    pub fn until_ret<M>(&mut self, rec: &mut Recorder<M>, limit: Duration, prefix: &str)
    where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let from = rec.steps().len();
        self.until_ret_since(rec, from, limit, prefix);
    }

    /// [`until_ret`](Self::until_ret), counting the steps recorded since step `from` (a
    /// datagram may have come while the caller waited for something else).
    pub fn until_ret_since<M>(
        &mut self,
        rec: &mut Recorder<M>,
        from: usize,
        limit: Duration,
        prefix: &str,
    ) where
        M: SansIo,
        M::Event: Debug,
        for<'a> M::Data<'a>: Debug,
    {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            self.step(rec);
            let hit = rec.steps()[from..].windows(2).any(|w| {
                matches!((&w[0], &w[1]), (Step::In(..), Step::Ret(_, r)) if r.starts_with(prefix))
            });
            if hit {
                return;
            }
        }
        panic!("no datagram returned {prefix:?} within {limit:?}");
    }
}
