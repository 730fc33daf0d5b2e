//! The server's shared state: the sans-IO `TurnServer`, the sockets it asked for, the TCP
//! connections, and the answers to its events.
//!
//! Everything runs on one thread (a current-thread runtime with a `LocalSet`): tasks share
//! the state through `Rc<RefCell<Core>>` and borrow it only between awaits, so no lock is
//! taken and nothing is copied between tasks on the data path.

use super::ports::PortPool;
use super::Settings;
use super::{tcp, udp};
use crate::ratelog::LogLimiter;
use crate::stream::BufferBudget;
use crate::{Clock, OsEntropy};
use sansio::SansIo as _;
use sansio::{Instant, Path, Transmit, Transport};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::task::AbortHandle;
use turn_proto::server::{ConnectionId, HeapTables, RelayRequest, ServerEvent, TurnServer};
use turn_proto::wire::{AddressFamily, RelayProtocol};

/// A hash map with a fast, randomly seeded hasher (keys are socket addresses and 5-tuples).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The TURN machine as this program instantiates it.
pub type Server = TurnServer<super::users::Users, OsEntropy, HeapTables>;
/// The state, shared by every task of the server.
pub type Shared = Rc<RefCell<Core>>;

/// A UDP relay socket and the task reading it.
#[derive(Debug)]
pub struct Relay {
    /// The socket.
    pub socket: Rc<UdpSocket>,
    task: Option<AbortHandle>,
}

/// Counters the core does not keep (adapter-side losses, connections).
#[derive(Debug, Default, Clone, Copy)]
pub struct IoStats {
    /// Datagrams the kernel refused to send (buffer full, unreachable), dropped.
    pub send_errors: u64,
    /// Datagrams received truncated (larger than the receive buffer), dropped.
    pub truncated: u64,
    /// Frames dropped because a TCP connection's send queue was full.
    pub tcp_queue_drops: u64,
    /// Relay sockets the server asked for and could not get (508 sent).
    pub relay_bind_failures: u64,
    /// TCP connections accepted since start.
    pub tcp_accepted: u64,
    /// TCP connections closed to make room for a new one (table full).
    pub tcp_evicted: u64,
    /// TCP connections refused (table full of connections holding allocations).
    pub tcp_refused: u64,
    /// TCP connections closed because the shared buffer budget was spent.
    pub tcp_buffer_refusals: u64,
}

/// Everything the tasks share.
#[derive(Debug)]
pub struct Core {
    /// The sans-IO server.
    pub server: Server,
    /// The timeline the server runs on.
    pub clock: Clock,
    /// UDP listening sockets by local address.
    pub listeners: Vec<(SocketAddr, Rc<UdpSocket>)>,
    /// UDP relay sockets by relayed address.
    pub relays: FastMap<SocketAddr, Relay>,
    /// Sockets held for EVEN-PORT reservations (the port after an even one).
    reserved: FastMap<SocketAddr, std::net::UdpSocket>,
    /// TCP connections from clients (control and data), by 5-tuple.
    pub streams: FastMap<Path, tcp::Stream>,
    /// TCP connections without an allocation, by the time of their last complete frame:
    /// the first is evicted when the table is full.
    pub idle_tcp: BTreeSet<(Instant, Path)>,
    /// The TCP limits.
    pub tcp: tcp::TcpLimits,
    /// What TCP connections hold beyond their idle read buffers.
    pub budget: Arc<BufferBudget>,
    /// Rate limits for repeated warnings.
    pub logs: LogLimiter,
    /// Gives memory back once TCP connections closed.
    pub shrinker: crate::heap::Shrinker,
    /// RFC 6062 state: TCP relays and peer connections.
    pub tcp_relays: tcp::TcpRelays,
    ports: PortPool,
    relay_ips: Vec<IpAddr>,
    /// Adapter-side counters.
    pub io: IoStats,
    /// The receive buffers, shared by every socket task (only one runs at a time).
    pub rx: udp::RxBuffers,
    /// Scratch space for responses.
    pub out: Box<[u8; 1500]>,
    /// Send equal-sized datagrams to one client as UDP GSO trains.
    pub gso: bool,
    /// Datagrams for clients waiting for the flusher.
    pub outq: udp::OutQueue,
    /// Wakes the flusher task.
    pub flush_wake: Rc<tokio::sync::Notify>,
    /// The TLS configuration (replaced on reload), when TLS listens.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// TLS counters.
    pub tls_stats: super::tls::TlsStats,
    /// Which shard this is (`--relay-threads`).
    pub shard: super::shards::Shard,
    /// The fleet on Redis, when configured.
    pub fleet: Option<super::fleet::Fleet>,
    /// Most TLS handshakes at once.
    pub tls_max_handshakes: usize,
    /// Time a TLS handshake may take.
    pub tls_handshake_timeout: std::time::Duration,
    /// The DTLS listeners and sessions, when DTLS listens.
    pub dtls: Option<super::dtls::DtlsListener>,
}

impl Core {
    /// The state for `server` with relays on `settings.relay_ips`.
    pub fn new(server: Server, clock: Clock, settings: &Settings) -> Self {
        Core {
            server,
            clock,
            listeners: Vec::new(),
            relays: FastMap::default(),
            reserved: FastMap::default(),
            streams: FastMap::default(),
            idle_tcp: BTreeSet::new(),
            tcp: tcp::TcpLimits {
                max_connections: settings.max_tcp_connections,
                frame_deadline: settings.tcp_frame_deadline,
                idle_timeout: settings.tcp_idle_timeout,
                buffer_cap: settings.tcp_buffer_cap,
            },
            budget: BufferBudget::new(settings.tcp_buffer_total),
            logs: LogLimiter::new(settings.log_rate),
            shrinker: crate::heap::Shrinker::new(),
            tcp_relays: tcp::TcpRelays::default(),
            ports: PortPool::new(settings.ports.0, settings.ports.1),
            relay_ips: settings.relay_ips.clone(),
            io: IoStats::default(),
            rx: udp::RxBuffers::new(),
            out: Box::new([0; 1500]),
            gso: settings.gso && crate::mmsg::gso_supported(),
            outq: udp::OutQueue::new(),
            flush_wake: Rc::new(tokio::sync::Notify::new()),
            tls: None,
            fleet: None,
            shard: super::shards::Shard::single(),
            tls_stats: super::tls::TlsStats::default(),
            tls_max_handshakes: settings.max_tls_handshakes,
            tls_handshake_timeout: settings.tls_handshake_timeout,
            dtls: None,
        }
    }

    /// The relay IPs.
    pub fn relay_ips(&self) -> &[IpAddr] {
        &self.relay_ips
    }

    /// The relay port pool.
    pub fn ports_mut(&mut self) -> &mut PortPool {
        &mut self.ports
    }

    /// Relay ports in use (relays, reservations, TCP relays).
    pub fn ports_in_use(&self) -> usize {
        self.ports.in_use()
    }

    /// Send `data` to a client on `path` (its UDP listener, TCP connection or DTLS session).
    pub fn send_to_client(&mut self, path: &Path, data: &[u8]) {
        match path.transport {
            Transport::Udp => {
                let sock = self.listeners.iter().find(|(a, _)| *a == path.local);
                let sent = sock.map(|(_, s)| crate::mmsg::send_one(&**s, data, path.remote));
                if !matches!(sent, Some(Ok(()))) {
                    self.io.send_errors += 1;
                }
            }
            Transport::Dtls => {
                let now = self.clock.now();
                super::dtls::write_to(&mut self.dtls, &mut self.io, now, path, data);
            }
            Transport::Tcp | Transport::Tls => tcp::write(self, path, data),
        }
    }

    /// Send the response the server wrote into `self.out`.
    pub fn send_out(&mut self, t: Transmit) {
        let out = std::mem::replace(&mut self.out, Box::new([0; 1500]));
        if let Some(data) = out.get(..t.len) {
            self.send_to_client(&t.path, data);
        }
        self.out = out;
    }

    /// Send what the server queued (answers to `relay_allocated`, `peer_connected`, …).
    pub fn flush_server(&mut self) {
        let now = self.clock.now();
        let mut out = std::mem::replace(&mut self.out, Box::new([0; 1500]));
        while let Some(t) = self.server.poll_transmit(now, &mut out[..]) {
            if let Some(data) = out.get(..t.len) {
                self.send_to_client(&t.path, data);
            }
        }
        self.out = out;
    }

    /// Answer every queued event of the server.
    pub fn drain_events(&mut self, shared: &Shared) {
        while let Some(ev) = self.server.poll_event() {
            match ev {
                ServerEvent::AllocateRelay(req) => self.allocate_relay(shared, req),
                ServerEvent::AllocationCreated {
                    client,
                    relay,
                    user,
                    ..
                } => {
                    tracing::info!(client = %client.remote, transport = ?client.transport,
                        %relay, user = ?user.as_str(), shard = self.shard.index,
                        "allocation created");
                    tcp::set_allocated(self, &client, true);
                    if let Some(f) = self.fleet.as_mut() {
                        f.created(relay, user.as_str());
                    }
                }
                ServerEvent::AllocationClosed {
                    client,
                    relay,
                    reason,
                    usage,
                } => {
                    tracing::info!(client = %client.remote, %relay, ?reason,
                        bytes_to_peers = usage.bytes_to_peers,
                        bytes_to_clients = usage.bytes_to_clients, "allocation closed");
                    tcp::set_allocated(self, &client, false);
                    if let Some(f) = self.fleet.as_mut() {
                        f.closed(relay, usage);
                    }
                    self.close_relay(relay);
                }
                ServerEvent::ReservationExpired { relay } => {
                    if self.reserved.remove(&relay).is_some() {
                        self.ports.release(relay.port());
                    }
                }
                ServerEvent::AuthFailed { client, code, user } => {
                    let now = std::time::Instant::now();
                    if let Some(suppressed) = self.logs.allow("auth_failed", now) {
                        // `?user`: quoted and escaped, a username cannot forge log lines.
                        tracing::warn!(client = %client.remote, transport = ?client.transport,
                            user = ?user.as_str(), code = code.code(), suppressed,
                            "authentication failed");
                    }
                }
                ServerEvent::ConnectPeer {
                    connection,
                    relay,
                    peer,
                } => {
                    tcp::connect_peer(shared, connection, relay, peer);
                }
                ServerEvent::ConnectionBound { connection, data } => {
                    tcp::splice(self, connection, data);
                }
                ServerEvent::CloseConnection { connection } => self.close_connection(connection),
                other => tracing::debug!(?other, "event"),
            }
        }
    }

    fn relay_ip(&self, family: AddressFamily) -> Option<IpAddr> {
        let v6 = family == AddressFamily::V6;
        self.relay_ips.iter().copied().find(|ip| ip.is_ipv6() == v6)
    }

    /// A relay for `req`, after the fleet-wide quota check when there is one (it waits for
    /// Redis, so it runs as a task and answers the server when Redis has).
    fn allocate_relay(&mut self, shared: &Shared, req: RelayRequest) {
        let check = match (self.fleet.as_mut(), self.server.user_of(&req.client)) {
            (Some(f), Some(user)) if req.reserved.is_none() => f.quota_check(user),
            _ => None,
        };
        let Some((conn, check)) = check else {
            return self.open_relay(shared, req);
        };
        let shared = shared.clone();
        tokio::task::spawn_local(async move {
            let verdict = check.run(conn).await;
            let mut guard = shared.borrow_mut();
            let core = &mut *guard;
            match verdict {
                Some(false) => {
                    let now = core.clock.now();
                    if let Some(f) = core.fleet.as_mut() {
                        f.stats.quota_refused += 1;
                    }
                    let code = stun_proto::wire::attr::ErrorCode::ALLOCATION_QUOTA_REACHED;
                    core.server.relay_refused(now, req.id, code);
                    core.flush_server();
                }
                Some(true) => core.open_relay(&shared, req),
                None => {
                    if let Some(f) = core.fleet.as_mut() {
                        f.stats.quota_unchecked += 1;
                    }
                    core.open_relay(&shared, req);
                }
            }
            core.drain_events(&shared);
        });
    }

    fn open_relay(&mut self, shared: &Shared, req: RelayRequest) {
        let now = self.clock.now();
        let opened = match req.protocol {
            RelayProtocol::Tcp => tcp::open_relay(self, shared, &req),
            _ => self.open_udp_relay(shared, &req),
        };
        match opened {
            Ok((relay, next)) => {
                if !self.server.relay_allocated(now, req.id, relay, next) {
                    // The client went away meanwhile.
                    self.close_relay(relay);
                    if let Some(n) = next {
                        self.reserved.remove(&n);
                        self.ports.release(n.port());
                    }
                }
            }
            Err(e) => {
                if let Some(suppressed) = self.logs.allow("relay_failed", std::time::Instant::now())
                {
                    tracing::warn!(client = %req.client.remote, suppressed,
                        in_use = self.ports.in_use(), "cannot open a relay: {e}");
                }
                self.io.relay_bind_failures += 1;
                self.server.relay_failed(now, req.id);
            }
        }
        self.flush_server();
    }

    fn open_udp_relay(
        &mut self,
        shared: &Shared,
        req: &RelayRequest,
    ) -> std::io::Result<(SocketAddr, Option<SocketAddr>)> {
        let (socket, next) = match req.reserved {
            Some(addr) => {
                let s = self.reserved.remove(&addr).ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "reservation gone")
                })?;
                (s, None)
            }
            None => {
                let ip = self.relay_ip(req.family).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        "no relay IP of that family",
                    )
                })?;
                self.ports.bind_udp(ip, req.even_port, req.reserve_next)?
            }
        };
        let addr = socket.local_addr()?;
        if req.dont_fragment {
            crate::mmsg::set_dont_fragment(&socket, addr.is_ipv6(), true)?;
        }
        let socket = match UdpSocket::from_std(socket) {
            Ok(s) => Rc::new(s),
            Err(e) => {
                self.ports.release(addr.port());
                return Err(e);
            }
        };
        let task = tokio::task::spawn_local(udp::relay_loop(shared.clone(), socket.clone(), addr));
        let relay = Relay {
            socket,
            task: Some(task.abort_handle()),
        };
        self.relays.insert(addr, relay);
        let next = match next {
            Some(s) => {
                let a = s.local_addr()?;
                self.reserved.insert(a, s);
                Some(a)
            }
            None => None,
        };
        Ok((addr, next))
    }

    /// Close the relay at `relay` (UDP or TCP) and give its port back.
    pub fn close_relay(&mut self, relay: SocketAddr) {
        let had_udp = self.relays.remove(&relay).map(|r| {
            if let Some(t) = r.task {
                t.abort();
            }
        });
        let had_tcp = tcp::close_relay(self, relay);
        if had_udp.is_some() || had_tcp {
            self.ports.release(relay.port());
        }
    }

    /// RFC 6062: close a peer connection and its data connection.
    pub fn close_connection(&mut self, id: ConnectionId) {
        tcp::close_connection(self, id);
    }

    /// Timers: keep REST expiry checks on the wall clock, let the server sweep, answer events.
    pub fn tick(&mut self, shared: &Shared) {
        let now = self.clock.now();
        if let Ok(unix) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            self.server.auth_mut().set_unix_time(now, unix.as_secs());
        }
        self.server.handle_timeout(now);
        self.drain_events(shared);
        let wall = std::time::Instant::now();
        for (kind, suppressed) in self.logs.quiet_kinds(wall) {
            tracing::warn!(kind, suppressed, "similar log lines suppressed");
        }
        self.shrinker.note(self.streams.len(), wall);
        if self.shard.index > 0 {
            let text = super::metrics::render(self);
            if let Ok(mut texts) = self.shard.texts.lock() {
                if let Some(slot) = texts.get_mut(self.shard.index) {
                    *slot = text;
                }
            }
        }
    }
}
