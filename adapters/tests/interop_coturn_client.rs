//! Our clients against coturn's `turnserver`, in the directions the other coturn tests do not
//! cover:
//!
//! * RFC 6062 with our TURN client (`turn_proto::client::TurnClient`, driven here over plain
//!   blocking TCP sockets): a TCP allocation, a permission, Connect to a TCP echo peer,
//!   ConnectionBind on a second connection, bytes both ways through the relay; and a peer
//!   connecting to the relayed address (ConnectionAttempt), bound and carrying bytes both ways.
//! * Long-term-credential STUN with `p2p stun --user` against `turnserver --secure-stun` (which
//!   requires authenticated Binding requests), over UDP and TCP; a wrong password and no
//!   credentials are refused.
//! * coturn's `turnutils_natdiscovery` (RFC 5780 mapping and filtering discovery) against
//!   `p2p stun-server --alternate`.
//!
//! `#[ignore]`d so plain `cargo test` stays fast; `cargo xtask test` installs coturn and runs
//! them. A missing peer fails the test loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{free_port, p2p, require, run, wait_stun, Proc};
use sansio::{Instant, Path, SansIo, SeededEntropy, Transport};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;
use stun_proto::wire::attr::RelayProtocol;
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};

/// `turnserver` on loopback with long-term credentials `user:pass` in realm `interop`.
fn coturn(extra: &[&str]) -> (Proc, u16) {
    let bin = require("turnserver");
    let port = free_port("127.0.0.1");
    let dir = std::env::temp_dir().join(format!("coturn-client-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pid = dir.join("turnserver.pid");
    let p = port.to_string();
    let mut args = vec![
        "-n",
        "--listening-ip=127.0.0.1",
        "--listening-port",
        &p,
        "--relay-ip=127.0.0.1",
        "--lt-cred-mech",
        "-u",
        "user:pass",
        "-r",
        "interop",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--allow-loopback-peers",
        "--log-file=stdout",
        "--simple-log",
        "--pidfile",
        pid.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let proc = Proc::start(bin.to_str().unwrap(), &args);
    wait_stun(
        format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(10),
    );
    (proc, port)
}

/// A TCP connection to the server carrying STUN/TURN frames, cut with `turn_proto`'s framer.
struct Framed {
    stream: TcpStream,
    path: Path,
    buf: Vec<u8>,
}

impl Framed {
    fn connect(server: SocketAddr) -> Framed {
        let stream = TcpStream::connect(server).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        let path = Path {
            transport: Transport::Tcp,
            local: stream.local_addr().unwrap(),
            remote: server,
        };
        Framed {
            stream,
            path,
            buf: Vec::new(),
        }
    }

    /// Complete frames read so far.
    fn frames(&mut self) -> Vec<Vec<u8>> {
        let mut chunk = [0u8; 4096];
        if let Ok(n) = self.stream.read(&mut chunk) {
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let mut out = Vec::new();
        while let Ok(Some((_, len))) = turn_proto::wire::frame_len(&self.buf) {
            if self.buf.len() < len {
                break;
            }
            out.push(self.buf.drain(..len).collect());
        }
        out
    }
}

type Client = TurnClient<SeededEntropy, 4>;

/// A blocking driver: the client's control connection plus data connections being bound.
struct Driver {
    client: Client,
    conns: Vec<Framed>,
    start: std::time::Instant,
}

impl Driver {
    fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    /// Run until an event matches `want` (returned), failing after `limit`.
    fn until(&mut self, what: &str, want: impl Fn(&TurnEvent) -> bool) -> TurnEvent {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            let now = self.now();
            self.client.handle_timeout(now);
            let mut out = [0u8; 1600];
            while let Some(t) = self.client.poll_transmit(now, &mut out) {
                let conn = self.conns.iter_mut().find(|c| c.path == t.path);
                let conn = conn.unwrap_or_else(|| panic!("no connection for {:?}", t.path));
                conn.stream.write_all(&out[..t.len]).unwrap();
            }
            while let Some(ev) = self.client.poll_event() {
                if want(&ev) {
                    return ev;
                }
                seen.push(ev);
            }
            for i in 0..self.conns.len() {
                let path = self.conns[i].path;
                for f in self.conns[i].frames() {
                    let _ = self.client.handle_datagram(now, path, &f);
                }
            }
        }
        panic!("no {what} from coturn within 10 s; events: {seen:?}");
    }
}

fn tcp_client(server: SocketAddr) -> Driver {
    let control = Framed::connect(server);
    let mut config = TurnClientConfig::new(control.path);
    config.protocol = RelayProtocol::Tcp;
    let client = Client::new(config, "user", "pass", SeededEntropy::new(62)).unwrap();
    let mut d = Driver {
        client,
        conns: vec![control],
        start: std::time::Instant::now(),
    };
    let now = d.now();
    d.client.allocate(now).unwrap();
    d.until("Allocated", |e| matches!(e, TurnEvent::Allocated { .. }));
    let now = d.now();
    d.client
        .create_permission(now, "127.0.0.1".parse().unwrap())
        .unwrap();
    d.until("PermissionCreated", |e| {
        matches!(e, TurnEvent::PermissionCreated { .. })
    });
    d
}

/// Open a data connection and bind it to `connection`; returns the raw stream.
fn bind_data(d: &mut Driver, server: SocketAddr, connection: u32) -> TcpStream {
    let data = Framed::connect(server);
    let path = data.path;
    d.conns.push(data);
    let now = d.now();
    d.client.connection_bind(now, path, connection).unwrap();
    d.until(
        "ConnectionBound",
        |e| matches!(e, TurnEvent::ConnectionBound { connection: c } if *c == connection),
    );
    let data = d.conns.pop().unwrap();
    assert!(
        data.buf.is_empty(),
        "peer bytes arrived before the bind answer"
    );
    data.stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    data.stream
}

fn read_exactly(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = vec![0u8; n];
    s.read_exact(&mut got).unwrap();
    got
}

#[test]
#[ignore = "interop: needs coturn (turnserver); run `cargo xtask test`"]
fn our_rfc6062_client_connects_through_coturn_to_a_tcp_peer() {
    let (server_proc, port) = coturn(&[]);
    let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // The TCP echo peer.
    let peer = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer_addr = peer.local_addr().unwrap();
    let echo = std::thread::spawn(move || {
        let (mut s, from) = peer.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let got = read_exactly(&mut s, 20);
        s.write_all(&got).unwrap();
        (from, got)
    });
    let mut d = tcp_client(server);
    let relayed = d.client.relayed_address().unwrap();
    let now = d.now();
    d.client.connect(now, peer_addr).unwrap();
    let ev = d.until("PeerConnected", |e| {
        matches!(e, TurnEvent::PeerConnected { .. })
    });
    let TurnEvent::PeerConnected { peer, connection } = ev else {
        unreachable!()
    };
    assert_eq!(peer, peer_addr);
    let mut data = bind_data(&mut d, server, connection);
    data.write_all(b"hello through rfc6062").unwrap();
    let (from, got) = echo.join().unwrap();
    assert_eq!(got, b"hello through rfc606");
    assert_eq!(from.ip(), relayed.ip(), "the peer sees the relay");
    assert_eq!(read_exactly(&mut data, 20), b"hello through rfc606");
    drop(server_proc);
}

#[test]
#[ignore = "interop: needs coturn (turnserver); run `cargo xtask test`"]
fn our_rfc6062_client_accepts_a_peer_connecting_to_its_coturn_relay() {
    let (_server, port) = coturn(&[]);
    let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut d = tcp_client(server);
    let relayed = d.client.relayed_address().unwrap();
    let mut peer = TcpStream::connect(relayed).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let ev = d.until("ConnectionAttempt", |e| {
        matches!(e, TurnEvent::ConnectionAttempt { .. })
    });
    let TurnEvent::ConnectionAttempt {
        peer: from,
        connection,
    } = ev
    else {
        unreachable!()
    };
    assert_eq!(from, peer.local_addr().unwrap());
    let mut data = bind_data(&mut d, server, connection);
    peer.write_all(b"from the peer").unwrap();
    assert_eq!(read_exactly(&mut data, 13), b"from the peer");
    data.write_all(b"back to it").unwrap();
    assert_eq!(read_exactly(&mut peer, 10), b"back to it");
}

fn stun(port: u16, args: &[&str]) -> (i32, String, String) {
    let server = format!("127.0.0.1:{port}");
    let mut full = vec!["stun", server.as_str(), "--timeout", "5"];
    full.extend_from_slice(args);
    let out = run(p2p(), &full, 20);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
#[ignore = "interop: needs coturn (turnserver); run `cargo xtask test`"]
fn p2p_stun_with_long_term_credentials_against_coturn_secure_stun() {
    let (_server, port) = coturn(&["--secure-stun"]);
    for tcp in [false, true] {
        let local = format!("127.0.0.1:{}", free_port("127.0.0.1"));
        let mut args = vec!["--user", "user:pass", "--local", &local];
        tcp.then(|| args.push("--tcp"));
        let (code, out, err) = stun(port, &args);
        assert_eq!(code, 0, "tcp={tcp}: {out}{err}");
        assert_eq!(out.trim(), local, "tcp={tcp}");
        // Refused: wrong password (401 after the retry with credentials), none at all.
        args[1] = "user:WRONG";
        let (code, _, err) = stun(port, &args);
        assert_eq!(code, 5, "tcp={tcp} wrong password: {err}");
        assert!(err.contains("401"), "tcp={tcp}: {err}");
        let (code, _, err) = stun(port, &args[2..]);
        assert_eq!(code, 5, "tcp={tcp} no credentials: {err}");
        assert!(err.contains("401"), "tcp={tcp}: {err}");
    }
}

#[test]
#[ignore = "interop: needs coturn (turnutils_natdiscovery); run `cargo xtask test`"]
fn coturn_natdiscovery_against_p2p_stun_server() {
    let client = require("turnutils_natdiscovery");
    let port = free_port("127.0.0.1");
    let alt_port = free_port("127.0.0.2");
    let (listen, alt) = (format!("127.0.0.1:{port}"), format!("127.0.0.2:{alt_port}"));
    let _server = Proc::start(
        p2p(),
        &["stun-server", "--listen", &listen, "--alternate", &alt],
    );
    wait_stun(listen.parse().unwrap(), Duration::from_secs(10));
    let out = run(
        client.to_str().unwrap(),
        &["-m", "-f", "-p", &port.to_string(), "127.0.0.1"],
        30,
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    // No NAT on loopback: both behaviours are endpoint-independent, and coturn's client saw
    // the answers of every RFC 5780 test (the change-IP and change-port ones included).
    assert!(
        text.contains("NAT with Endpoint Independent Mapping"),
        "{text}"
    );
    assert!(
        text.contains("NAT with Endpoint Independent Filtering"),
        "{text}"
    );
}
