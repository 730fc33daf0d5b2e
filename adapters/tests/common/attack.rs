//! Tools for the abuse tests: STUN/TURN requests (signed with long-term credentials when
//! asked), a blocking TURN session over UDP or TCP, TCP framing, a UDP round-trip probe and
//! the server's resident memory. Loopback only; every wait is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{AttrType, Attribute, PasswordAlgorithm};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};
use turn_proto::wire::{frame_len, RelayProtocol};

/// A fresh transaction id.
pub fn tid() -> TransactionId {
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut t = [0x5a; 12];
    t[..8].copy_from_slice(&n.to_be_bytes());
    TransactionId(t)
}

/// A request of `method` with `attrs`, then MESSAGE-INTEGRITY under `key` when given.
pub fn request(method: Method, attrs: &[Attribute<'_>], key: Option<&IntegrityKey>) -> Vec<u8> {
    let mut buf = vec![0u8; 70_000];
    let kind = MessageType::new(method, Class::Request);
    let mut b = MessageBuilder::new(&mut buf, kind, tid()).unwrap();
    for a in attrs {
        b.add(a).unwrap();
    }
    if let Some(k) = key {
        b.add_message_integrity(k).unwrap();
    }
    let n = b.finish();
    buf.truncate(n);
    buf
}

/// A bare 20-byte Binding request.
pub fn binding() -> Vec<u8> {
    request(Method::BINDING, &[], None)
}

/// What an answer says.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// Its length on the wire.
    pub len: usize,
    /// A success response.
    pub success: bool,
    /// ERROR-CODE.
    pub code: Option<u16>,
    /// REALM.
    pub realm: Option<String>,
    /// NONCE.
    pub nonce: Option<String>,
    /// Transaction id.
    pub tid: [u8; 12],
}

/// Read an answer; panics on garbage (the servers never send any).
pub fn answer(bytes: &[u8]) -> Answer {
    let m = Message::new_checked(bytes).unwrap_or_else(|e| panic!("not STUN: {e:?}"));
    let text = |k| {
        m.find_map(k, |a| match a {
            Attribute::Realm(s) | Attribute::Nonce(s) => Some(s.to_string()),
            _ => None,
        })
    };
    let code = m.find_map(AttrType::ERROR_CODE, |a| match a {
        Attribute::ErrorCode(c, _) => Some(c.code()),
        _ => None,
    });
    Answer {
        len: bytes.len(),
        success: m.class() == Class::Success,
        code,
        realm: text(AttrType::REALM),
        nonce: text(AttrType::NONCE),
        tid: m.transaction_id().0,
    }
}

/// One UDP socket or TCP connection to a server, blocking, with STUN framing on TCP.
pub enum Conn {
    /// A UDP socket and the server's address.
    Udp(UdpSocket, SocketAddr),
    /// A TCP connection.
    Tcp(TcpStream),
}

impl Conn {
    /// A UDP socket on loopback talking to `server`.
    pub fn udp(server: SocketAddr) -> Conn {
        Conn::Udp(UdpSocket::bind("127.0.0.1:0").unwrap(), server)
    }

    /// A TCP connection to `server`.
    pub fn tcp(server: SocketAddr) -> Conn {
        let s = TcpStream::connect_timeout(&server, Duration::from_secs(5)).unwrap();
        s.set_nodelay(true).unwrap();
        Conn::Tcp(s)
    }

    /// Send one message.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Udp(s, to) => s.send_to(bytes, *to).map(|_| ()),
            Conn::Tcp(s) => s.write_all(bytes),
        }
    }

    /// The next message, or `None` after `limit` (or when the connection closed).
    pub fn recv(&mut self, limit: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + limit;
        match self {
            Conn::Udp(s, _) => {
                let mut buf = vec![0u8; 2048];
                s.set_read_timeout(Some(limit)).unwrap();
                s.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
            }
            Conn::Tcp(s) => read_frame(s, deadline),
        }
    }

    /// Send `req` and wait for the answer with the same transaction id.
    pub fn ask(&mut self, req: &[u8], limit: Duration) -> Option<Answer> {
        self.send(req).ok()?;
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let a = answer(&self.recv(left)?);
            if a.tid[..] == req[8..20] {
                return Some(a);
            }
        }
    }
}

/// One STUN or ChannelData frame from a stream, or `None` at the deadline or end of stream.
pub fn read_frame(s: &mut TcpStream, deadline: Instant) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 4];
    let mut have = 0;
    let mut need = 4;
    while have < need {
        let left = deadline.checked_duration_since(Instant::now())?;
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match s.read(&mut buf[have..need]) {
            Ok(0) | Err(_) => return None,
            Ok(n) => have += n,
        }
        if have == 4 && need == 4 {
            need = frame_len(&buf).ok()??.1;
            buf.resize(need, 0);
        }
    }
    Some(buf)
}

/// An authenticated TURN session (long-term credentials, MD5 keys).
pub struct Session {
    /// The connection.
    pub conn: Conn,
    user: String,
    realm: String,
    nonce: String,
    key: IntegrityKey,
}

impl Session {
    /// Allocate a UDP relay as `user`:`pass`, answering the 401 challenge; the final answer
    /// is returned with the session whatever it says.
    pub fn allocate(mut conn: Conn, user: &str, pass: &str) -> (Session, Answer) {
        let transport = [Attribute::RequestedTransport(RelayProtocol::Udp)];
        let first = request(Method::ALLOCATE, &transport, None);
        let a = conn
            .ask(&first, Duration::from_secs(5))
            .expect("no 401 challenge");
        assert_eq!(a.code, Some(401), "{a:?}");
        let realm = a.realm.clone().unwrap();
        let key = IntegrityKey::long_term(
            user.as_bytes(),
            realm.as_bytes(),
            pass.as_bytes(),
            PasswordAlgorithm::Md5,
        );
        let mut s = Session {
            conn,
            user: user.into(),
            realm,
            nonce: a.nonce.unwrap(),
            key,
        };
        let req = s.signed(Method::ALLOCATE, &transport);
        let a = s
            .conn
            .ask(&req, Duration::from_secs(5))
            .expect("no Allocate answer");
        (s, a)
    }

    /// A request signed with the session's credentials.
    pub fn signed(&self, method: Method, attrs: &[Attribute<'_>]) -> Vec<u8> {
        let mut all = attrs.to_vec();
        all.push(Attribute::Username(&self.user));
        all.push(Attribute::Realm(&self.realm));
        all.push(Attribute::Nonce(&self.nonce));
        request(method, &all, Some(&self.key))
    }
}

/// The server's resident memory, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// CPU time the process has used (user + system).
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    Duration::from_millis((f[11] + f[12]) * 10) // clock ticks at 100 Hz
}

/// Round-trip times of UDP Binding requests sent to `server` every `every` until `stop`
/// (an unanswered probe counts as `give_up`).
pub fn probe_udp(
    server: SocketAddr,
    every: Duration,
    give_up: Duration,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut conn = Conn::udp(server);
        let mut rtts = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let t0 = Instant::now();
            let got = conn.ask(&binding(), give_up);
            rtts.push(if got.is_some() { t0.elapsed() } else { give_up });
            std::thread::sleep(every.saturating_sub(t0.elapsed()));
        }
        rtts
    })
}

/// The largest and the median of `v`.
pub fn max_and_median(v: &[Duration]) -> (Duration, Duration) {
    let mut s = v.to_vec();
    s.sort();
    (
        s.last().copied().unwrap_or_default(),
        s.get(s.len() / 2).copied().unwrap_or_default(),
    )
}

/// Whether the server closed `s` (end of stream or reset), without blocking.
pub fn closed_by_peer(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut b = [0u8; 64];
    let closed = match (&*s).read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// The value of `name` (with its labels) on the metrics endpoint at `addr`.
pub fn metric(addr: &str, name: &str) -> u64 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name:?} in:\n{body}"))
}

/// Print a measurement line the reliability table is built from.
pub fn figure(what: &str, value: impl std::fmt::Display) {
    eprintln!("FIGURE {what}: {value}");
}
