//! The one generic tokio driver: any [`SansIo`] machine over UDP sockets and framed TCP
//! connections, with its timers, the owner's commands and resource requests.
//!
//! The driver is the loop of the [`sansio`] crate page around real sockets: after every input
//! it drains `poll_transmit` (each datagram goes out of the socket bound at
//! `transmit.path.local`, or down the TCP connection of `transmit.path`), then hands every
//! event and every piece of application data to the owner's callback, then sleeps until the
//! next datagram, command, connection or `poll_timeout`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use adapters::driver::{Driver, Input};
//! use sansio::{Path, SeededEntropy};
//! use std::ops::ControlFlow;
//! use stun_proto::client::{ClientConfig, Credentials, StunClient};
//! use stun_proto::wire::Method;
//!
//! let client: StunClient<_, 4> =
//!     StunClient::new(ClientConfig::default(), Credentials::None, adapters::OsEntropy).unwrap();
//! let mut driver = Driver::new(client);
//! let local = driver.ctx().bind_udp("127.0.0.1:0".parse().unwrap())?;
//! let path = Path::udp(local, "127.0.0.1:3478".parse().unwrap());
//! let now = driver.ctx().now();
//! let id = driver.ctx().machine().start_request(now, path, Method::BINDING, &[]).unwrap();
//! let mapped = driver
//!     .run(None::<tokio::sync::mpsc::Receiver<()>>, |_ctx, input| match input {
//!         Input::Data(_, r) if r.id == id => ControlFlow::Break(r.mapped_address()),
//!         Input::Event(_) => ControlFlow::Break(None), // timed out or failed
//!         _ => ControlFlow::Continue(()),
//!     })
//!     .await?;
//! println!("{mapped:?}");
//! # Ok(()) }
//! ```
//!
//! Resources: the callback's [`Ctx`] binds and closes UDP sockets, listens on and connects
//! TCP (a machine asks for a relay socket with an event; the owner answers through `Ctx`).
//! TCP connections carry STUN/TURN frames ([`FrameReader`]) with bounded buffers, a deadline
//! to finish a frame and an idle timeout; when the connection table is full the oldest idle
//! connection is closed to make room (a flood of slow clients cannot lock new ones out).

use crate::heap::Shrinker;
use crate::ratelog::LogLimiter;
use crate::stream::{BufferBudget, FrameReader};
use crate::Clock;
use sansio::{Instant, Path, SansIo, Transport};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;

/// Largest datagram read or written.
pub const MAX_DATAGRAM: usize = 65_536;
/// Frames of one TCP connection waiting in the driver's queue at most.
const IN_FLIGHT: usize = 4;
/// Inputs handled before the driver lets the other tasks (connection writers) run.
pub const INPUTS_PER_TURN: usize = 16;
/// How often a server's driver does its housekeeping (log summaries, heap trimming).
const HOUSEKEEPING: Duration = Duration::from_secs(1);

/// Bounds on what the driver holds for TCP.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most TCP connections at once; past it the oldest idle one is closed.
    pub max_connections: usize,
    /// Largest frame accepted on a connection.
    pub max_frame: usize,
    /// Time to finish a frame once its first byte arrived.
    pub frame_deadline: Duration,
    /// Silence allowed between frames.
    pub idle_timeout: Duration,
    /// Frames queued for one connection's writer; past it the connection is closed (a client
    /// that does not read cannot make the driver buffer without end).
    pub write_queue: usize,
    /// Bytes all connections' read buffers may hold together beyond their idle 1.5 KiB (a
    /// connection whose frame needs more is closed).
    pub buffer_total: usize,
    /// Listen backlog of TCP listeners (the kernel caps it at `net.core.somaxconn`).
    pub backlog: u32,
    /// Most warnings of one kind (evicted connections, slow readers, accept errors) logged
    /// per second; the rest are counted ([`ratelog`](crate::ratelog)). 0 for no limit.
    pub log_rate: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            max_frame: 65_536,
            frame_deadline: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            write_queue: 64,
            buffer_total: 16 << 20,
            backlog: 1024,
            log_rate: 10,
        }
    }
}

/// What the owner's callback is handed.
#[derive(Debug)]
pub enum Input<'a, M: SansIo, C> {
    /// An event of the machine.
    Event(M::Event),
    /// Application data a datagram carried, with the path it arrived on.
    Data(Path, M::Data<'a>),
    /// A command from the owner's channel.
    Command(C),
    /// A TCP connection is up (accepted, or connected with [`Ctx::connect_tcp`]).
    Connected(Path),
    /// [`Ctx::connect_tcp`] to this address failed.
    ConnectFailed(SocketAddr, io::Error),
    /// A TCP connection ended (peer closed, error, timeout, or evicted).
    Closed(Path),
    /// The remote end of a connected UDP socket ([`Ctx::bind_udp_connected`]) is unreachable
    /// (ICMP port or host unreachable).
    Unreachable(Path),
}

/// A gate on a driver's UDP datagrams, both ways (e.g. to emulate a NAT's filtering in front
/// of the machine, [`Driver::set_udp_filter`]): a datagram it refuses is dropped silently, as
/// a NAT or firewall drops it, and counted in [`DriverStats::filtered`].
pub trait UdpFilter: Send {
    /// May a datagram from our socket `local` go to `remote`?
    fn outbound(&mut self, local: SocketAddr, remote: SocketAddr) -> bool;
    /// May a datagram from `remote` reach our socket `local`?
    fn inbound(&mut self, local: SocketAddr, remote: SocketAddr) -> bool;
}

/// Counters of what the driver dropped or refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Datagrams the machine rejected as malformed or unauthenticated (or not for it).
    pub rejected: u64,
    /// Datagrams that could not be sent (no socket for the path, kernel refusal).
    pub send_errors: u64,
    /// TCP connections closed to make room for new ones.
    pub evicted: u64,
    /// TCP connections closed because their writer queue was full.
    pub slow_readers: u64,
    /// UDP datagrams the [`UdpFilter`] dropped (either way).
    pub filtered: u64,
}

enum Net {
    /// A datagram, or a frame from a TCP connection with its in-flight permit (dropped once
    /// the frame is handled).
    Datagram(Path, Vec<u8>, Option<OwnedSemaphorePermit>),
    Unreachable(Path),
    Accepted(TcpStream, Path),
    Connected(io::Result<(TcpStream, Path)>, SocketAddr),
    Closed(Path),
}

struct Conn {
    writer: mpsc::Sender<Vec<u8>>,
    tasks: [AbortHandle; 2],
    last_active: Instant,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.tasks.iter().for_each(AbortHandle::abort);
    }
}

/// Everything but the machine, so the callback can hold both.
struct Io {
    clock: Clock,
    limits: Limits,
    udp: Vec<(SocketAddr, Arc<UdpSocket>, AbortHandle)>,
    listeners: Vec<(SocketAddr, AbortHandle)>,
    conns: HashMap<Path, Conn>,
    /// Connections the driver closed itself, to report as `Input::Closed`.
    closed: Vec<Path>,
    /// Datagrams the owner handed over ([`Ctx::send`]), sent at the next flush.
    outbox: Vec<(Path, Vec<u8>)>,
    tx: mpsc::Sender<Net>,
    stats: DriverStats,
    /// What connections' read buffers hold beyond their idle size.
    budget: Arc<BufferBudget>,
    logs: LogLimiter,
    shrinker: Shrinker,
    next_housekeeping: std::time::Instant,
    filter: Option<Box<dyn UdpFilter>>,
}

/// The driver: a machine and its sockets.
pub struct Driver<M: SansIo> {
    machine: M,
    io: Io,
    rx: mpsc::Receiver<Net>,
}

impl<M: SansIo> std::fmt::Debug for Driver<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("udp", &self.io.udp.len())
            .field("connections", &self.io.conns.len())
            .field("stats", &self.io.stats)
            .finish()
    }
}

impl<M> std::fmt::Debug for Ctx<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("udp", &self.io.udp.len())
            .field("connections", &self.io.conns.len())
            .finish()
    }
}

/// What the callback may do: use the machine, open and close sockets.
pub struct Ctx<'d, M> {
    machine: &'d mut M,
    io: &'d mut Io,
}

impl<M: SansIo> Driver<M> {
    /// A driver for `machine`, with no socket yet and default [`Limits`].
    pub fn new(machine: M) -> Self {
        Self::with_clock(machine, Clock::new())
    }

    /// A driver whose `Instant`s come from `clock` (share one clock between drivers that talk
    /// about the same times).
    pub fn with_clock(machine: M, clock: Clock) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        Driver {
            machine,
            io: Io {
                clock,
                limits: Limits::default(),
                udp: Vec::new(),
                listeners: Vec::new(),
                conns: HashMap::new(),
                closed: Vec::new(),
                outbox: Vec::new(),
                tx,
                stats: DriverStats::default(),
                budget: BufferBudget::new(Limits::default().buffer_total),
                logs: LogLimiter::new(Limits::default().log_rate),
                shrinker: Shrinker::new(),
                next_housekeeping: std::time::Instant::now() + HOUSEKEEPING,
                filter: None,
            },
            rx,
        }
    }

    /// Replace the TCP limits (before the first connection: the buffer budget and the log
    /// limiter start over).
    pub fn set_limits(&mut self, limits: Limits) {
        self.io.limits = limits;
        self.io.budget = BufferBudget::new(limits.buffer_total);
        self.io.logs = LogLimiter::new(limits.log_rate);
    }

    /// Pass every UDP datagram, both ways, through `filter` from now on.
    pub fn set_udp_filter(&mut self, filter: Box<dyn UdpFilter>) {
        self.io.filter = Some(filter);
    }

    /// The machine and the sockets, between runs (to bind sockets and issue commands before
    /// [`run`](Self::run)).
    pub fn ctx(&mut self) -> Ctx<'_, M> {
        Ctx {
            machine: &mut self.machine,
            io: &mut self.io,
        }
    }

    /// What was dropped or refused so far.
    pub fn stats(&self) -> DriverStats {
        self.io.stats
    }

    /// The machine, ending the driver (its sockets close).
    pub fn into_machine(self) -> M {
        self.machine
    }

    /// Run until `on` returns `Break`. `commands`, when given, feeds `Input::Command`s.
    pub async fn run<C, T>(
        &mut self,
        mut commands: Option<mpsc::Receiver<C>>,
        mut on: impl FnMut(&mut Ctx<'_, M>, Input<'_, M, C>) -> ControlFlow<T>,
    ) -> io::Result<T> {
        let mut out = vec![0u8; MAX_DATAGRAM];
        let mut burst = 0;
        loop {
            self.flush(&mut out).await;
            // Events may lead the owner to issue commands: flush their output before sleeping.
            let mut handled = false;
            while let Some(ev) = self.machine.poll_event() {
                handled = true;
                if let ControlFlow::Break(v) = on(&mut self.ctx(), Input::Event(ev)) {
                    return Ok(v);
                }
            }
            while let Some(path) = self.io.closed.pop() {
                handled = true;
                if let ControlFlow::Break(v) = on(&mut self.ctx(), Input::Closed(path)) {
                    return Ok(v);
                }
            }
            if handled {
                continue;
            }
            if let Some(v) = self.wait(&mut commands, &mut on).await? {
                return Ok(v);
            }
            // Let the connections' writer tasks (and everything else) run now and then: a
            // client pipelining requests must not see its answers pile up past the writer
            // queue while this loop keeps finding input.
            burst += 1;
            if burst >= INPUTS_PER_TURN {
                burst = 0;
                tokio::task::yield_now().await;
            }
        }
    }

    /// Sleep until one input arrives and handle it; `Some` when the callback broke.
    async fn wait<C, T>(
        &mut self,
        commands: &mut Option<mpsc::Receiver<C>>,
        on: &mut impl FnMut(&mut Ctx<'_, M>, Input<'_, M, C>) -> ControlFlow<T>,
    ) -> io::Result<Option<T>> {
        let deadline = self.machine.poll_timeout().map(|t| self.io.clock.to_std(t));
        let command = async {
            match commands.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            net = self.rx.recv() => match net {
                Some(net) => Ok(self.on_net(net, on)),
                None => Err(io::Error::other("driver channel closed")),
            },
            cmd = command => Ok(match cmd {
                Some(c) => on(&mut self.ctx(), Input::Command(c)).break_value(),
                None => {
                    *commands = None;
                    None
                }
            }),
            _ = sleep_until(deadline) => {
                let now = self.io.clock.now();
                self.machine.handle_timeout(now);
                Ok(None)
            }
            _ = sleep_until(self.io.housekeeping_due()) => {
                self.io.housekeeping();
                Ok(None)
            }
        }
    }

    fn on_net<C, T>(
        &mut self,
        net: Net,
        on: &mut impl FnMut(&mut Ctx<'_, M>, Input<'_, M, C>) -> ControlFlow<T>,
    ) -> Option<T> {
        let now = self.io.clock.now();
        match net {
            Net::Datagram(path, bytes, _permit) => {
                tracing::debug!(from = %path.remote, to = %path.local, len = bytes.len(), transport = ?path.transport, "datagram");
                if let Some(c) = self.io.conns.get_mut(&path) {
                    c.last_active = now;
                }
                if !self.io.passes(path, false) {
                    return None;
                }
                match self.machine.handle_datagram(now, path, &bytes) {
                    Ok(Some(up)) => {
                        let mut ctx = Ctx {
                            machine: &mut self.machine,
                            io: &mut self.io,
                        };
                        on(&mut ctx, Input::Data(path, up)).break_value()
                    }
                    Ok(None) => None,
                    Err(_) => {
                        self.io.stats.rejected += 1;
                        None
                    }
                }
            }
            Net::Accepted(stream, path) => {
                self.io.add_conn(stream, path, now);
                on(&mut self.ctx(), Input::Connected(path)).break_value()
            }
            Net::Connected(Ok((stream, path)), _) => {
                self.io.add_conn(stream, path, now);
                on(&mut self.ctx(), Input::Connected(path)).break_value()
            }
            Net::Connected(Err(e), to) => {
                on(&mut self.ctx(), Input::ConnectFailed(to, e)).break_value()
            }
            Net::Unreachable(path) => on(&mut self.ctx(), Input::Unreachable(path)).break_value(),
            Net::Closed(path) => {
                // A connection the driver closed itself was reported already.
                self.io.conns.remove(&path)?;
                on(&mut self.ctx(), Input::Closed(path)).break_value()
            }
        }
    }

    /// Send everything the machine has ready now. `run` does this before it waits; call it
    /// after `run` returned to get out what the last input produced (a closing connection's
    /// SCTP ABORT and DTLS close_notify, say) before the driver is dropped.
    pub async fn flush_now(&mut self) {
        let mut out = vec![0u8; MAX_DATAGRAM];
        self.flush(&mut out).await;
    }

    /// Send what the owner handed over, then everything the machine has ready.
    async fn flush(&mut self, out: &mut [u8]) {
        for (path, data) in std::mem::take(&mut self.io.outbox) {
            self.io.send(path, &data).await;
        }
        let now = self.io.clock.now();
        while let Some(t) = self.machine.poll_transmit(now, out) {
            let data = out.get(..t.len).unwrap_or(&[]);
            self.io.send(t.path, data).await;
        }
    }
}

impl Io {
    /// When housekeeping is next due: only servers (drivers with a TCP listener) do it.
    fn housekeeping_due(&self) -> Option<std::time::Instant> {
        (!self.listeners.is_empty()).then_some(self.next_housekeeping)
    }

    /// Log what the rate limits suppressed, and give memory back after connections closed.
    fn housekeeping(&mut self) {
        let now = std::time::Instant::now();
        self.next_housekeeping = now + HOUSEKEEPING;
        for (kind, suppressed) in self.logs.quiet_kinds(now) {
            tracing::warn!(kind, suppressed, "similar log lines suppressed");
        }
        self.shrinker.note(self.conns.len(), now);
    }

    /// Whether the UDP filter (if any) lets a datagram on `path` through.
    fn passes(&mut self, path: Path, outbound: bool) -> bool {
        let Some(f) = self
            .filter
            .as_mut()
            .filter(|_| path.transport == Transport::Udp)
        else {
            return true;
        };
        let pass = if outbound {
            f.outbound(path.local, path.remote)
        } else {
            f.inbound(path.local, path.remote)
        };
        if !pass {
            self.stats.filtered += 1;
        }
        pass
    }

    async fn send(&mut self, path: Path, data: &[u8]) {
        if !self.passes(path, true) {
            return;
        }
        if path.transport == Transport::Udp {
            let socket = self.udp.iter().find(|(a, _, _)| *a == path.local);
            let socket =
                socket.or_else(|| self.udp.iter().find(|(a, _, _)| same_port(*a, path.local)));
            let sent = match socket {
                Some((_, s, _)) => s.send_to(data, path.remote).await.is_ok(),
                None => false,
            };
            if !sent {
                self.stats.send_errors += 1;
            }
            return;
        }
        let Some(conn) = self.conns.get(&path) else {
            self.stats.send_errors += 1;
            return;
        };
        if conn.writer.try_send(data.to_vec()).is_err() {
            self.stats.slow_readers += 1;
            self.conns.remove(&path);
            self.closed.push(path);
            if let Some(suppressed) = self.logs.allow("slow_reader", std::time::Instant::now()) {
                tracing::info!(client = %path.remote, suppressed,
                    "TCP connection closed: it does not read its responses");
            }
        }
    }

    fn add_conn(&mut self, stream: TcpStream, path: Path, now: Instant) {
        if self.conns.len() >= self.limits.max_connections {
            self.evict_oldest_idle();
        }
        let (r, mut w) = stream.into_split();
        let (wtx, mut wrx) = mpsc::channel::<Vec<u8>>(self.limits.write_queue.max(1));
        let writer = tokio::spawn(async move {
            while let Some(frame) = wrx.recv().await {
                if w.write_all(&frame).await.is_err() {
                    break;
                }
            }
        });
        let (tx, limits, budget) = (self.tx.clone(), self.limits, self.budget.clone());
        let reader = tokio::spawn(async move {
            let mut frames = FrameReader::with_limits(
                r,
                limits.max_frame,
                Some(limits.frame_deadline),
                Some(limits.idle_timeout),
            )
            .with_budget(budget);
            // At most IN_FLIGHT frames of this connection wait in the driver's queue: a
            // connection pushing requests as fast as it can is served in turn with the UDP
            // sockets and the other connections, not ahead of them.
            let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    return;
                };
                let Ok(Some(frame)) = frames.next().await else {
                    break;
                };
                let net = Net::Datagram(path, frame.to_vec(), Some(permit));
                if tx.send(net).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(Net::Closed(path)).await;
        });
        let conn = Conn {
            writer: wtx,
            tasks: [reader.abort_handle(), writer.abort_handle()],
            last_active: now,
        };
        self.conns.insert(path, conn);
    }

    fn evict_oldest_idle(&mut self) {
        let oldest = self
            .conns
            .iter()
            .min_by_key(|(_, c)| c.last_active)
            .map(|(p, _)| *p);
        if let Some(p) = oldest {
            self.conns.remove(&p);
            self.stats.evicted += 1;
            self.closed.push(p);
            if let Some(suppressed) = self.logs.allow("tcp_evicted", std::time::Instant::now()) {
                tracing::info!(client = %p.remote, suppressed, evicted = self.stats.evicted,
                    "TCP connection table full: closed the connection idle longest");
            }
        }
    }
}

/// A socket bound to the unspecified address serves any local address of its port.
fn same_port(bound: SocketAddr, local: SocketAddr) -> bool {
    bound.ip().is_unspecified() && bound.port() == local.port()
}

impl<M> Ctx<'_, M> {
    /// The machine.
    pub fn machine(&mut self) -> &mut M {
        self.machine
    }

    /// Now, on the machine's timeline.
    pub fn now(&self) -> Instant {
        self.io.clock.now()
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.io.clock
    }

    /// Send `data` on `path` once the callback returns (for what a
    /// [`Carrier`](sansio::Carrier) wrote: `ctx.send(t.path, &out[..t.len])`).
    pub fn send(&mut self, path: Path, data: &[u8]) {
        self.io.outbox.push((path, data.to_vec()));
    }

    /// Bind a UDP socket at `addr` (port 0: any) and read it; returns the bound address.
    pub fn bind_udp(&mut self, addr: SocketAddr) -> io::Result<SocketAddr> {
        let std = std::net::UdpSocket::bind(addr)?;
        std.set_nonblocking(true)?;
        self.add_udp(UdpSocket::from_std(std)?)
    }

    /// Bind a UDP socket at `local` that talks only to `remote`: ICMP errors about `remote`
    /// surface as `Input::Unreachable` instead of a silent timeout.
    pub fn bind_udp_connected(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> io::Result<SocketAddr> {
        let std = std::net::UdpSocket::bind(local)?;
        std.connect(remote)?;
        std.set_nonblocking(true)?;
        self.add_udp_inner(UdpSocket::from_std(std)?, Some(remote))
    }

    /// Read an already bound UDP socket (one with options the caller set); returns its address.
    pub fn add_udp(&mut self, socket: UdpSocket) -> io::Result<SocketAddr> {
        self.add_udp_inner(socket, None)
    }

    fn add_udp_inner(
        &mut self,
        socket: UdpSocket,
        connected: Option<SocketAddr>,
    ) -> io::Result<SocketAddr> {
        let local = socket.local_addr()?;
        let socket = Arc::new(socket);
        let (reader, tx) = (socket.clone(), self.io.tx.clone());
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            loop {
                let net = match reader.recv_from(&mut buf).await {
                    Ok((n, from)) => {
                        let data = buf.get(..n).unwrap_or(&[]).to_vec();
                        Net::Datagram(Path::udp(local, from), data, None)
                    }
                    // ICMP errors of earlier sends: reported for a connected socket, ignored
                    // otherwise (some systems surface them on unconnected sockets too).
                    Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => match connected {
                        Some(remote) => Net::Unreachable(Path::udp(local, remote)),
                        None => continue,
                    },
                    Err(_) => return,
                };
                if tx.send(net).await.is_err() {
                    return;
                }
            }
        });
        self.io.udp.push((local, socket, task.abort_handle()));
        Ok(local)
    }

    /// Stop reading and close the UDP socket bound at `local`.
    pub fn close_udp(&mut self, local: SocketAddr) {
        self.io.udp.retain(|(a, _, task)| {
            let keep = *a != local;
            if !keep {
                task.abort();
            }
            keep
        });
    }

    /// The UDP sockets' bound addresses.
    pub fn udp_addresses(&self) -> Vec<SocketAddr> {
        self.io.udp.iter().map(|(a, _, _)| *a).collect()
    }

    /// Accept TCP connections at `addr` (each one shows up as `Input::Connected`, its frames
    /// go to the machine on `Path::tcp(local, client)`); returns the bound address.
    pub fn listen_tcp(&mut self, addr: SocketAddr) -> io::Result<SocketAddr> {
        use socket2::{Domain, Protocol, Socket, Type};
        let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        s.set_reuse_address(true)?;
        s.set_nonblocking(true)?;
        s.bind(&addr.into())?;
        s.listen(i32::try_from(self.io.limits.backlog).unwrap_or(i32::MAX))?;
        let listener = TcpListener::from_std(s.into())?;
        let local = listener.local_addr()?;
        let tx = self.io.tx.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, from)) => {
                        let _ = stream.set_nodelay(true);
                        let path = Path::tcp(local, from);
                        if tx.send(Net::Accepted(stream, path)).await.is_err() {
                            return;
                        }
                    }
                    // Out of descriptors or a connection reset before accept: keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        self.io.listeners.push((local, task.abort_handle()));
        Ok(local)
    }

    /// Connect to `remote` over TCP, from `local` when given; the outcome arrives as
    /// `Input::Connected(path)` or `Input::ConnectFailed`.
    pub fn connect_tcp(&mut self, local: Option<SocketAddr>, remote: SocketAddr) {
        let tx = self.io.tx.clone();
        tokio::spawn(async move {
            let r = connect(local, remote).await.and_then(|s| {
                let local = s.local_addr()?;
                let _ = s.set_nodelay(true);
                Ok((s, Path::tcp(local, remote)))
            });
            let _ = tx.send(Net::Connected(r, remote)).await;
        });
    }

    /// Close the TCP connection of `path` (`Input::Closed` follows).
    pub fn close(&mut self, path: Path) {
        if self.io.conns.remove(&path).is_some() {
            self.io.closed.push(path);
        }
    }

    /// TCP connections open.
    pub fn connection_count(&self) -> usize {
        self.io.conns.len()
    }
}

async fn connect(local: Option<SocketAddr>, remote: SocketAddr) -> io::Result<TcpStream> {
    let Some(local) = local else {
        return TcpStream::connect(remote).await;
    };
    let socket = if local.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.bind(local)?;
    socket.connect(remote).await
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}
