//! The TURN server runtime (RFC 8656, RFC 6062) on UDP, TCP, TLS and DTLS (RFC 7350), driving
//! `turn_proto::server::TurnServer`: what `p2p turn-server` runs, embeddable in another
//! program. Optional: a fleet on Redis (`fleet`), relay threads (`shards`).
//!
//! One thread runs everything (a current-thread runtime and a `LocalSet`; with
//! [`Settings::relay_threads`] above 1, each of that many shards): listening sockets, one
//! task per relay socket, TCP connections, timers and the metrics endpoint, sharing the state
//! without locks. This is the line-rate specialisation of the generic
//! [`driver`](crate::driver): datagrams are received and sent in batches
//! (`recvmmsg`/`sendmmsg`, UDP GSO towards clients) and relayed without copying in user
//! space, through the core's zero-copy methods rather than its `SansIo` queue.
//!
//! ```no_run
//! # async fn demo() -> Result<(), adapters::turn::RunError> {
//! let mut settings = adapters::turn::Settings::default();
//! settings.listen = vec!["127.0.0.1:3478".parse().unwrap()];
//! settings.relay_ips = vec!["127.0.0.1".parse().unwrap()];
//! settings.users = vec![("alice".into(), "secret".into())];
//! adapters::turn::run(settings, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

mod dtls;
mod fleet;
mod metrics;
mod ports;
mod reload;
mod settings;
mod shards;
mod sock;
mod state;
mod tcp;
mod tls;
mod udp;
mod usage;
mod users;

use socket2::{Domain, Protocol, Socket, Type};
use state::{Core, Shared};
use std::cell::RefCell;
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use stun_proto::auth::UserTable;
use tokio::net::{TcpListener, UdpSocket};
use turn_proto::server::{PeerFilter, TurnAuth, TurnConfig, TurnServer};

pub use settings::{Settings, MAX_TCP_FRAME, MIN_TCP_BUFFER};
pub use turn_proto::server::MAX_REALM;

use crate::{Clock, OsEntropy};

/// Why the server could not start or stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The settings are unusable.
    Usage(String),
    /// A socket could not be bound or failed.
    Network(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Usage(m) | RunError::Network(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RunError {}

/// [`serve`] on a current-thread runtime's `LocalSet`, until `shutdown` resolves.
pub async fn run(settings: Settings, shutdown: impl std::future::Future) -> Result<(), RunError> {
    let (_keep, reloads) = tokio::sync::mpsc::channel(1);
    run_with_reloads(settings, shutdown, reloads).await
}

/// [`run`], taking new settings from `reloads` while it runs: their users, REST secret and
/// peer lists replace the running ones without dropping allocations (other options need a
/// restart and are ignored, with a log line).
pub async fn run_with_reloads(
    settings: Settings,
    shutdown: impl std::future::Future,
    reloads: tokio::sync::mpsc::Receiver<Settings>,
) -> Result<(), RunError> {
    if settings.relay_threads > 1 {
        return shards::run(settings, shutdown, reloads).await;
    }
    let local = tokio::task::LocalSet::new();
    local
        .run_until(serve(settings, reloads, async {
            shutdown.await;
        }))
        .await
}

fn server_config(s: &Settings) -> Result<TurnConfig, RunError> {
    let bad = |what: &str| RunError::Usage(format!("peer filter: {what}"));
    let mut filter = PeerFilter::new();
    if s.allow_loopback {
        filter = filter.allow_loopback().map_err(|_| bad("too many rules"))?;
    }
    for r in &s.allowed {
        filter = filter
            .allow(*r)
            .map_err(|_| bad("too many --allowed-peer-ip"))?;
    }
    for r in &s.denied {
        filter = filter
            .deny(*r)
            .map_err(|_| bad("too many --denied-peer-ip"))?;
    }
    let own = s
        .listen
        .iter()
        .map(SocketAddr::ip)
        .chain(s.relay_ips.iter().copied());
    for ip in own.filter(|ip| !ip.is_unspecified()) {
        filter = filter
            .own_address(ip)
            .map_err(|_| bad("too many own addresses"))?;
    }
    // Two clients of this server may relay to each other (relay ports on its own IPs), never
    // to a port it listens on.
    filter = filter.own_relay_ports(s.ports.0, s.ports.1);
    for port in s.listen.iter().map(SocketAddr::port).chain([s.tls_port]) {
        filter = filter
            .service_port(port)
            .map_err(|_| bad("too many listening ports"))?;
    }
    let mut c = TurnConfig::default();
    c.software = s
        .software
        .then_some(concat!("p2p ", env!("CARGO_PKG_VERSION")));
    c.max_lifetime = s.max_lifetime;
    c.default_lifetime = c.default_lifetime.min(s.max_lifetime);
    c.permission_lifetime = s.permission_lifetime;
    c.channel_lifetime = s.channel_lifetime;
    c.max_allocations = settings::quota(s.total_quota);
    c.max_allocations_per_user = settings::quota(s.user_quota);
    c.bandwidth = s.bandwidth;
    c.ipv4 = s.relay_ips.iter().any(|ip| ip.is_ipv4());
    c.ipv6 = s.relay_ips.iter().any(|ip| ip.is_ipv6());
    c.tcp_relay = s.tcp_relay && s.tcp;
    c.rfc5766_channels = true;
    c.peer_filter = filter;
    (c.external_v4, c.external_v6) = s.external();
    c.alternate_server = s.alternate_server;
    Ok(c)
}

fn make_server(s: &Settings) -> Result<state::Server, RunError> {
    let users = UserTable::with_users(
        &s.realm,
        s.users.iter().map(|(n, p)| (n.as_str(), p.as_str())),
    );
    let users = users::Users::new(&s.realm, users);
    let mut entropy = OsEntropy;
    let nonces = settings::nonce_lifetime(s.nonce_lifetime);
    let mut auth = TurnAuth::new(&s.realm, users, nonces, &mut entropy)
        .map_err(|e| RunError::Usage(format!("--realm: {e}")))?;
    if let Some(secret) = &s.secret {
        auth = auth
            .with_rest_secret(secret.as_bytes())
            .map_err(|e| RunError::Usage(format!("--static-auth-secret: {e}")))?;
    }
    Ok(TurnServer::new(server_config(s)?, auth, entropy))
}

fn udp_listener(addr: SocketAddr, buffer: usize, reuse_port: bool) -> Result<UdpSocket, RunError> {
    let net = |e: std::io::Error| RunError::Network(format!("cannot bind UDP {addr}: {e}"));
    let s =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(net)?;
    if reuse_port {
        // One socket per relay thread on the same address: the kernel spreads clients by
        // their 4-tuple hash, a client always reaching the same thread.
        s.set_reuse_port(true).map_err(net)?;
    }
    // Best effort: the kernel caps these at net.core.{r,w}mem_max.
    let _ = s.set_recv_buffer_size(buffer);
    let _ = s.set_send_buffer_size(buffer);
    s.set_nonblocking(true).map_err(net)?;
    s.bind(&addr.into()).map_err(net)?;
    UdpSocket::from_std(s.into()).map_err(net)
}

/// A listening TCP socket with `backlog` (the kernel caps it at `net.core.somaxconn`).
fn tcp_listener(addr: SocketAddr, backlog: u32) -> Result<TcpListener, RunError> {
    let net = |e: std::io::Error| RunError::Network(format!("cannot bind TCP {addr}: {e}"));
    let s =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(net)?;
    s.set_reuse_address(true).map_err(net)?;
    s.set_nonblocking(true).map_err(net)?;
    s.bind(&addr.into()).map_err(net)?;
    s.listen(i32::try_from(backlog).unwrap_or(i32::MAX))
        .map_err(net)?;
    TcpListener::from_std(s.into()).map_err(net)
}

/// Run the server with `settings` until `shutdown` resolves, applying the settings that
/// arrive on `reloads` (see [`run_with_reloads`]). Must run inside a
/// [`tokio::task::LocalSet`] on a current-thread runtime (use [`run`] otherwise): the state is
/// shared between tasks without locks.
pub async fn serve(
    settings: Settings,
    reloads: tokio::sync::mpsc::Receiver<Settings>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RunError> {
    serve_shard(settings, shards::Shard::single(), reloads, None, shutdown).await
}

/// One shard of the server (all of it with one relay thread): `ready` hears whether it
/// started.
async fn serve_shard(
    settings: Settings,
    shard: shards::Shard,
    reloads: tokio::sync::mpsc::Receiver<Settings>,
    ready: Option<tokio::sync::oneshot::Sender<Result<(), RunError>>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RunError> {
    let started = start(&settings, shard).await;
    if let Some(r) = ready {
        let _ = r.send(started.as_ref().map(|_| ()).map_err(Clone::clone));
    }
    let (shared, mut tasks) = started?;
    tasks.spawn_local(reloader(shared.clone(), settings.clone(), reloads));
    shutdown.await;
    let stats = shared.borrow().server.stats();
    tracing::info!(
        allocations = shared.borrow().server.allocation_count(),
        relayed_to_peers = stats.packets_to_peers,
        relayed_to_clients = stats.packets_to_clients,
        auth_failures = stats.auth_failures,
        shard = shared.borrow().shard.index,
        "shutting down"
    );
    tasks.abort_all();
    Ok(())
}

/// Bind every socket and start every task of one shard.
async fn start(
    settings: &Settings,
    shard: shards::Shard,
) -> Result<(Shared, tokio::task::JoinSet<()>), RunError> {
    settings.check()?;
    reload::check_on_host(settings)?;
    let clock = Clock::new();
    let server = make_server(settings)?;
    let mut core = Core::new(server, clock, settings);
    let (index, count) = (shard.index, shard.count);
    core.shard = shard;
    let shared: Shared = Rc::new(RefCell::new(core));
    let mut tasks = tokio::task::JoinSet::new();
    for &addr in &settings.listen {
        if settings.udp {
            let sock = Rc::new(udp_listener(addr, settings.socket_buffer, count > 1)?);
            let bound = sock
                .local_addr()
                .map_err(|e| RunError::Network(e.to_string()))?;
            shared.borrow_mut().listeners.push((bound, sock.clone()));
            tasks.spawn_local(udp::listener_loop(shared.clone(), sock, bound));
        }
        if settings.tcp {
            let l = tcp_listener(addr, settings.tcp_backlog)?;
            let bound = l
                .local_addr()
                .map_err(|e| RunError::Network(e.to_string()))?;
            tasks.spawn_local(tcp::accept_loop(shared.clone(), l, bound));
        }
        tracing::info!(listen = %addr, udp = settings.udp, tcp = settings.tcp, shard = index,
            "TURN server listening");
    }
    if settings.tls() {
        start_tls(&shared, settings, &mut tasks)?;
    }
    if let Some(url) = &settings.redis {
        start_fleet(&shared, settings, url, &mut tasks)?;
    }
    if let Some(addr) = settings.metrics {
        let l = metrics::bind(addr)
            .await
            .map_err(|e| RunError::Network(format!("cannot bind metrics {addr}: {e}")))?;
        tracing::info!(%addr, "metrics at http://{addr}/metrics");
        tasks.spawn_local(metrics::serve(shared.clone(), l));
    }
    if index == 0 {
        tracing::info!(
            relay_ips = ?settings.relay_ips, ports = ?settings.ports, realm = %settings.realm,
            users = settings.users.len(), rest = settings.secret.is_some(),
            loopback_peers = settings.allow_loopback, max_tcp = settings.max_tcp_connections,
            log_rate = settings.log_rate, external = ?settings.external_ips,
            alternate = ?settings.alternate_server, relay_threads = count, "TURN server ready"
        );
    }
    tasks.spawn_local(timers(shared.clone()));
    let wake = shared.borrow().flush_wake.clone();
    tasks.spawn_local(udp::flusher(shared.clone(), wake));
    Ok((shared, tasks))
}

/// The fleet's sync task.
fn start_fleet(
    shared: &Shared,
    settings: &Settings,
    url: &str,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<(), RunError> {
    let client =
        redis::Client::open(url).map_err(|e| RunError::Usage(format!("--redis {url:?}: {e}")))?;
    let id = settings.server_id();
    let secrets = settings.secret.iter().cloned().collect();
    let f = fleet::Fleet::new(id.clone(), &settings.realm, settings.user_quota, secrets);
    shared.borrow_mut().fleet = Some(f);
    tracing::info!(%id, "fleet on Redis");
    tasks.spawn_local(fleet::run(
        shared.clone(),
        client,
        settings.redis_sync,
        settings.redis_max_users,
    ));
    Ok(())
}

/// TLS listeners on every listening IP at the TLS port.
fn start_tls(
    shared: &Shared,
    settings: &Settings,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<(), RunError> {
    if let (Some(cert), Some(key)) = (&settings.cert, &settings.pkey) {
        shared.borrow_mut().tls = Some(tls::server_config(cert, key)?);
    }
    for addr in settings.tls_listen() {
        let l = tcp_listener(addr, settings.tcp_backlog)?;
        let bound = l
            .local_addr()
            .map_err(|e| RunError::Network(e.to_string()))?;
        tasks.spawn_local(tls::accept_loop(shared.clone(), l, bound));
        tracing::info!(listen = %bound, "TURN server listening for TLS (turns:)");
    }
    if settings.dtls() {
        start_dtls(shared, settings, tasks)?;
    }
    Ok(())
}

/// DTLS listeners on every listening IP at the TLS port (UDP), and their timers.
fn start_dtls(
    shared: &Shared,
    settings: &Settings,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<(), RunError> {
    let (Some(cert), Some(key)) = (&settings.cert, &settings.pkey) else {
        return Ok(());
    };
    let limits = dtls::DtlsLimits {
        max_sessions: settings.max_dtls_sessions,
        max_handshakes: settings.max_tls_handshakes,
        handshake_timeout: settings.tls_handshake_timeout,
        idle_timeout: settings.tcp_idle_timeout,
    };
    let mut listener = dtls::DtlsListener::new(dtls::load_certificate(cert, key)?, limits);
    for addr in settings.tls_listen() {
        let sock = Rc::new(udp_listener(addr, settings.socket_buffer, false)?);
        let bound = sock
            .local_addr()
            .map_err(|e| RunError::Network(e.to_string()))?;
        listener.add_socket(bound, sock.clone());
        tasks.spawn_local(dtls::recv_loop(shared.clone(), sock, bound));
        tracing::info!(listen = %bound, "TURN server listening for DTLS (turns: over UDP)");
    }
    shared.borrow_mut().dtls = Some(listener);
    tasks.spawn_local(dtls::sweeper(shared.clone()));
    Ok(())
}

/// Apply reloaded settings as they come.
async fn reloader(
    shared: Shared,
    mut running: Settings,
    mut reloads: tokio::sync::mpsc::Receiver<Settings>,
) {
    while let Some(new) = reloads.recv().await {
        let next = reload::merged(&running, &new);
        let mut core = shared.borrow_mut();
        match reload::apply(&mut core, &next) {
            Ok(()) => {
                tracing::info!(
                    users = next.users.len(),
                    rest = next.secret.is_some(),
                    allocations = core.server.allocation_count(),
                    "configuration reloaded: users, REST secret and peer lists (other options \
                     need a restart); allocations kept"
                );
                running = next;
            }
            Err(e) => tracing::warn!("reload refused, the running configuration stays: {e}"),
        }
    }
}

/// Let the server's timers run and keep its wall clock for REST credentials.
async fn timers(shared: Shared) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let mut core = shared.borrow_mut();
        core.tick(&shared);
    }
}
