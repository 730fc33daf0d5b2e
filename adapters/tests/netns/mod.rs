//! A private internet of Linux network namespaces with real kernel NAT, for tests.
//!
//! ```text
//!   "internet" namespace: servers on 198.18.0.1 and 198.18.0.2, forwarding
//!        | 198.18.N.1/24
//!        | 198.18.N.2/24
//!   router N: nftables masquerade (port-preserving, `random`, or with a port forwarded);
//!             unsolicited packets to the router itself dropped (as a home router does)
//!        | 198.19.N.1/24
//!        | 198.19.N.10/24
//!   LAN N: the host behind the NAT, default route via its router
//! ```
//! Addresses are in 198.18.0.0/15 (RFC 2544) only; nothing is connected to a real
//! interface. Namespaces are deleted when the [`Lab`] is dropped (deleting a namespace
//! destroys its interfaces and nftables rules). Needs root, iproute2 and nftables: without
//! them the test fails with `INTEROP PEER MISSING`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// What a router does to its LAN's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    /// `masquerade`: Linux keeps the source port when it is free (endpoint-independent
    /// mapping) and conntrack lets in only replies (address-and-port-dependent filtering).
    Masquerade,
    /// `masquerade random`: a random port per connection (address-and-port-dependent
    /// mapping), the same filtering.
    MasqueradeRandom,
    /// `masquerade` plus this UDP port forwarded to the LAN host (so anyone may send to the
    /// mapping: endpoint-independent filtering).
    MasqueradeForwarding(u16),
}

/// One NATed site of the lab.
#[derive(Debug, Clone)]
pub struct Site {
    /// The router's namespace.
    pub router: String,
    /// The LAN host's namespace.
    pub lan: String,
    /// The LAN host's address (198.19.N.10).
    pub host: IpAddr,
    /// The router's public address (198.18.N.2).
    pub public: IpAddr,
}

/// The namespaces of one test.
pub struct Lab {
    prefix: String,
    namespaces: Vec<String>,
    /// The "internet" namespace, where the servers live.
    pub internet: String,
}

/// Run `program args` (with a time limit); panic with the output when it fails.
fn must(program: &str, args: &[&str]) -> Output {
    let out = Command::new("timeout")
        .arg("20")
        .arg(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if !out.status.success() {
        panic!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn ip(args: &[&str]) {
    must("ip", args);
}

/// Fail loudly unless namespaces and nftables can be used here.
pub fn require_netns() {
    for tool in ["ip", "nft"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            found,
            "INTEROP PEER MISSING: `{tool}` is not installed (Debian packages iproute2, \
             nftables; `cargo xtask test` installs them). This test did NOT pass."
        );
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Lab {
    /// The internet namespace with the two server addresses.
    pub fn new() -> Lab {
        require_netns();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("p{}x{n}", std::process::id() % 100_000);
        let internet = format!("{prefix}i");
        let created = Command::new("ip")
            .args(["netns", "add", &internet])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            created,
            "INTEROP PEER MISSING: cannot create a network namespace (`ip netns add` needs \
             root). This test did NOT pass."
        );
        let lab = Lab {
            prefix,
            namespaces: vec![internet.clone()],
            internet,
        };
        let i = lab.internet.as_str();
        ip(&["-n", i, "link", "set", "lo", "up"]);
        ip(&["-n", i, "addr", "add", "198.18.0.1/32", "dev", "lo"]);
        ip(&["-n", i, "addr", "add", "198.18.0.2/32", "dev", "lo"]);
        lab.sysctl(i, "net.ipv4.ip_forward=1");
        lab
    }

    fn sysctl(&self, ns: &str, setting: &str) {
        must("ip", &["netns", "exec", ns, "sysctl", "-qw", setting]);
    }

    fn add_ns(&mut self, name: String) -> String {
        ip(&["netns", "add", &name]);
        self.namespaces.push(name.clone());
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        name
    }

    /// A veth pair from namespace `a` (address `addr_a`) to `b` (`addr_b`), both /24.
    fn link(&self, a: &str, b: &str, names: (&str, &str), addrs: (&str, &str)) {
        ip(&[
            "link", "add", names.0, "type", "veth", "peer", "name", names.1,
        ]);
        ip(&["link", "set", names.0, "netns", a]);
        ip(&["link", "set", names.1, "netns", b]);
        ip(&["-n", a, "addr", "add", addrs.0, "dev", names.0]);
        ip(&["-n", b, "addr", "add", addrs.1, "dev", names.1]);
        ip(&["-n", a, "link", "set", names.0, "up"]);
        ip(&["-n", b, "link", "set", names.1, "up"]);
    }

    /// Site `n` (1–9) behind a router doing `nat`.
    pub fn add_site(&mut self, n: u8, nat: Nat) -> Site {
        let p = self.prefix.clone();
        let router = self.add_ns(format!("{p}r{n}"));
        let lan = self.add_ns(format!("{p}l{n}"));
        let (up_i, up_r) = (format!("{p}u{n}"), format!("{p}w{n}"));
        let (down_r, down_l) = (format!("{p}d{n}"), format!("{p}h{n}"));
        let internet = self.internet.clone();
        self.link(
            &internet,
            &router,
            (&up_i, &up_r),
            (&format!("198.18.{n}.1/24"), &format!("198.18.{n}.2/24")),
        );
        self.link(
            &router,
            &lan,
            (&down_r, &down_l),
            (&format!("198.19.{n}.1/24"), &format!("198.19.{n}.10/24")),
        );
        ip(&[
            "-n",
            &router,
            "route",
            "add",
            "default",
            "via",
            &format!("198.18.{n}.1"),
        ]);
        ip(&[
            "-n",
            &lan,
            "route",
            "add",
            "default",
            "via",
            &format!("198.19.{n}.1"),
        ]);
        self.sysctl(&router, "net.ipv4.ip_forward=1");
        let mut rules = format!(
            "table ip nat {{\n chain post {{\n  type nat hook postrouting priority 100;\n  oifname \"{up_r}\" masquerade{}\n }}\n",
            if nat == Nat::MasqueradeRandom { " random" } else { "" }
        );
        if let Nat::MasqueradeForwarding(port) = nat {
            rules += &format!(
                " chain pre {{\n  type nat hook prerouting priority -100;\n  iifname \"{up_r}\" udp dport {port} dnat to 198.19.{n}.10:{port}\n }}\n"
            );
        }
        rules += "}\n";
        // As a home router's firewall: unsolicited packets to the router itself are dropped,
        // not answered with ICMP. This matters for hole punching: a peer's first check often
        // arrives before our own has left, and if the router accepted it locally, conntrack
        // would record that flow and the masquerade of our own check (the same 5-tuple
        // reversed) would have to take another port.
        rules += &format!(
            "table inet filter {{\n chain input {{\n  type filter hook input priority 0; policy accept;\n  iifname \"{up_r}\" ct state new drop\n }}\n}}\n"
        );
        let mut nft = Command::new("ip")
            .args(["netns", "exec", &router, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        nft.stdin
            .take()
            .unwrap()
            .write_all(rules.as_bytes())
            .unwrap();
        let out = nft.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "nft refused {rules}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Site {
            router,
            lan,
            host: format!("198.19.{n}.10").parse().unwrap(),
            public: format!("198.18.{n}.2").parse().unwrap(),
        }
    }

    /// `ip netns exec ns program args…` as a command to run or spawn.
    pub fn command(ns: &str, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, program]).args(args);
        c
    }

    /// Run to completion in `ns`, bounded by `limit_secs`.
    pub fn run(ns: &str, program: &str, args: &[&str], limit_secs: u32) -> Output {
        let limit = limit_secs.to_string();
        let mut full = vec![limit.as_str(), program];
        full.extend_from_slice(args);
        Lab::command(ns, "timeout", &full)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().rev() {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// A child process speaking lines on stdin/stdout (killed, by PID, when dropped).
pub struct LinePeer {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
    pub name: String,
}

impl LinePeer {
    pub fn spawn(name: &str, mut cmd: Command) -> LinePeer {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        LinePeer {
            child,
            lines,
            seen: Vec::new(),
            name: name.to_string(),
        }
    }

    /// The next line starting with `prefix`, or a panic with everything seen after `limit`.
    pub fn expect(&mut self, prefix: &str, limit: Duration) -> String {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "{} never printed {prefix:?}; it printed {:#?}",
            self.name, self.seen
        );
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for LinePeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
