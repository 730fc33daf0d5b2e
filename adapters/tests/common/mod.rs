//! Helpers for interop tests: real peers as child processes, on loopback only.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod attack;
#[cfg(feature = "whep")]
pub mod peer;
pub mod turn;
pub mod uclient;

/// The number after the last `key` in `text` (a tool's closing totals: uclient's
/// `tot_send_msgs=40`, `Total lost packets 0`).
pub fn last_number_after(text: &str, key: &str) -> Option<u64> {
    let rest = text.rsplit(key).next()?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Fail loudly when an interop peer is missing: the test is never counted as passed.
pub fn require(program: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "INTEROP PEER MISSING: `{program}` is not installed. Run `cargo xtask test`, which \
             installs it, or install it by hand. This test did NOT pass."
        )
    })
}

/// A loopback port free for both UDP and TCP right now, for a server a test starts.
///
/// It is drawn at random from 20000–32767: below Linux's ephemeral range (32768–60999 by
/// default), where every client socket of the tests running beside this one lands, and below
/// the TURN relay ranges (49152–65535 for coturn and `p2p turn-server`). A port taken from the
/// ephemeral range could be bound by another test between this check and the server's bind,
/// and the server would exit on "address in use" (CI saw that once).
pub fn free_port(ip: &str) -> u16 {
    const LOW: u16 = 20_000;
    const HIGH: u16 = 32_767;
    for _ in 0..1000 {
        let port = LOW + (rand_suffix() % u64::from(HIGH - LOW + 1)) as u16;
        if UdpSocket::bind((ip, port)).is_ok() && TcpListener::bind((ip, port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on {ip} in {LOW}-{HIGH}");
}

/// A child process killed (by PID) when dropped; its stderr goes to a file we can read.
pub struct Proc {
    child: Child,
    log: PathBuf,
    pub name: String,
}

impl Proc {
    /// Start `program args…` with stdout and stderr captured to a log file.
    pub fn start(program: &str, args: &[&str]) -> Proc {
        let dir = std::env::temp_dir().join(format!("interop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!(
            "{}-{}.log",
            program.rsplit('/').next().unwrap(),
            rand_suffix()
        ));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(program)
            .args(args)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        Proc {
            child,
            log,
            name: program.to_string(),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything it printed so far.
    pub fn output(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Wait until its output contains `needle`, or panic with the output after `limit`.
    pub fn wait_for(&self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.output().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} did not print {needle:?} within {limit:?}; output:\n{}",
            self.name,
            self.output()
        );
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish()
}

/// Run a command to completion with a time limit (via coreutils `timeout`).
pub fn run(program: &str, args: &[&str], limit_secs: u32) -> Output {
    let mut full = vec![format!("{limit_secs}"), program.to_string()];
    full.extend(args.iter().map(|s| s.to_string()));
    Command::new("timeout")
        .args(&full)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Wait until a UDP STUN server answers a Binding request on `addr`.
pub fn wait_stun(addr: SocketAddr, limit: Duration) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let req = [
        0u8, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];
    let start = Instant::now();
    let mut buf = [0u8; 512];
    while start.elapsed() < limit {
        let _ = s.send_to(&req, addr);
        if s.recv_from(&mut buf).is_ok() {
            return;
        }
    }
    panic!("no STUN server answered on {addr} within {limit:?}");
}

/// The `p2p` binary built for these tests, or the one `P2P_BIN` names (to run a test against
/// another build, e.g. the code before a fix: `P2P_BIN=/tmp/p2p-old cargo test …`).
pub fn p2p() -> &'static str {
    use std::sync::OnceLock;
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("P2P_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_p2p").to_string())
    })
}
