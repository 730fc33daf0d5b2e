//! TURN over DTLS (RFC 7350: `turns:` over UDP, on the TLS port): one dtls-core
//! [`Endpoint`] per client 5-tuple, driven through the [`Dtls`] trait; the
//! plaintext datagrams go through the server like UDP ones, on a `Transport::Dtls` path, and
//! what the server sends back (responses, relayed peer data) is sealed by the client's
//! session.
//!
//! The server does not ask clients for a certificate (TURN clients authenticate with STUN
//! credentials; dtls-core's [`Config::request_client_certificate`] off). It presents the
//! `--cert`/`--pkey` pair, which must be ECDSA P-256 (all dtls-core signs with) and at most
//! 1024 bytes of DER; only the first certificate of the file (the leaf) is sent. Another key
//! stops the server at start with a one-line error naming `--no-dtls`.
//!
//! Bounds, the TLS listener's: an unverified client costs nothing (a stateless
//! HelloVerifyRequest, never larger than its ClientHello); a session is made only for a
//! client that echoed its cookie, and only while fewer than `max_tls_handshakes` DTLS
//! handshakes run and fewer than `max_dtls_sessions` sessions exist (otherwise refused,
//! logged and counted); a handshake not done within `tls_handshake_timeout` is freed and
//! counted; a session without an allocation silent for `tcp_idle_timeout` is closed.

use super::state::{Core, FastMap, IoStats, Shared};
use super::RunError;
use crate::OsEntropy;
use dtls_core::cert::{private_key_from_der, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, Dtls, DtlsRole, Endpoint, Event, Failure, State};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sansio::{Carrier as _, Instant, Path, SansIo as _, Transport};
use std::net::SocketAddr;
use std::path::Path as FsPath;
use std::rc::Rc;
use std::time::Duration;
use tokio::net::UdpSocket;

/// A DTLS endpoint of this server.
type Ep = Endpoint<OsEntropy>;
/// Largest datagram read from a DTLS socket (a record holds at most 16 KiB of plaintext).
const MAX_DATAGRAM: usize = 17 * 1024;
/// Room to seal one datagram for a client: the largest plaintext and the record overhead.
const SEAL_ROOM: usize = 16_384 + 64;
/// Datagrams one socket task handles before it lets the other tasks run.
const PER_TURN: usize = 32;
/// How often handshake timers, retransmissions and idle sessions are looked at.
const SWEEP: Duration = Duration::from_millis(50);

/// Counters of the DTLS listeners.
#[derive(Debug, Default, Clone, Copy)]
pub struct DtlsStats {
    /// Handshakes completed.
    pub handshakes: u64,
    /// Handshakes that did not finish in time (stalled clients), freed.
    pub timeouts: u64,
    /// Handshakes or sessions that failed (bad records, no common suite, alerts).
    pub failures: u64,
    /// Clients refused after their cookie: too many handshakes running or sessions held.
    pub refused: u64,
    /// HelloVerifyRequests sent (stateless, before any session exists).
    pub hello_verifies: u64,
    /// Sessions closed after the idle timeout without an allocation.
    pub idle_closed: u64,
}

/// Limits of the DTLS listeners.
#[derive(Debug, Clone, Copy)]
pub struct DtlsLimits {
    /// Most sessions (handshaking and connected).
    pub max_sessions: usize,
    /// Most handshakes at once.
    pub max_handshakes: usize,
    /// Time a handshake may take.
    pub handshake_timeout: Duration,
    /// Silence allowed to a session without an allocation.
    pub idle_timeout: Duration,
}

struct Session {
    ep: Box<Ep>,
    last_rx: Instant,
    up: bool,
}

/// The DTLS side of the server: sockets, the stateless listener, the sessions.
pub struct DtlsListener {
    config: Config,
    cert: Certificate,
    cookie: [u8; 32],
    /// The endpoint that answers unknown clients (stateless until a cookie checks out).
    listener: Box<Ep>,
    sessions: FastMap<Path, Session>,
    handshaking: usize,
    sockets: Vec<(SocketAddr, Rc<UdpSocket>)>,
    limits: DtlsLimits,
    /// Counters.
    pub stats: DtlsStats,
    seal: Vec<u8>,
}

impl std::fmt::Debug for DtlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtlsListener")
            .field("sessions", &self.sessions.len())
            .field("handshaking", &self.handshaking)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The P-256 certificate and key of `--cert`/`--pkey` for DTLS: the first certificate of the
/// PEM file and its key (PKCS #8 or SEC1).
pub fn load_certificate(cert: &FsPath, key: &FsPath) -> Result<Certificate, RunError> {
    let bad = |m: String| {
        RunError::Usage(format!(
            "DTLS: {m} (dtls-core signs with ECDSA P-256 only: give a P-256 --cert/--pkey, \
             or --no-dtls to listen on TLS only)"
        ))
    };
    let leaf = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(format!("--cert {}: {e}", cert.display())))?
        .next()
        .ok_or_else(|| bad(format!("--cert {}: no certificate", cert.display())))?
        .map_err(|e| bad(format!("--cert {}: {e}", cert.display())))?;
    let pkey = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| bad(format!("--pkey {}: {e}", key.display())))?;
    let secret = match &pkey {
        PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der(),
        PrivateKeyDer::Sec1(k) => k.secret_sec1_der(),
        _ => return Err(bad(format!("--pkey {}: not an EC key", key.display()))),
    };
    let private = private_key_from_der(secret)
        .map_err(|e| bad(format!("--pkey {}: {e:?}", key.display())))?;
    Certificate::from_der(&RustCrypto, leaf.as_ref(), private)
        .map_err(|e| bad(format!("--cert {}: {e:?}", cert.display())))
}

impl DtlsListener {
    /// Listeners presenting `cert`, within `limits` (sockets are added with
    /// [`add_socket`](Self::add_socket)).
    pub fn new(cert: Certificate, limits: DtlsLimits) -> Self {
        let mut config = Config {
            request_client_certificate: false,
            handshake_timeout: limits.handshake_timeout,
            ..Config::default()
        };
        config.srtp_profiles.clear();
        let mut cookie = [0u8; 32];
        sansio::Entropy::fill(&mut OsEntropy, &mut cookie);
        let listener = Box::new(server_endpoint(&config, &cert, cookie));
        DtlsListener {
            config,
            cert,
            cookie,
            listener,
            sessions: FastMap::default(),
            handshaking: 0,
            sockets: Vec::new(),
            limits,
            stats: DtlsStats::default(),
            seal: vec![0; SEAL_ROOM],
        }
    }

    /// Listen on `socket` bound at `local` too.
    pub fn add_socket(&mut self, local: SocketAddr, socket: Rc<UdpSocket>) {
        self.sockets.push((local, socket));
    }

    /// Present `cert` to clients from now on (open sessions keep theirs).
    pub fn set_certificate(&mut self, cert: Certificate) {
        self.cert = cert;
        *self.listener = server_endpoint(&self.config, &self.cert, self.cookie);
    }

    /// Sessions held (handshaking and connected).
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Handshakes running now.
    pub fn handshaking(&self) -> usize {
        self.handshaking
    }

    /// Seal `data` for the client on `path` and send it; `false` when it could not go.
    fn send(&mut self, now: Instant, path: &Path, data: &[u8]) -> bool {
        let Some(s) = self.sessions.get_mut(path) else {
            return false;
        };
        let Ok(t) = s.ep.send(now, (), data, &mut self.seal) else {
            return false;
        };
        let sock = self.sockets.iter().find(|(a, _)| *a == path.local);
        let sealed = self.seal.get(..t.len).unwrap_or(&[]);
        sock.is_some_and(|(_, s)| crate::mmsg::send_one(&**s, sealed, path.remote).is_ok())
    }

    /// Send what the session on `path` queued.
    fn flush_session(&mut self, now: Instant, path: &Path) {
        if let Some(s) = self.sessions.get_mut(path) {
            flush(&self.sockets, &mut self.seal, now, &mut s.ep, path.local);
        }
    }

    fn remove(&mut self, path: &Path) -> Option<Session> {
        let s = self.sessions.remove(path)?;
        if !s.up {
            self.handshaking = self.handshaking.saturating_sub(1);
        }
        Some(s)
    }
}

/// Send what `ep` queued (handshake flights, alerts) from the socket at `local`.
fn flush(
    sockets: &[(SocketAddr, Rc<UdpSocket>)],
    seal: &mut [u8],
    now: Instant,
    ep: &mut Ep,
    local: SocketAddr,
) {
    let Some((_, sock)) = sockets.iter().find(|(a, _)| *a == local) else {
        return;
    };
    while let Some(t) = ep.poll_transmit(now, seal) {
        let data = seal.get(..t.len).unwrap_or(&[]);
        let _ = crate::mmsg::send_one(&**sock, data, t.path.remote);
    }
}

/// A server endpoint waiting for a ClientHello, sharing the listener's cookie secret.
fn server_endpoint(config: &Config, cert: &Certificate, cookie: [u8; 32]) -> Ep {
    let mut ep = Endpoint::new(DtlsRole::Server, config.clone(), cert.clone(), OsEntropy);
    ep.set_cookie_secret(cookie);
    let any = SocketAddr::from(([0, 0, 0, 0], 0));
    ep.start(Instant::ZERO, Path::udp(any, any));
    ep
}

/// Send `data` (a response or relayed peer data) to the DTLS client on `path`, sealed by its
/// session; counted as a send error when there is none.
pub fn write_to(
    dtls: &mut Option<DtlsListener>,
    io: &mut IoStats,
    now: Instant,
    path: &Path,
    data: &[u8],
) {
    let sent = dtls.as_mut().is_some_and(|d| d.send(now, path, data));
    if !sent {
        io.send_errors += 1;
    }
}

/// Read one DTLS socket until it fails.
pub async fn recv_loop(shared: Shared, socket: Rc<UdpSocket>, local: SocketAddr) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        if let Err(e) = socket.readable().await {
            tracing::error!(%local, "DTLS socket failed: {e}");
            return;
        }
        for _ in 0..PER_TURN {
            let (n, from) = match socket.try_recv_from(&mut buf) {
                Ok(v) => v,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    tracing::debug!(%local, "DTLS receive: {e}");
                    break;
                }
            };
            let path = Path {
                transport: Transport::Dtls,
                local,
                remote: from,
            };
            let mut core = shared.borrow_mut();
            on_datagram(&mut core, &shared, path, buf.get(..n).unwrap_or(&[]));
        }
        tokio::task::yield_now().await;
    }
}

/// One datagram from `path.remote`.
fn on_datagram(core: &mut Core, shared: &Shared, path: Path, data: &[u8]) {
    let now = core.clock.now();
    let Some(d) = core.dtls.as_mut() else {
        return;
    };
    if !d.sessions.contains_key(&path) {
        return new_client(core, path, data, now);
    }
    let mut plain: Vec<Vec<u8>> = Vec::new();
    if let Some(s) = d.sessions.get_mut(&path) {
        s.last_rx = now;
        if let Ok(Some(_)) = s.ep.handle_datagram(now, path, data) {
            plain.extend(Dtls::received(&*s.ep).into_iter().map(<[u8]>::to_vec));
        }
    }
    d.flush_session(now, &path);
    session_events(core, &path);
    for msg in &plain {
        to_server(core, path, msg, now);
    }
    core.drain_events(shared);
}

/// A datagram from a client without a session: the stateless listener answers it; a
/// ClientHello with a good cookie becomes a session when there is room.
fn new_client(core: &mut Core, path: Path, data: &[u8], now: Instant) {
    let Some(d) = core.dtls.as_mut() else {
        return;
    };
    let before = d.listener.stats().hello_verify_requests;
    if d.listener.handle_datagram(now, path, data).is_err() {
        return;
    }
    match d.listener.state() {
        State::Listening => {
            d.stats.hello_verifies += d.listener.stats().hello_verify_requests - before;
            flush(&d.sockets, &mut d.seal, now, &mut d.listener, path.local);
            return;
        }
        State::Handshaking => {}
        _ => {
            // A bad ClientHello after a good cookie: its alert goes out, a fresh listener
            // takes over.
            let fresh = Box::new(server_endpoint(&d.config, &d.cert, d.cookie));
            let mut ep = std::mem::replace(&mut d.listener, fresh);
            flush(&d.sockets, &mut d.seal, now, &mut ep, path.local);
            d.stats.failures += 1;
            return;
        }
    }
    let fresh = Box::new(server_endpoint(&d.config, &d.cert, d.cookie));
    let ep = std::mem::replace(&mut d.listener, fresh);
    admit(core, path, ep, now);
}

/// A client whose cookie checked out: a session when there is room, else refused (it may
/// retry; nothing of it is kept).
fn admit(core: &mut Core, path: Path, ep: Box<Ep>, now: Instant) {
    let Some(d) = core.dtls.as_mut() else {
        return;
    };
    let full = d.sessions.len() >= d.limits.max_sessions;
    if full || d.handshaking >= d.limits.max_handshakes {
        d.stats.refused += 1;
        let (sessions, handshaking) = (d.sessions.len(), d.handshaking);
        if let Some(suppressed) = core.logs.allow("dtls_refused", std::time::Instant::now()) {
            tracing::warn!(client = %path.remote, suppressed, sessions, handshaking,
                "DTLS client refused: {}", if full { "session table full" }
                else { "too many handshakes in progress" });
        }
        return;
    }
    d.handshaking += 1;
    let s = Session {
        ep,
        last_rx: now,
        up: false,
    };
    d.sessions.insert(path, s);
    d.flush_session(now, &path);
    session_events(core, &path);
}

/// Run a decrypted message from the client through the server, like a UDP datagram.
fn to_server(core: &mut Core, path: Path, msg: &[u8], now: Instant) {
    super::tcp::client_message(core, path, msg, now);
}

/// Act on what the session on `path` reports: up, failed, closed.
fn session_events(core: &mut Core, path: &Path) {
    loop {
        let Some(d) = core.dtls.as_mut() else {
            return;
        };
        let Some(s) = d.sessions.get_mut(path) else {
            return;
        };
        let Some(ev) = s.ep.poll_event() else {
            return;
        };
        match ev {
            Event::Connected(_) => {
                s.up = true;
                d.handshaking = d.handshaking.saturating_sub(1);
                d.stats.handshakes += 1;
                tracing::debug!(client = %path.remote, "DTLS session up");
            }
            Event::Failed(f) => {
                if f == Failure::HandshakeTimeout {
                    d.stats.timeouts += 1;
                    if let Some(suppressed) =
                        core.logs.allow("dtls_timeout", std::time::Instant::now())
                    {
                        tracing::info!(client = %path.remote, suppressed,
                            "DTLS handshake not finished in time: freed");
                    }
                } else {
                    d.stats.failures += 1;
                    tracing::debug!(client = %path.remote, "DTLS session failed: {f}");
                }
                end_session(core, path);
                return;
            }
            _ => {
                tracing::debug!(client = %path.remote, "DTLS session closed");
                end_session(core, path);
                return;
            }
        }
    }
}

/// Forget the session on `path` and whatever the server holds for it.
fn end_session(core: &mut Core, path: &Path) {
    if let Some(d) = core.dtls.as_mut() {
        if d.remove(path).is_some_and(|s| s.up) {
            core.server.close_client(path);
        }
    }
}

/// Drive every session's timers (retransmissions, handshake deadline) and close sessions
/// without an allocation that stayed silent for the idle timeout.
pub async fn sweeper(shared: Shared) {
    let mut tick = tokio::time::interval(SWEEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let mut guard = shared.borrow_mut();
        let core = &mut *guard;
        sweep(core);
        core.drain_events(&shared);
    }
}

fn sweep(core: &mut Core) {
    let now = core.clock.now();
    let Some(d) = core.dtls.as_mut() else {
        return;
    };
    let idle = d.limits.idle_timeout;
    let mut due = Vec::new();
    let mut silent = Vec::new();
    for (path, s) in &d.sessions {
        if s.ep.poll_timeout().is_some_and(|t| t <= now) {
            due.push(*path);
        } else if s.up && now.saturating_duration_since(s.last_rx) >= idle {
            silent.push(*path);
        }
    }
    for path in &due {
        if let Some(s) = d.sessions.get_mut(path) {
            s.ep.handle_timeout(now);
        }
        d.flush_session(now, path);
    }
    for path in silent {
        if core.server.relayed_address(&path).is_some() {
            continue;
        }
        let Some(d) = core.dtls.as_mut() else {
            return;
        };
        if let Some(mut s) = d.remove(&path) {
            s.ep.close(now);
            flush(&d.sockets, &mut d.seal, now, &mut s.ep, path.local);
            d.stats.idle_closed += 1;
        }
        core.server.close_client(&path);
    }
    for path in &due {
        session_events(core, path);
    }
}
