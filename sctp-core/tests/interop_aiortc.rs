//! Interop with aiortc's `RTCSctpTransport` (Python, PyPI) over plain UDP on loopback: a
//! stand-in for its DTLS transport feeds it SCTP packets (tests/peers/aiortc_sctp.py).
//! The association comes up with aiortc initiating and with both initiating; channels are
//! opened from each side; strings and binary, ordered and unordered, empty to 256 KiB,
//! arrive intact (aiortc echoes ours; we check its own against the same generator).
//!
//! `#[ignore]`d: `cargo xtask test` installs aiortc into target/interop-venv and runs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use sansio::{Instant, Path, SansIo};
use sctp_core::association::{ChannelConfig, ChannelId, DtlsRole, Event, MessageKind};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const SIZES: [usize; 7] = [0, 1, 100, 1200, 5000, 65_536, 262_144];

fn payload(size: usize, salt: usize, text: bool) -> Vec<u8> {
    (0..size)
        .map(|i| {
            if text {
                97 + (((i * 131) ^ salt) % 26) as u8
            } else {
                ((i * 131) ^ salt) as u8
            }
        })
        .collect()
}

fn python() -> String {
    let py = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/interop-venv/bin/python3"
        )
        .to_string()
    });
    let ok = Command::new(&py)
        .args(["-c", "import aiortc"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "INTEROP PEER MISSING: aiortc is not importable by {py}. Run `cargo xtask test`, which creates \
         target/interop-venv with aiortc. This test did NOT pass."
    );
    py
}

struct Peer {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(local: u16, remote: u16, delay: f64) -> Peer {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aiortc_sctp.py");
    let mut child = Command::new(python())
        .args([
            script,
            &local.to_string(),
            &remote.to_string(),
            "server",
            &delay.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python");
    let out = child.stdout.take().unwrap();
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    Peer { child, lines }
}

fn run(we_connect: bool, delay: f64) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let py_sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let py_port = py_sock.local_addr().unwrap().port();
    drop(py_sock);
    let me = sock.local_addr().unwrap();
    let peer_addr: std::net::SocketAddr = format!("127.0.0.1:{py_port}").parse().unwrap();
    let path = Path::udp(me, peer_addr);
    let peer = spawn(py_port, me.port(), delay);
    let mut a = support::assoc(DtlsRole::Client, 77, 4 << 20);
    let start = std::time::Instant::now();
    let now = || Instant::from_micros(start.elapsed().as_micros() as u64);
    if we_connect {
        a.connect(now(), path);
    }
    let mut buf = vec![0u8; 2048];
    let mut msg = vec![0u8; 300 * 1024];
    let mut events = Vec::new();
    let mut lines = Vec::new();
    let mut ours: Vec<ChannelId> = Vec::new();
    let mut sent: HashMap<u16, Vec<(MessageKind, Vec<u8>)>> = HashMap::new();
    let mut echoed: HashMap<u16, Vec<(MessageKind, Vec<u8>)>> = HashMap::new();
    let mut theirs: HashMap<u16, Vec<(MessageKind, Vec<u8>)>> = HashMap::new();
    let deadline = start + Duration::from_secs(90);
    let total = 2 * 2 * SIZES.len();
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: events {events:?}\nlines {lines:?}\n{a:?}\nechoed {:?} theirs {:?}",
            echoed.values().map(Vec::len).collect::<Vec<_>>(),
            theirs.values().map(Vec::len).collect::<Vec<_>>()
        );
        let wait = a.poll_timeout().map_or(Duration::from_millis(10), |t| {
            Duration::from_micros(t.as_micros().saturating_sub(now().as_micros()))
        });
        sock.set_read_timeout(Some(
            wait.clamp(Duration::from_millis(1), Duration::from_millis(10)),
        ))
        .unwrap();
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = a.handle_datagram(now(), Path::udp(me, from), &buf[..n]);
        }
        a.handle_timeout(now());
        while let Some(t) = a.poll_transmit(now(), &mut buf) {
            sock.send_to(&buf[..t.len], t.path.remote).unwrap();
        }
        while let Some(e) = a.poll_event() {
            events.push(e);
            if e == Event::AssociationUp && ours.is_empty() {
                for (label, ordered) in [("rs-ordered", true), ("rs-unordered", false)] {
                    ours.push(
                        a.open_channel(
                            now(),
                            ChannelConfig {
                                label,
                                ordered,
                                ..Default::default()
                            },
                        )
                        .unwrap(),
                    );
                }
            }
        }
        while let Ok(l) = peer.lines.try_recv() {
            lines.push(l);
        }
        // Once aiortc acknowledged our channels, send our matrix once.
        if ours.len() == 2
            && sent.is_empty()
            && ours
                .iter()
                .all(|c| events.contains(&Event::ChannelOpen(*c)))
        {
            let mut n = 0;
            for c in &ours {
                for kind in [MessageKind::String, MessageKind::Binary] {
                    for size in SIZES {
                        let data = payload(size, n + 1000, kind == MessageKind::String);
                        n += 1;
                        a.send(now(), *c, kind, &data).unwrap();
                        sent.entry(c.0).or_default().push((kind, data));
                    }
                }
            }
        }
        while let Ok(Some(r)) = a.poll_message(&mut msg) {
            let m = (r.kind, msg[..r.len].to_vec());
            if ours.contains(&r.channel) {
                echoed.entry(r.channel.0).or_default().push(m);
            } else {
                theirs.entry(r.channel.0).or_default().push(m);
            }
        }
        let done = echoed.values().map(Vec::len).sum::<usize>() == total
            && theirs.values().map(Vec::len).sum::<usize>() == total;
        if done {
            break;
        }
    }
    // Channels aiortc opened: labels and policy reached us.
    let mut py: Vec<u16> = theirs.keys().copied().collect();
    py.sort();
    assert!(
        py.iter().all(|id| id % 2 == 1),
        "aiortc (DTLS server) uses odd ids: {py:?}"
    );
    assert_eq!(a.channel_label(ChannelId(py[0])), Some("py-ordered"));
    assert_eq!(a.channel_policy(ChannelId(py[1])).map(|p| p.0), Some(false));
    // aiortc's matrix, regenerated here.
    let mut n = 0;
    for (i, id) in py.iter().enumerate() {
        let mut expect = Vec::new();
        for kind in [MessageKind::String, MessageKind::Binary] {
            for size in SIZES {
                expect.push((kind, payload(size, n, kind == MessageKind::String)));
                n += 1;
            }
        }
        let mut got = theirs[id].clone();
        if i == 1 {
            got.sort();
            expect.sort();
        }
        assert_eq!(got, expect, "aiortc's messages on channel {id}");
    }
    // Ours came back intact (aiortc echoed them on the same channel).
    for (i, c) in ours.iter().enumerate() {
        let (mut s, mut e) = (sent[&c.0].clone(), echoed[&c.0].clone());
        if i == 1 {
            s.sort();
            e.sort();
        }
        assert_eq!(e, s, "echo of our messages on {c}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("OPENED 0 rs-ordered ordered")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("OPENED 2 rs-unordered unordered")),
        "{lines:?}"
    );
}

#[test]
#[ignore = "interop: needs aiortc (cargo xtask test installs it)"]
fn aiortc_initiates_we_listen() {
    run(false, 0.0);
}

#[test]
#[ignore = "interop: needs aiortc (cargo xtask test installs it)"]
fn both_initiate() {
    run(true, 0.3);
}
